"""The push to Mailchimp: each issue's one campaign, kept in step with the built email.

This module owns the order of a push and the rules between its steps: reads first, every
refusal before the first write, then the writes. What is decided before any request is
`plan`'s; each step (find or create, update, test, schedule, send, report) is `steps`'s; what
earlier pushes recorded is `state`'s, finding the campaign `campaigns`'s, its report
`report`'s. How requests travel (the key, the official client, timeouts, retries, the dry
run's outbox) is `catalyst.mailchimp.api`'s.

One campaign per issue, however a push goes: one push of a month at a time (an OS lock in
`build/state/`, so a second push fails at once); the campaigns are looked up again just before
one is created; a create whose answer was lost is looked for, for a while, before it is made
again; and every push reads every campaign with the issue's title, so one that Mailchimp made
after the push stopped waiting for it is found and named. Catalyst never deletes a campaign.

It never prints: `push` reports progress through a callback and returns a `PushResult`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from catalyst.content.schema import Issue
from catalyst.mailchimp.api import Api
from catalyst.mailchimp.campaigns import Campaign, when_text
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.plan import Content, PushOptions, PushPlan, check_plan, plan_push
from catalyst.mailchimp.state import one_push_at_a_time
from catalyst.mailchimp.steps import NotReady, PushResult, PushRun
from catalyst.settings import Settings

# What the command line and the tests take from here, besides `push`.
__all__ = ["MailchimpError", "NotReady", "PushOptions", "PushResult", "push"]


def push(
    issue: Issue,
    html: str,
    text: str,
    settings: Settings,
    api: Api,
    options: PushOptions | None = None,
    *,
    on_step: Callable[[str], None] | None = None,
    now: Callable[[], dt.datetime] | None = None,
) -> PushResult:
    """Bring the issue's campaign in step with its email; test, schedule or send if asked.

    Safe to run again at any point: it finds the campaign it made, changes only what differs,
    never touches a campaign that has gone out, and sends nothing unless asked to.
    """
    plan = plan_push(
        Content(issue, html, text),
        settings,
        options or PushOptions(),
        now or (lambda: dt.datetime.now(dt.UTC)),
    )
    if api.dry_run:  # it changes nothing, and writes no state
        return _run(PushRun(plan, api, on_step))
    with one_push_at_a_time(settings, issue.month):
        return _run(PushRun(plan, api, on_step))


def _run(run: PushRun) -> PushResult:
    """One push: reads first, every refusal before the first write, then the writes."""
    plan, options = run.plan, run.plan.options
    check_plan(plan)
    campaign = run.find()
    changes = run.changes(campaign) if campaign is not None else []
    # Every refusal comes before the first write.
    if options.send_now:
        _check_send_now(run, campaign)
    when = _wanted_time(run, campaign)
    if campaign is None:
        campaign = run.create()
    elif campaign.status == "schedule" and (changes or when != campaign.send_time):
        if not options.reschedule:
            raise MailchimpError(_scheduled_refusal(plan, campaign, bool(changes), when))
        if when is None or when <= plan.now():
            raise MailchimpError(
                f"{plan.title!r} is scheduled for {when_text(when)}, which has passed; "
                "check its status in Mailchimp before changing it"
            )
        campaign = run.unschedule(campaign)
    # Should an update fail here, a campaign that was scheduled stays unscheduled: a half
    # updated campaign never goes out, and the next push finishes the job.
    for apply in changes:
        campaign = apply(campaign)
    if options.test_emails:
        run.test(campaign)
    if when and campaign.status != "schedule":
        campaign = run.schedule(campaign, when)
    if options.send_now:
        campaign = run.send(campaign)
    return run.report(campaign)


def _check_send_now(run: PushRun, campaign: Campaign | None) -> None:
    """A send needs a test send of exactly this email, and a campaign not scheduled."""
    tested = run.recorded.get("tested") or {}
    if (
        campaign is None
        or tested.get("sha256") != run.plan.fingerprint
        or tested.get("campaign_id") != campaign.id
    ):
        raise MailchimpError(
            f"--send-now needs a test send of exactly this email first: run `catalyst push "
            f"{run.plan.month} --test you@example.org`, read it, then send"
        )
    if campaign.status == "schedule":
        raise MailchimpError(
            f"{run.plan.title!r} is scheduled for {when_text(campaign.send_time)}; "
            "it goes out then. "
            "Unschedule it in Mailchimp to send it now instead"
        )


def _wanted_time(run: PushRun, campaign: Campaign | None) -> dt.datetime | None:
    """When the campaign should be scheduled after this push (None: not at all)."""
    plan = run.plan
    if plan.options.schedule:
        when = plan.send_at()
        if when != plan.issue.send_at:
            run.step(
                f"send_at {plan.issue.send_at.isoformat()} is not on a quarter hour; "
                f"Mailchimp takes quarter hours, so it goes at {when_text(when)}"
            )
        return when
    if campaign is not None and campaign.status == "schedule":
        return campaign.send_time
    return None


def _scheduled_refusal(
    plan: PushPlan, campaign: Campaign, changed: bool, when: dt.datetime | None
) -> str:
    what = "has changes to upload" if changed else f"should go out at {when_text(when)} instead"
    return (
        f"{plan.title!r} is scheduled for {when_text(campaign.send_time)} and {what}. "
        "Add --reschedule to unschedule it, update it and schedule it again"
    )
