"""The steps of one push, each a method of `PushRun`: find or create the campaign, update its
settings and content, send a test, schedule, send, and report what was done (`PushResult`).

Every request goes through the `Api` protocol, so a step never asks whether it is a dry run
beyond how it words what it did; what earlier pushes recorded is `state`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalyst.mailchimp.api import Api
from catalyst.mailchimp.audience import Audience
from catalyst.mailchimp.campaigns import (
    GONE_OUT,
    Campaign,
    content_hash,
    find_campaign,
    item_text,
    leftover_warning,
    refuse_if_untouchable,
    replaced,
    when_text,
)
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.plan import PushPlan
from catalyst.mailchimp.requests import (
    PENDING_ID,
    Request,
    create_campaign,
    get_campaign,
    get_checklist,
    get_content,
    schedule,
    send,
    send_test,
    set_content,
    unschedule,
    update_campaign,
)
from catalyst.mailchimp.state import State

SETTING_LABELS = {
    "title": "title",
    "subject_line": "subject line",
    "preview_text": "preview text",
    "from_name": "from name",
    "reply_to": "reply-to",
}


PAST = {
    "create": "created",
    "update": "updated",
    "upload": "uploaded",
    "unschedule": "unscheduled",
    "schedule": "scheduled",
    "send": "sent",
}


class NotReady(MailchimpError):
    """Mailchimp's send checklist has errors, so the campaign cannot be scheduled or sent."""


@dataclass
class PushResult:
    """What a push found and did, for the command line to show."""

    month: str
    title: str
    campaign_id: str | None = None
    web_id: int | None = None
    status: str = ""
    schedule_time: dt.datetime | None = None
    steps: list[str] = field(default_factory=list)
    # What was written (or, in a dry run, would be): created, settings, content, unscheduled,
    # test, scheduled, sent.
    written: list[str] = field(default_factory=list)
    dry_run: bool = False
    outbox: Path | None = None
    # Every request made to Mailchimp, retries included (a dry run's unsent ones are not).
    requests: list[Request] = field(default_factory=list)

    @property
    def reads(self) -> int:
        return sum(not r.writes for r in self.requests)

    @property
    def writes(self) -> int:
        return sum(r.writes for r in self.requests)


