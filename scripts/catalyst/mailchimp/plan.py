"""What a push is to do, decided before any request: the options, the email, the campaign's
title, settings and fingerprints, and every refusal that needs no word from Mailchimp.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from catalyst.content.publishing import format_when, live_at
from catalyst.content.schema import Issue
from catalyst.mailchimp.campaigns import campaign_title, content_hash, quarter_hour
from catalyst.mailchimp.keys import MailchimpError
from catalyst.settings import Settings

_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


@dataclass(frozen=True)
class PushOptions:
    """What to do beyond creating or updating the campaign; the defaults send nothing."""

    test_emails: tuple[str, ...] = ()
    schedule: bool = False
    reschedule: bool = False
    send_now: bool = False
    yes: bool = False


@dataclass(frozen=True)
class Content:
    """The issue and its built email: what the campaign carries."""

    issue: Issue
    html: str
    text: str

    @property
    def source(self) -> str:
        """Where the issue is written, for messages about it."""
        return self.issue.source or f"issues/{self.issue.month}.md"


@dataclass(frozen=True)
class PushPlan:
    """One push, as decided before any request: what the campaign should be, and what to do."""

    content: Content
    settings: Settings
    options: PushOptions
    now: Callable[[], dt.datetime]
    title: str
    # The campaign's settings, as Mailchimp names them.
    wanted: Mapping[str, str]
    content_sha: str
    # What a test send vouches for: everything a reader sees.
    fingerprint: str

    @property
    def issue(self) -> Issue:
        return self.content.issue

    @property
    def month(self) -> str:
        return self.content.issue.month

    @property
    def source(self) -> str:
        return self.content.source

    def send_at(self) -> dt.datetime:
        """The issue's send_at as Mailchimp takes it: UTC, on a quarter hour, in the future."""
        if self.issue.send_at is None:
            raise MailchimpError(
                f"{self.source}: --schedule needs send_at in the front matter, "
                "e.g. send_at: 2023-06-06T09:00:00-04:00"
            )
        when = quarter_hour(self.issue.send_at.astimezone(dt.UTC))
        if when <= self.now():
            raise MailchimpError(
                f"{self.source}: send_at {self.issue.send_at.isoformat()} is in the past"
            )
        return when


def plan_push(
    content: Content,
    settings: Settings,
    options: PushOptions,
    now: Callable[[], dt.datetime],
) -> PushPlan:
    """The push's plan; `check_plan` then refuses what is unsafe before any request."""
    issue = content.issue
    title = campaign_title(settings, issue.month)
    wanted = {
        "title": title,
        "subject_line": issue.subject,
        "preview_text": issue.preview_text,
        "from_name": settings.from_name,
        "reply_to": settings.reply_to,
    }
    fingerprint = hashlib.sha256(
        json.dumps([wanted, content.html, content.text], sort_keys=True).encode()
    ).hexdigest()
    return PushPlan(
        content,
        settings,
        options,
        now,
        title,
        wanted,
        content_hash(content.html, content.text),
        fingerprint,
    )


def check_plan(plan: PushPlan) -> None:
    """Every refusal that needs no request: the settings, the options, the issue's times."""
    s, options = plan.settings, plan.options
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
            f"--send-now sends {plan.title!r} to the whole audience at once, and it cannot "
            "be unsent: add --yes to confirm"
        )
    if (options.schedule or options.send_now) and plan.issue.draft:
        raise MailchimpError(
            f"{plan.source}: the issue is a draft (draft: true); remove that to schedule or send it"
        )
    if options.send_now:
        _check_live_now(plan)
    if options.schedule:
        plan.send_at()


def _check_live_now(plan: PushPlan) -> None:
    """The web copy goes live when the issue is sent (the publishing rule, `live_at`): an
    issue that is not live yet cannot be sent now, or readers would follow its links to pages
    the site does not show yet."""
    goes_live = live_at(plan.issue)
    if goes_live <= plan.now():
        return
    if plan.issue.send_at is not None:
        raise MailchimpError(
            f"{plan.source}: --send-now: send_at is {format_when(goes_live)}, still "
            "ahead, and the issue's web copy goes live on the site then. Schedule it "
            "(--schedule), or set send_at to now to send it now"
        )
    raise MailchimpError(
        f"{plan.source}: --send-now: the issue goes live on the site on "
        f"{format_when(goes_live)} (the first day of its month: it has no send_at). "
        "Schedule it with a send_at (--schedule), or send it once its month has begun"
    )
