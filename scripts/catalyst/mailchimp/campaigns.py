"""An issue's campaign as the push sees it: its title, finding it (by the id recorded, or its
exact title), what its content hashes to, and the time helpers its scheduling uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from catalyst.mailchimp.api import Api
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.requests import get_content, list_campaigns
from catalyst.settings import Settings

# Statuses whose content Mailchimp lets us change; `schedule` must be unscheduled first.
EDITABLE = ("save", "paused")


GONE_OUT = ("sending", "sent", "canceling", "canceled")


@dataclass(frozen=True)
class Campaign:
    """The parts of a Mailchimp campaign the push looks at."""

    id: str
    web_id: int | None
    status: str
    send_time: dt.datetime | None
    settings: dict
    recipients: dict
    create_time: str = ""

    @classmethod
    def from_api(cls, data: Mapping) -> Campaign:
        """From an answer `catalyst.mailchimp.api` has checked (so `id` is there, times parse)."""
        send_time = data.get("send_time") or None
        return cls(
            id=data["id"],
            web_id=data.get("web_id"),
            status=data.get("status", ""),
            send_time=dt.datetime.fromisoformat(send_time) if send_time else None,
            settings=dict(data.get("settings") or {}),
            recipients=dict(data.get("recipients") or {}),
            create_time=data.get("create_time") or "",
        )

    @property
    def title(self) -> str:
        return self.settings.get("title") or ""


def campaign_title(settings: Settings, month: str) -> str:
    """The one title an issue's campaign carries, e.g. `Catalyst 2023-06`."""
    return f"{settings.newsletter_name} {month}"


@dataclass(frozen=True)
class Found:
    """The issue's campaign (None: there is none yet), how it was found, and the leftovers:
    other campaigns with its title that are empty and were never sent."""

    campaign: Campaign | None
    how: str = ""
    leftovers: tuple[Campaign, ...] = ()


def find_campaign(api: Api, title: str, recorded_id: str | None) -> Found:
    """The issue's campaign: the one with its exact title (or the recorded id, if it was
    renamed in Mailchimp since).

    Two or more with the title are settled only when no one's work can be lost: the issue's
    one is the recorded one, else the only one with content, else (all empty) the oldest; the
    others must be empty and never sent, and are returned as leftovers to report. Otherwise
    which one is the issue's is a person's call: an error names them all.
    """
    listed = all_campaigns(api)
    titled = [c for c in listed if c.title == title]
    recorded = next((c for c in listed if recorded_id and c.id == recorded_id), None)
    if recorded is not None and recorded not in titled:
        titled.insert(0, recorded)
    if not titled:
        return Found(None)
    if len(titled) == 1:
        return Found(titled[0], "by its recorded id" if recorded else "by its title")
    filled = {c.id: bool((api.send(get_content(c.id)) or {}).get("html")) for c in titled}
    with_content = [c for c in titled if filled[c.id]]
    if recorded is not None:
        keep, how = recorded, "by its recorded id"
    elif len(with_content) == 1:
        keep, how = with_content[0], "by its title (the only one with content)"
    elif not with_content:
        keep, how = titled[0], "by its title (the oldest; all are empty)"
    else:
        keep, how = None, ""
    others = [c for c in titled if c is not keep]
    if keep is None or any(filled[c.id] or c.status != "save" for c in others):

        def described(c: Campaign) -> str:
            facts = [c.status, "with content" if filled[c.id] else "empty"]
            if c.create_time:
                facts.append(f"created {c.create_time}")
            if c is recorded:
                facts.append("the one the last push recorded")
            return f"{c.id} ({', '.join(facts)})"

        raise MailchimpError(
            f"{len(titled)} campaigns are titled {title!r}: "
            + "; ".join(described(c) for c in titled)
            + ". Keep the issue's one in Mailchimp (delete or rename the others), "
            "then push again"
        )
    return Found(keep, how, tuple(others))


def leftover_warning(campaign: Campaign, title: str) -> str:
    """What to say of a leftover: another campaign with the title, empty and never sent."""
    created = f", created {campaign.create_time}" if campaign.create_time else ""
    return (
        f"warning: campaign {campaign.id} (web id {campaign.web_id}{created}) is also "
        f"titled {title!r}, and is empty and was never sent: most likely Mailchimp "
        "made it after a push stopped waiting for its answer. Delete it in Mailchimp "
        "(Catalyst never deletes campaigns)"
    )


def refuse_if_untouchable(campaign: Campaign, title: str) -> None:
    """Refuse a campaign that has gone out, or has a status Catalyst does not update."""
    if campaign.status in GONE_OUT:
        raise MailchimpError(
            f"{title!r} (id {campaign.id}) has gone out (status {campaign.status}); "
            "Catalyst does not touch a campaign once it is sending or sent"
        )
    if campaign.status not in (*EDITABLE, "schedule"):
        raise MailchimpError(
            f"{title!r} (id {campaign.id}) has status {campaign.status!r}; Catalyst only "
            "updates saved, paused or scheduled campaigns"
        )


def all_campaigns(api: Api) -> list[Campaign]:
    # search-campaigns is fuzzy; the list with a few fields is exact and cheap.
    found: list[Campaign] = []
    offset = 0
    while True:
        page = api.send(list_campaigns(offset)) or {}
        campaigns = page.get("campaigns") or []
        found += [Campaign.from_api(c) for c in campaigns]
        offset += len(campaigns)
        if not campaigns or offset >= (page.get("total_items") or 0):
            return found


def content_hash(html: str, text: str) -> str:
    return hashlib.sha256(json.dumps([html, text]).encode()).hexdigest()


def replaced(campaign: Campaign, **changes: Any) -> Campaign:
    return Campaign(**{**asdict(campaign), **changes})


def item_text(item: Mapping) -> str:
    text = item.get("heading") or ""
    if item.get("details"):
        text += f": {item['details']}"
    return f"{item.get('type', 'item')}: {text}"


def when_text(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "(no time)"


def quarter_hour(moment: dt.datetime) -> dt.datetime:
    """The first quarter hour (UTC) at or after `moment`: Mailchimp schedules on those only."""
    utc = moment.astimezone(dt.UTC)
    floor = utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)
    return floor if floor == utc else floor + dt.timedelta(minutes=15)
