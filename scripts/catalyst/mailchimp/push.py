"""The push to Mailchimp: each issue's one campaign, kept in step with the built email.

This module owns what Catalyst asks of Mailchimp and the rules around it: finding an issue's
campaign (by its exact title, or the id recorded in `build/state/mailchimp.json`), creating it,
updating only what changed, test sends, scheduling, sending and refusing whatever is unsafe
(what earlier pushes recorded is `state`'s, finding the campaign `campaigns`'s, its report
`report`'s). How requests travel (the key, the official client, timeouts, retries, the dry
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
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalyst.content.publishing import format_when, live_at
from catalyst.content.schema import Issue
from catalyst.mailchimp.api import Api
from catalyst.mailchimp.campaigns import (
    EDITABLE,
    GONE_OUT,
    Campaign,
    campaign_title,
    content_hash,
    find_campaign,
    item_text,
    quarter_hour,
    replaced,
    when_text,
)
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.requests import (
    PENDING_ID,
    Request,
    create_campaign,
    get_campaign,
    get_checklist,
    get_content,
    get_list,
    list_tags,
    schedule,
    send,
    send_test,
    set_content,
    unschedule,
    update_campaign,
)
from catalyst.mailchimp.state import State, one_push_at_a_time
from catalyst.settings import Settings

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


_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


class NotReady(MailchimpError):
    """Mailchimp's send checklist has errors, so the campaign cannot be scheduled or sent."""


@dataclass(frozen=True)
class PushOptions:
    """What to do beyond creating or updating the campaign; the defaults send nothing."""

    test_emails: tuple[str, ...] = ()
    schedule: bool = False
    reschedule: bool = False
    send_now: bool = False
    yes: bool = False


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
    def run() -> PushResult:
        return _Push(issue, html, text, settings, api, options or PushOptions(), on_step, now).run()

    if api.dry_run:  # it changes nothing, and writes no state
        return run()
    with one_push_at_a_time(settings, issue.month):
        return run()


