"""The shapes of Mailchimp's answers that Catalyst reads, as the API documents them.

Only the parts Catalyst reads are declared; the rest of an answer is let be. They are strict:
a number where a string belongs is an error, not a guess.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class Answer(BaseModel):
    """An answer's parts that Catalyst reads; every other part is allowed and ignored."""

    model_config = ConfigDict(extra="allow", strict=True)


Count = int | None


Rate = float | int | None


Text = str | None


def _iso_or_empty(value: str | None) -> str | None:
    if value:
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not a date and time") from None
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("empty")
    return value


class CampaignAnswer(Answer):
    id: str
    web_id: Count = None
    status: str
    create_time: Text = None
    send_time: Text = None
    settings: dict[str, Any] = {}
    recipients: dict[str, Any] = {}

    _times = field_validator("create_time", "send_time")(_iso_or_empty)
    _id = field_validator("id")(_not_blank)


class CampaignPage(Answer):
    campaigns: list[CampaignAnswer]
    total_items: int


class _Stats(Answer):
    member_count: Count = None


class ListAnswer(Answer):
    name: Text = None
    stats: _Stats | None = None


class _Segment(Answer):
    id: int | str
    name: str


class SegmentPage(Answer):
    segments: list[_Segment]
    total_items: Count = None


class ContentAnswer(Answer):
    html: Text = None
    plain_text: Text = None


class _ChecklistItem(Answer):
    type: str
    heading: Text = None
    details: Text = None


class ChecklistAnswer(Answer):
    is_ready: bool
    items: list[_ChecklistItem] = []


class _Rates(Answer):
    """A report's opens or clicks (one shape for both, as Catalyst reads them)."""

    unique_opens: Count = None
    open_rate: Rate = None
    unique_subscriber_clicks: Count = None
    click_rate: Rate = None


class ReportAnswer(Answer):
    emails_sent: Count = None
    unsubscribed: Count = None
    send_time: Text = None
    opens: _Rates | None = None
    clicks: _Rates | None = None


class _Link(Answer):
    url: str
    total_clicks: Count = None
    unique_clicks: Count = None


class ClickAnswer(Answer):
    urls_clicked: list[_Link] = []
