"""Every request Catalyst makes of Mailchimp, each endpoint declared once as a `Request`
(method, path, query, body, what a dry run assumes it answers), and the answers' models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# Where a dry run puts the id of a campaign it did not create (a path template, as in the docs).
PENDING_ID = "{campaign_id}"


# The parts of a campaign the push reads.
CAMPAIGN_FIELDS = (
    "id",
    "web_id",
    "status",
    "create_time",
    "send_time",
    "emails_sent",
    "settings.title",
    "settings.subject_line",
    "settings.preview_text",
    "settings.from_name",
    "settings.reply_to",
    "recipients.list_id",
    "recipients.segment_opts",
)


class _Answer(BaseModel):
    """An answer's parts that Catalyst reads, as the API documents them; the rest is let be.
    Strict: a number where a string belongs is an error, not a guess."""

    model_config = ConfigDict(extra="allow", strict=True)


def _iso_or_empty(value: str | None) -> str | None:
    if value:
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not a date and time") from None
    return value


class CampaignAnswer(_Answer):
    id: str
    web_id: int | None = None
    status: str
    create_time: str | None = None
    send_time: str | None = None
    settings: dict[str, Any] = {}
    recipients: dict[str, Any] = {}

    _times = field_validator("create_time", "send_time")(_iso_or_empty)

    @field_validator("id")
    @classmethod
    def _some_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty")
        return value


class CampaignPage(_Answer):
    campaigns: list[CampaignAnswer]
    total_items: int


class _Stats(_Answer):
    member_count: int | None = None


class ListAnswer(_Answer):
    name: str | None = None
    stats: _Stats | None = None


class _Segment(_Answer):
    id: int | str
    name: str


class SegmentPage(_Answer):
    segments: list[_Segment]
    total_items: int | None = None


class ContentAnswer(_Answer):
    html: str | None = None
    plain_text: str | None = None


class _ChecklistItem(_Answer):
    type: str
    heading: str | None = None
    details: str | None = None


class ChecklistAnswer(_Answer):
    is_ready: bool
    items: list[_ChecklistItem] = []


class _Rate(_Answer):
    unique_opens: int | None = None
    open_rate: float | int | None = None
    unique_subscriber_clicks: int | None = None
    click_rate: float | int | None = None


class ReportAnswer(_Answer):
    emails_sent: int | None = None
    unsubscribed: int | None = None
    send_time: str | None = None
    opens: _Rate | None = None
    clicks: _Rate | None = None


class _Link(_Answer):
    url: str
    total_clicks: int | None = None
    unique_clicks: int | None = None


class ClickAnswer(_Answer):
    urls_clicked: list[_Link] = []


@dataclass(frozen=True)
class Request:
    """One call to the API: what the outbox records, and how the official client makes it."""

    method: str
    path: str
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    invoke: Callable[[Any], Any] | None = field(default=None, repr=False, compare=False)
    # What a dry run takes the answer to be when it does not send the request.
    assume: Any = field(default=None, repr=False, compare=False)
    # After a write whose answer was lost: the answer if Mailchimp applied it, else None
    # (then it is safe to repeat). It may raise to stop a repeat that must not happen.
    confirm: Callable[[], Any] | None = field(default=None, repr=False, compare=False)
    # The shape of the answer, as the API documents it; None: no answer is read.
    answer: type[_Answer] | None = field(default=None, repr=False, compare=False)

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def idempotent(self) -> bool:
        """Repeating it leaves Mailchimp as one call would (POST actions and create do not)."""
        return self.method in ("GET", "PUT", "PATCH", "DELETE")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def query_string(self) -> dict[str, str]:
        """The query as the client sends it: lists joined with commas."""
        return {
            name: ",".join(value) if isinstance(value, list | tuple) else str(value)
            for name, value in self.query.items()
        }


def _fields(prefix: str, names) -> list[str]:
    return [f"{prefix}{name}" for name in names]


def get_list(list_id: str) -> Request:
    fields = ["id", "name", "stats.member_count"]
    return Request(
        "GET",
        f"/lists/{list_id}",
        {"fields": fields},
        invoke=lambda c: c.lists.get_list(list_id, fields=fields),
        assume={"id": list_id},
        answer=ListAnswer,
    )


def list_tags(list_id: str) -> Request:
    # Tags are static segments; an audience has few, so one page of 1000 holds them all.
    fields = ["segments.id", "segments.name", "total_items"]
    query = {"fields": fields, "count": 1000, "type": "static"}
    return Request(
        "GET",
        f"/lists/{list_id}/segments",
        query,
        invoke=lambda c: c.lists.list_segments(list_id, **query),
        assume={"segments": [], "total_items": 0},
        answer=SegmentPage,
    )


def get_campaign(campaign_id: str) -> Request:
    fields = list(CAMPAIGN_FIELDS)
    return Request(
        "GET",
        f"/campaigns/{campaign_id}",
        {"fields": fields},
        invoke=lambda c: c.campaigns.get(campaign_id, fields=fields),
        answer=CampaignAnswer,
    )


def list_campaigns(offset: int, count: int = 1000) -> Request:
    query = {
        "fields": [*_fields("campaigns.", CAMPAIGN_FIELDS), "total_items"],
        "count": count,
        "offset": offset,
        "type": "regular",
        # Oldest first, so a campaign created while we page lands on a later page.
        "sort_field": "create_time",
        "sort_dir": "ASC",
    }
    return Request(
        "GET",
        "/campaigns",
        query,
        invoke=lambda c: c.campaigns.list(**query),
        assume={"campaigns": [], "total_items": 0},
        answer=CampaignPage,
    )


def create_campaign(body: dict, confirm: Callable[[], Any]) -> Request:
    return Request(
        "POST",
        "/campaigns",
        body=body,
        invoke=lambda c: c.campaigns.create(body),
        assume={"id": PENDING_ID, "web_id": None, "status": "save", **body},
        confirm=confirm,
        answer=CampaignAnswer,
    )


def update_campaign(campaign_id: str, body: dict) -> Request:
    return Request(
        "PATCH",
        f"/campaigns/{campaign_id}",
        body=body,
        invoke=lambda c: c.campaigns.update(campaign_id, body),
        assume={"id": campaign_id, "status": "save", **body},
        answer=CampaignAnswer,
    )


def get_content(campaign_id: str) -> Request:
    fields = ["html", "plain_text"]
    return Request(
        "GET",
        f"/campaigns/{campaign_id}/content",
        {"fields": fields},
        invoke=lambda c: c.campaigns.get_content(campaign_id, fields=fields),
        assume={},
        answer=ContentAnswer,
    )


def set_content(campaign_id: str, body: dict) -> Request:
    return Request(
        "PUT",
        f"/campaigns/{campaign_id}/content",
        body=body,
        invoke=lambda c: c.campaigns.set_content(campaign_id, body),
        assume=body,
        answer=ContentAnswer,
    )


def get_checklist(campaign_id: str) -> Request:
    return Request(
        "GET",
        f"/campaigns/{campaign_id}/send-checklist",
        invoke=lambda c: c.campaigns.get_send_checklist(campaign_id),
        assume={
            "is_ready": True,
            "items": [
                {
                    "type": "warning",
                    "id": 0,
                    "heading": "Not checked",
                    "details": "a dry run does not read Mailchimp's send checklist",
                }
            ],
        },
        answer=ChecklistAnswer,
    )


def send_test(campaign_id: str, emails: list[str]) -> Request:
    body = {"test_emails": emails, "send_type": "html"}
    return Request(
        "POST",
        f"/campaigns/{campaign_id}/actions/test",
        body=body,
        invoke=lambda c: c.campaigns.send_test_email(campaign_id, body),
    )


def schedule(campaign_id: str, when: dt.datetime, confirm: Callable[[], Any]) -> Request:
    body = {"schedule_time": when.astimezone(dt.UTC).isoformat()}
    return Request(
        "POST",
        f"/campaigns/{campaign_id}/actions/schedule",
        body=body,
        invoke=lambda c: c.campaigns.schedule(campaign_id, body),
        confirm=confirm,
    )


def unschedule(campaign_id: str, confirm: Callable[[], Any]) -> Request:
    return Request(
        "POST",
        f"/campaigns/{campaign_id}/actions/unschedule",
        invoke=lambda c: c.campaigns.unschedule(campaign_id),
        confirm=confirm,
    )


def send(campaign_id: str, confirm: Callable[[], Any]) -> Request:
    return Request(
        "POST",
        f"/campaigns/{campaign_id}/actions/send",
        invoke=lambda c: c.campaigns.send(campaign_id),
        confirm=confirm,
    )


def get_report(campaign_id: str) -> Request:
    fields = [
        "id",
        "campaign_title",
        "emails_sent",
        "unsubscribed",
        "send_time",
        "opens.unique_opens",
        "opens.open_rate",
        "clicks.unique_subscriber_clicks",
        "clicks.click_rate",
    ]
    return Request(
        "GET",
        f"/reports/{campaign_id}",
        {"fields": fields},
        invoke=lambda c: c.reports.get_campaign_report(campaign_id, fields=fields),
        answer=ReportAnswer,
    )


def get_click_details(campaign_id: str) -> Request:
    # The 3.0.80 client cannot ask for a sort order: take every link (a newsletter has tens)
    # and sort them here.
    query = {
        "fields": ["urls_clicked.url", "urls_clicked.total_clicks", "urls_clicked.unique_clicks"],
        "count": 1000,
    }
    return Request(
        "GET",
        f"/reports/{campaign_id}/click-details",
        query,
        invoke=lambda c: c.reports.get_campaign_click_details(campaign_id, **query),
        answer=ClickAnswer,
    )