class _Push:
    """One push: reads first, every refusal before the first write, then the writes."""

    def __init__(self, issue, html, text, settings, api, options, on_step, now) -> None:
        self.issue: Issue = issue
        self.html, self.text = html, text
        self.settings: Settings = settings
        self.api: Api = api
        self.options: PushOptions = options
        self.on_step = on_step or (lambda message: None)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.month = issue.month
        self.title = campaign_title(settings, self.month)
        self.state = State.of(settings, persist=not api.dry_run)
        self.recorded = self.state.get(self.month)
        self.content_sha = content_hash(html, text)
        # What a test send vouches for: everything a reader sees.
        self.fingerprint = hashlib.sha256(
            json.dumps([self._settings(), html, text], sort_keys=True).encode()
        ).hexdigest()
        self.result = PushResult(self.month, self.title, dry_run=api.dry_run)
        self._segment: int | str | None = None

    def step(self, message: str) -> None:
        self.result.steps.append(message)
        self.on_step(message)

    def wrote(self, what: str, verb: str, rest: str) -> None:
        """Note a write (in a dry run, one that would be made) and say so."""
        self.result.written.append(what)
        self.step(f"would {verb} {rest}" if self.api.dry_run else f"{PAST[verb]} {rest}")

    # -- the sequence

    def run(self) -> PushResult:
        self._check_before_any_request()
        if self.api.blind:
            self.step("without a key nothing is read, so these are the requests of a first push")
        for problem in self.state.problems:
            self.step(problem)
        found = find_campaign(self.api, self.title, self.recorded.get("campaign_id"))
        if found.campaign is None:
            # What a create needs, read first; then a title lookup just before creating, so
            # a campaign another push made meanwhile is taken, not made twice.
            self._check_audience()
            self._segment_id()
            found = find_campaign(self.api, self.title, None)
            if found.campaign is not None:
                self.step(f"{self.title!r} was created meanwhile, elsewhere: taking it")
        campaign, how = found.campaign, found.how
        for leftover in found.leftovers:
            self.step(self._leftover(leftover))
        changes = []
        if campaign is not None:
            self.step(f"found {self.title!r} {how} (id {campaign.id}, status {campaign.status})")
            self._refuse_if_untouchable(campaign)
            if self.recorded.get("campaign_id") != campaign.id:
                self._remember(campaign)
            changes = self._changes(campaign)
        # Every refusal comes before the first write.
        if self.options.send_now:
            self._check_send_now(campaign)
        when = self._wanted_time(campaign)
        if campaign is None:
            campaign = self._create()
        elif campaign.status == "schedule" and (changes or when != campaign.send_time):
            if not self.options.reschedule:
                raise MailchimpError(self._scheduled_refusal(campaign, changes, when))
            if when is None or when <= self.now():
                raise MailchimpError(
                    f"{self.title!r} is scheduled for {when_text(when)}, which has passed; "
                    "check its status in Mailchimp before changing it"
                )
            campaign = self._unschedule(campaign)
        # Should an update fail here, a campaign that was scheduled stays unscheduled: a half
        # updated campaign never goes out, and the next push finishes the job.
        for apply in changes:
            campaign = apply(campaign)
        if self.options.test_emails:
            self._test(campaign)
        if when and campaign.status != "schedule":
            campaign = self._schedule(campaign, when)
        if self.options.send_now:
            campaign = self._send(campaign)
        if campaign.status == "schedule" and campaign.send_time:
            self.result.schedule_time = campaign.send_time
        if not self.result.written:
            self.step("nothing to change")
        self.result.campaign_id, self.result.web_id = campaign.id, campaign.web_id
        self.result.status = campaign.status
        self.result.requests = list(self.api.calls)
        self.result.outbox = self.api.finish()
        return self.result

    # -- checks that need no request

    def _check_before_any_request(self) -> None:
        s, options = self.settings, self.options
        missing = [n for n in ("audience_id", "from_name", "reply_to") if not getattr(s, n)]
        if missing:
            raise MailchimpError(
                f"mkdocs.yml: set {', '.join(missing)} under `plugins: - catalyst:` to push"
            )
        if not _EMAIL.fullmatch(s.reply_to):
            raise MailchimpError(f"mkdocs.yml: reply_to {s.reply_to!r} is not an email address")
        if s.segment_id is not None and s.tag:
            raise MailchimpError("mkdocs.yml: give segment_id or tag, not both")
        bad = [address for address in options.test_emails if not _EMAIL.fullmatch(address)]
        if bad:
            raise MailchimpError(f"--test: not an email address: {', '.join(bad)}")
        if options.schedule and options.send_now:
            raise MailchimpError("--schedule and --send-now: choose one")
        if options.send_now and not options.yes:
            raise MailchimpError(
                f"--send-now sends {self.title!r} to the whole audience at once, and it cannot "
                "be unsent: add --yes to confirm"
            )
        if (options.schedule or options.send_now) and self.issue.draft:
            raise MailchimpError(
                f"{self._source()}: the issue is a draft (draft: true); "
                "remove that to schedule or send it"
            )
        if options.send_now:
            self._check_live_now()
        if options.schedule:
            self._send_at()

    def _check_live_now(self) -> None:
        """The web copy goes live when the issue is sent (the publishing rule, `live_at`):
        an issue that is not live yet cannot be sent now, or readers would follow its
        links to pages the site does not show yet."""
        goes_live = live_at(self.issue)
        if goes_live <= self.now():
            return
        if self.issue.send_at is not None:
            raise MailchimpError(
                f"{self._source()}: --send-now: send_at is {format_when(goes_live)}, still "
                "ahead, and the issue's web copy goes live on the site then. Schedule it "
                "(--schedule), or set send_at to now to send it now"
            )
        raise MailchimpError(
            f"{self._source()}: --send-now: the issue goes live on the site on "
            f"{format_when(goes_live)} (the first day of its month: it has no send_at). "
            "Schedule it with a send_at (--schedule), or send it once its month has begun"
        )

    def _check_send_now(self, campaign: Campaign | None) -> None:
        tested = self.recorded.get("tested") or {}
        if (
            campaign is None
            or tested.get("sha256") != self.fingerprint
            or tested.get("campaign_id") != campaign.id
        ):
            raise MailchimpError(
                f"--send-now needs a test send of exactly this email first: run `catalyst push "
                f"{self.month} --test you@example.org`, read it, then send"
            )
        if campaign.status == "schedule":
            raise MailchimpError(
                f"{self.title!r} is scheduled for {when_text(campaign.send_time)}; "
                "it goes out then. "
                "Unschedule it in Mailchimp to send it now instead"
            )

    def _source(self) -> str:
        return self.issue.source or f"issues/{self.month}.md"

    def _send_at(self) -> dt.datetime:
        """The issue's send_at as Mailchimp takes it: UTC, on a quarter hour, in the future."""
        if self.issue.send_at is None:
            raise MailchimpError(
                f"{self._source()}: --schedule needs send_at in the front matter, "
                "e.g. send_at: 2023-06-06T09:00:00-04:00"
            )
        wanted = self.issue.send_at.astimezone(dt.UTC)
        when = quarter_hour(wanted)
        if when <= self.now():
            raise MailchimpError(
                f"{self._source()}: send_at {self.issue.send_at.isoformat()} is in the past"
            )
        return when

    # -- what the campaign should be

    def _settings(self) -> dict:
        return {
            "title": self.title,
            "subject_line": self.issue.subject,
            "preview_text": self.issue.preview_text,
            "from_name": self.settings.from_name,
            "reply_to": self.settings.reply_to,
        }

    def _recipients(self) -> dict:
        recipients: dict[str, Any] = {"list_id": self.settings.audience_id}
        segment = self._segment_id()
        if segment is not None:
            recipients["segment_opts"] = {"saved_segment_id": segment}
        return recipients

    def _segment_id(self) -> int | str | None:
        """The saved segment to send to: segment_id, or the tag's id (a tag is a static segment)."""
        if self.settings.segment_id is not None:
            return self.settings.segment_id
        if not self.settings.tag or self._segment is not None:
            return self._segment
        tag = self.settings.tag
        tags = (self.api.send(list_tags(self.settings.audience_id)) or {}).get("segments") or []
        found = [t["id"] for t in tags if t.get("name") == tag]
        if found:
            self._segment = found[0]
        elif self.api.blind:
            self._segment = f"<id of tag {tag!r}>"
        else:
            names = ", ".join(sorted(t.get("name", "") for t in tags)) or "none"
            raise MailchimpError(
                f"mkdocs.yml: tag {tag!r}: audience {self.settings.audience_id} has no such tag "
                f"(its tags: {names})"
            )
        return self._segment

    def _check_audience(self) -> None:
        try:
            audience = self.api.send(get_list(self.settings.audience_id)) or {}
        except MailchimpError as error:
            if error.status != 404:
                raise
            raise MailchimpError(
                f"mkdocs.yml: audience_id {self.settings.audience_id!r}: this Mailchimp account "
                "has no audience with that id (Audience > Settings > Audience name and "
                "defaults shows it)",
                status=404,
            ) from None
        if audience.get("name"):
            members = (audience.get("stats") or {}).get("member_count")
            count = f", {members:,} contacts" if isinstance(members, int) else ""
            self.step(f"audience: {audience['name']}{count}")

    # -- writes

    def _leftover(self, campaign: Campaign) -> str:
        created = f", created {campaign.create_time}" if campaign.create_time else ""
        return (
            f"warning: campaign {campaign.id} (web id {campaign.web_id}{created}) is also "
            f"titled {self.title!r}, and is empty and was never sent: most likely Mailchimp "
            "made it after a push stopped waiting for its answer. Delete it in Mailchimp "
            "(Catalyst never deletes campaigns)"
        )

    def _create(self) -> Campaign:
        body = {"type": "regular", "recipients": self._recipients(), "settings": self._settings()}

        def created_meanwhile():
            # The create's answer was lost: did Mailchimp make it? Only a campaign that is
            # not there is made again (none had the title just before the create).
            return find_campaign(self.api, self.title, None).campaign

        answer = self.api.send(create_campaign(body, created_meanwhile))
        campaign = answer if isinstance(answer, Campaign) else Campaign.from_api(answer)
        self._remember(campaign)
        shown = "" if campaign.id == PENDING_ID else f" (id {campaign.id})"
        self.wrote("created", "create", f"{self.title!r}{shown}")
        return self._put_content(campaign)

    def _remember(self, campaign: Campaign) -> None:
        # Written at once, so an interrupted push finds this campaign by id next time.
        self.state.update(
            self.month, campaign_id=campaign.id, web_id=campaign.web_id, title=self.title
        )
        self.recorded = self.state.get(self.month)

    def _changes(self, campaign: Campaign) -> list[Callable[[Campaign], Campaign]]:
        """The updates the campaign needs, to apply once it can take them."""
        changes = []
        want = self._settings()
        changed = [n for n, v in want.items() if (campaign.settings.get(n) or "") != v]
        recipients = self._recipients()
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
                    self._check_audience()
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
        if self._content_differs(campaign):
            self.step("content differs")
            changes.append(self._put_content)
        else:
            self.step("content unchanged")
        return changes

    def _content_differs(self, campaign: Campaign) -> bool:
        remote = self.api.send(get_content(campaign.id)) or {}
        remote_sha = content_hash(remote.get("html") or "", remote.get("plain_text") or "")
        if remote_sha == self.content_sha:
            return False
        # Mailchimp may hand back stored HTML slightly changed; then what we last sent is
        # recognised by the hash of the answer it gave us.
        recorded = self.recorded
        return not (
            recorded.get("campaign_id") == campaign.id
            and recorded.get("content_sha256") == self.content_sha
            and recorded.get("remote_sha256") == remote_sha
        )

    def _put_content(self, campaign: Campaign) -> Campaign:
        answer = (
            self.api.send(set_content(campaign.id, {"html": self.html, "plain_text": self.text}))
            or {}
        )
        self.state.update(
            self.month,
            content_sha256=self.content_sha,
            remote_sha256=content_hash(answer.get("html") or "", answer.get("plain_text") or ""),
            pushed_at=self.now().isoformat(timespec="seconds"),
        )
        self.recorded = self.state.get(self.month)
        kb = len(self.html.encode()) / 1024
        self.wrote("content", "upload", f"the content (HTML {kb:.1f} KB and plain text)")
        return campaign

    def _status_is(self, campaign_id: str, *statuses: str) -> Callable[[], Any]:
        def confirm():
            status = Campaign.from_api(self.api.send(get_campaign(campaign_id))).status
            return True if status in statuses else None

        return confirm

    def _unschedule(self, campaign: Campaign) -> Campaign:
        self.api.send(unschedule(campaign.id, self._status_is(campaign.id, "save", "paused")))
        was = when_text(campaign.send_time)
        self.wrote("unscheduled", "unschedule", f"it (it was set for {was})")
        return replaced(campaign, status="save")

    def _test(self, campaign: Campaign) -> None:
        emails = list(self.options.test_emails)
        self.api.send(send_test(campaign.id, emails))
        self.state.update(
            self.month,
            tested={
                "sha256": self.fingerprint,
                "campaign_id": campaign.id,
                "at": self.now().isoformat(timespec="seconds"),
            },
        )
        self.recorded = self.state.get(self.month)
        self.wrote("test", "send", f"a test to {', '.join(emails)}")

    def _ready(self, campaign: Campaign, doing: str) -> None:
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
            f"{self.title!r} is not ready to {doing}; Mailchimp's send checklist says:\n"
            + "\n".join(f"  {item_text(i)}" for i in shown)
            + unscheduled
        )

    def _schedule(self, campaign: Campaign, when: dt.datetime) -> Campaign:
        if when <= self.now():
            raise MailchimpError(
                f"{self.title!r} cannot be scheduled for {when_text(when)}: that is in the past"
                + (" (it is now unscheduled)" if "unscheduled" in self.result.written else "")
            )
        self._ready(campaign, "schedule")
        self.api.send(schedule(campaign.id, when, self._status_is(campaign.id, "schedule")))
        self.wrote("scheduled", "schedule", f"it for {when_text(when)}")
        return replaced(campaign, status="schedule", send_time=when)

    def _send(self, campaign: Campaign) -> Campaign:
        self._ready(campaign, "send")

        def confirm():
            # Never send twice: a lost answer is settled by the campaign's status alone.
            status = Campaign.from_api(self.api.send(get_campaign(campaign.id))).status
            if status in GONE_OUT:
                return True
            raise MailchimpError(
                f"the answer to the send was lost and Mailchimp shows {self.title!r} as "
                f"{status!r}: check Mailchimp before sending again"
            )

        self.api.send(send(campaign.id, confirm))
        self.wrote("sent", "send", "it to the audience")
        return replaced(campaign, status="sending")

    # -- when to schedule, and when to refuse

    def _wanted_time(self, campaign: Campaign | None) -> dt.datetime | None:
        """When the campaign should be scheduled after this push (None: not at all)."""
        if self.options.schedule:
            when = self._send_at()
            if when != self.issue.send_at:
                self.step(
                    f"send_at {self.issue.send_at.isoformat()} is not on a quarter hour; "
                    f"Mailchimp takes quarter hours, so it goes at {when_text(when)}"
                )
            return when
        if campaign is not None and campaign.status == "schedule":
            return campaign.send_time
        return None

    def _refuse_if_untouchable(self, campaign: Campaign) -> None:
        if campaign.status in GONE_OUT:
            raise MailchimpError(
                f"{self.title!r} (id {campaign.id}) has gone out (status {campaign.status}); "
                "Catalyst does not touch a campaign once it is sending or sent"
            )
        if campaign.status not in (*EDITABLE, "schedule"):
            raise MailchimpError(
                f"{self.title!r} (id {campaign.id}) has status {campaign.status!r}; Catalyst only "
                "updates saved, paused or scheduled campaigns"
            )

    def _scheduled_refusal(self, campaign: Campaign, changes: list, when) -> str:
        what = "has changes to upload" if changes else f"should go out at {when_text(when)} instead"
        return (
            f"{self.title!r} is scheduled for {when_text(campaign.send_time)} and {what}. "
            "Add --reschedule to unschedule it, update it and schedule it again"
        )