class PushRun:
    """One push under way: the plan, the API it talks to, what earlier pushes recorded, and
    what this one has found and done so far."""

    def __init__(self, plan: PushPlan, api: Api, on_step: Callable[[str], None] | None) -> None:
        self.plan = plan
        self.api = api
        self.on_step = on_step or (lambda message: None)
        self.state = State.of(plan.settings, persist=not api.dry_run)
        self.recorded = self.state.get(plan.month)
        self.result = PushResult(plan.month, plan.title, dry_run=api.dry_run)
        self.audience = Audience(plan.settings, api, self.step)

    def step(self, message: str) -> None:
        self.result.steps.append(message)
        self.on_step(message)

    def wrote(self, what: str, verb: str, rest: str) -> None:
        """Note a write (in a dry run, one that would be made) and say so."""
        self.result.written.append(what)
        self.step(f"would {verb} {rest}" if self.api.dry_run else f"{PAST[verb]} {rest}")

    def record(self, **values: Any) -> None:
        """Write to the state at once, so an interrupted push picks up where it stopped."""
        self.state.update(self.plan.month, **values)
        self.recorded = self.state.get(self.plan.month)

    # -- find or create

    def find(self) -> Campaign | None:
        """The issue's campaign (None: there is none yet; what a create needs is read then)."""
        title = self.plan.title
        if self.api.blind:
            self.step("without a key nothing is read, so these are the requests of a first push")
        for problem in self.state.problems:
            self.step(problem)
        found = find_campaign(self.api, title, self.recorded.get("campaign_id"))
        if found.campaign is None:
            # What a create needs, read first; then a title lookup just before creating, so
            # a campaign another push made meanwhile is taken, not made twice.
            self.audience.check()
            self.audience.segment_id()
            found = find_campaign(self.api, title, None)
            if found.campaign is not None:
                self.step(f"{title!r} was created meanwhile, elsewhere: taking it")
        for leftover in found.leftovers:
            self.step(leftover_warning(leftover, title))
        campaign = found.campaign
        if campaign is not None:
            self.step(f"found {title!r} {found.how} (id {campaign.id}, status {campaign.status})")
            refuse_if_untouchable(campaign, title)
            if self.recorded.get("campaign_id") != campaign.id:
                self.remember(campaign)
        return campaign

    def create(self) -> Campaign:
        recipients = self.audience.recipients()
        body = {"type": "regular", "recipients": recipients, "settings": self.plan.wanted}

        def created_meanwhile():
            # The create's answer was lost: did Mailchimp make it? Only a campaign that is
            # not there is made again (none had the title just before the create).
            return find_campaign(self.api, self.plan.title, None).campaign

        answer = self.api.send(create_campaign(body, created_meanwhile))
        campaign = answer if isinstance(answer, Campaign) else Campaign.from_api(answer)
        self.remember(campaign)
        shown = "" if campaign.id == PENDING_ID else f" (id {campaign.id})"
        self.wrote("created", "create", f"{self.plan.title!r}{shown}")
        return self.put_content(campaign)

    def remember(self, campaign: Campaign) -> None:
        # Written at once, so an interrupted push finds this campaign by id next time.
        self.record(campaign_id=campaign.id, web_id=campaign.web_id, title=self.plan.title)

    # -- update settings and content

    def changes(self, campaign: Campaign) -> list[Callable[[Campaign], Campaign]]:
        """The updates the campaign needs, to apply once it can take them."""
        changes = []
        want = dict(self.plan.wanted)
        changed = [n for n, v in want.items() if (campaign.settings.get(n) or "") != v]
        recipients = self.audience.recipients()
        current = campaign.recipients
        have_segment = (current.get("segment_opts") or {}).get("saved_segment_id") or None
        want_segment = recipients.get("segment_opts", {}).get("saved_segment_id")
        if current.get("list_id") != recipients["list_id"]:
            changed.append("audience")
        elif have_segment != want_segment:
            changed.append("segment")
        if changed:
            self.step("settings differ: " + ", ".join(SETTING_LABELS.get(n, n) for n in changed))
            body: dict[str, Any] = {"settings": want}
            if {"audience", "segment"} & set(changed):
                body["recipients"] = recipients

            def patch(campaign: Campaign) -> Campaign:
                if "audience" in changed:
                    self.audience.check()
                answer = self.api.send(update_campaign(campaign.id, body))
                self.wrote("settings", "update", "the settings")
                return replaced(
                    campaign,
                    settings=want,
                    recipients=(answer or {}).get("recipients", campaign.recipients),
                )

            changes.append(patch)
        else:
            self.step("settings unchanged")
        if self.content_differs(campaign):
            self.step("content differs")
            changes.append(self.put_content)
        else:
            self.step("content unchanged")
        return changes

    def content_differs(self, campaign: Campaign) -> bool:
        remote = self.api.send(get_content(campaign.id)) or {}
        remote_sha = content_hash(remote.get("html") or "", remote.get("plain_text") or "")
        if remote_sha == self.plan.content_sha:
            return False
        # Mailchimp may hand back stored HTML slightly changed; then what we last sent is
        # recognised by the hash of the answer it gave us.
        recorded = self.recorded
        return not (
            recorded.get("campaign_id") == campaign.id
            and recorded.get("content_sha256") == self.plan.content_sha
            and recorded.get("remote_sha256") == remote_sha
        )

    def put_content(self, campaign: Campaign) -> Campaign:
        html, text = self.plan.content.html, self.plan.content.text
        answer = self.api.send(set_content(campaign.id, {"html": html, "plain_text": text})) or {}
        self.record(
            content_sha256=self.plan.content_sha,
            remote_sha256=content_hash(answer.get("html") or "", answer.get("plain_text") or ""),
            pushed_at=self.plan.now().isoformat(timespec="seconds"),
        )
        kb = len(html.encode()) / 1024
        self.wrote("content", "upload", f"the content (HTML {kb:.1f} KB and plain text)")
        return campaign

    # -- test send, schedule, send

    def test(self, campaign: Campaign) -> None:
        emails = list(self.plan.options.test_emails)
        self.api.send(send_test(campaign.id, emails))
        self.record(
            tested={
                "sha256": self.plan.fingerprint,
                "campaign_id": campaign.id,
                "at": self.plan.now().isoformat(timespec="seconds"),
            },
        )
        self.wrote("test", "send", f"a test to {', '.join(emails)}")

    def unschedule(self, campaign: Campaign) -> Campaign:
        self.api.send(unschedule(campaign.id, self.status_is(campaign.id, "save", "paused")))
        was = when_text(campaign.send_time)
        self.wrote("unscheduled", "unschedule", f"it (it was set for {was})")
        return replaced(campaign, status="save")

    def schedule(self, campaign: Campaign, when: dt.datetime) -> Campaign:
        if when <= self.plan.now():
            now_unscheduled = "unscheduled" in self.result.written
            raise MailchimpError(
                f"{self.plan.title!r} cannot be scheduled for {when_text(when)}: that is in the "
                "past" + (" (it is now unscheduled)" if now_unscheduled else "")
            )
        self.ready(campaign, "schedule")
        self.api.send(schedule(campaign.id, when, self.status_is(campaign.id, "schedule")))
        self.wrote("scheduled", "schedule", f"it for {when_text(when)}")
        return replaced(campaign, status="schedule", send_time=when)

    def send(self, campaign: Campaign) -> Campaign:
        self.ready(campaign, "send")

        def confirm():
            # Never send twice: a lost answer is settled by the campaign's status alone.
            status = Campaign.from_api(self.api.send(get_campaign(campaign.id))).status
            if status in GONE_OUT:
                return True
            raise MailchimpError(
                f"the answer to the send was lost and Mailchimp shows {self.plan.title!r} as "
                f"{status!r}: check Mailchimp before sending again"
            )

        self.api.send(send(campaign.id, confirm))
        self.wrote("sent", "send", "it to the audience")
        return replaced(campaign, status="sending")

    def status_is(self, campaign_id: str, *statuses: str) -> Callable[[], Any]:
        def confirm():
            status = Campaign.from_api(self.api.send(get_campaign(campaign_id))).status
            return True if status in statuses else None

        return confirm

    def ready(self, campaign: Campaign, doing: str) -> None:
        checklist = self.api.send(get_checklist(campaign.id)) or {}
        items = checklist.get("items") or []
        if checklist.get("is_ready"):
            warnings = [i for i in items if i.get("type") == "warning"]
            self.step("send checklist: ready" + "".join(f"\n  {item_text(i)}" for i in warnings))
            return
        shown = [i for i in items if i.get("type") != "success"] or items
        unscheduled = (
            " It is no longer scheduled (status save)."
            if "unscheduled" in self.result.written
            else ""
        )
        raise NotReady(
            f"{self.plan.title!r} is not ready to {doing}; Mailchimp's send checklist says:\n"
            + "\n".join(f"  {item_text(i)}" for i in shown)
            + unscheduled
        )

    # -- report

    def report(self, campaign: Campaign) -> PushResult:
        """The result, once the campaign is as it should be; a dry run's outbox written."""
        if campaign.status == "schedule" and campaign.send_time:
            self.result.schedule_time = campaign.send_time
        if not self.result.written:
            self.step("nothing to change")
        self.result.campaign_id, self.result.web_id = campaign.id, campaign.web_id
        self.result.status = campaign.status
        self.result.requests = list(self.api.calls)
        self.result.outbox = self.api.finish()
        return self.result
