"""Every request Catalyst makes of Mailchimp: the one table of endpoints (`ENDPOINTS`: method,
path template, the official client's call, the answer's shape) and the requests built on it.

The live API (`api.py`) makes a request through its endpoint's client call; the dry run
(`outbox.py`) writes its method and path; the fake Mailchimp's fidelity test checks each entry
against the vendored API description and against the official client's own code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from catalyst.mailchimp.answers import (
    Answer,
    CampaignAnswer,
    CampaignPage,
    ChecklistAnswer,
    ClickAnswer,
    ContentAnswer,
    ListAnswer,
    ReportAnswer,
    SegmentPage,
)

# Where a dry run puts the id of a campaign it did not create (a path template, as in the docs).
PENDING_ID = "{campaign_id}"


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API, declared once: its method and path template (as Mailchimp's
    documentation and the official client spell them), the client's call (`api.method`) and
    the shape of its answer (None: no answer is read)."""

    method: str
    path: str
    call: str
    answer: type[Answer] | None = None

    @property
    def parameters(self) -> list[str]:
        """The path's parameters, in order: the client's call takes them first, so."""
        return re.findall(r"\{(\w+)\}", self.path)

    def invoke(self, client: Any, request: Request) -> Any:
        """Make `request` with the official client: path parameters, body, then the query."""
        api, method = self.call.split(".")
        arguments = [request.params[name] for name in self.parameters]
        if request.body is not None:
            arguments.append(request.body)
        return getattr(getattr(client, api), method)(*arguments, **request.query)


CAMPAIGN = "/campaigns/{campaign_id}"


ENDPOINTS: dict[str, Endpoint] = {
    "get_list": Endpoint("GET", "/lists/{list_id}", "lists.get_list", ListAnswer),
    "list_tags": Endpoint("GET", "/lists/{list_id}/segments", "lists.list_segments", SegmentPage),
    "get_campaign": Endpoint("GET", CAMPAIGN, "campaigns.get", CampaignAnswer),
    "list_campaigns": Endpoint("GET", "/campaigns", "campaigns.list", CampaignPage),
    "create_campaign": Endpoint("POST", "/campaigns", "campaigns.create", CampaignAnswer),
    "update_campaign": Endpoint("PATCH", CAMPAIGN, "campaigns.update", CampaignAnswer),
    "get_content": Endpoint("GET", f"{CAMPAIGN}/content", "campaigns.get_content", ContentAnswer),
    "set_content": Endpoint("PUT", f"{CAMPAIGN}/content", "campaigns.set_content", ContentAnswer),
    "get_checklist": Endpoint(
        "GET", f"{CAMPAIGN}/send-checklist", "campaigns.get_send_checklist", ChecklistAnswer
    ),
    "send_test": Endpoint("POST", f"{CAMPAIGN}/actions/test", "campaigns.send_test_email"),
    "schedule": Endpoint("POST", f"{CAMPAIGN}/actions/schedule", "campaigns.schedule"),
    "unschedule": Endpoint("POST", f"{CAMPAIGN}/actions/unschedule", "campaigns.unschedule"),
    "send": Endpoint("POST", f"{CAMPAIGN}/actions/send", "campaigns.send"),
    "get_report": Endpoint(
        "GET", "/reports/{campaign_id}", "reports.get_campaign_report", ReportAnswer
    ),
    "get_click_details": Endpoint(
        "GET",
        "/reports/{campaign_id}/click-details",
        "reports.get_campaign_click_details",
        ClickAnswer,
    ),
}


@dataclass(frozen=True)
class Request:
    """One call to the API: an endpoint with its path parameters, query and body; what the
    outbox records, and what the live API makes through the official client."""

    endpoint: Endpoint
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    # What a dry run takes the answer to be when it does not send the request.
    assume: Any = field(default=None, repr=False, compare=False)
    # After a write whose answer was lost: the answer if Mailchimp applied it, else None
    # (then it is safe to repeat). It may raise to stop a repeat that must not happen.
    confirm: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    @property
    def method(self) -> str:
        return self.endpoint.method

    @property
    def path(self) -> str:
        return self.endpoint.path.format(**self.params)

    @property
    def answer(self) -> type[Answer] | None:
        """The shape of the answer, as the API documents it; None: no answer is read."""
        return self.endpoint.answer

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def idempotent(self) -> bool:
        """Repeating it leaves Mailchimp as one call would (POST actions and create do not)."""
        return self.method in ("GET", "PUT", "PATCH", "DELETE")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def invoke(self, client: Any) -> Any:
        """Make it with the official client."""
        return self.endpoint.invoke(client, self)

    def query_string(self) -> dict[str, str]:
        """The query as the client sends it: lists joined with commas."""
        return {
            name: ",".join(value) if isinstance(value, list | tuple) else str(value)
            for name, value in self.query.items()
        }


def _request(name: str, **parts: Any) -> Request:
    return Request(ENDPOINTS[name], **parts)


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


def get_list(list_id: str) -> Request:
    query = {"fields": ["id", "name", "stats.member_count"]}
    return _request("get_list", params={"list_id": list_id}, query=query, assume={"id": list_id})


def list_tags(list_id: str) -> Request:
    # Tags are static segments; an audience has few, so one page of 1000 holds them all.
    query = {
        "fields": ["segments.id", "segments.name", "total_items"],
        "count": 1000,
        "type": "static",
    }
    return _request(
        "list_tags",
        params={"list_id": list_id},
        query=query,
        assume={"segments": [], "total_items": 0},
    )


def get_campaign(campaign_id: str) -> Request:
    query = {"fields": list(CAMPAIGN_FIELDS)}
    return _request("get_campaign", params={"campaign_id": campaign_id}, query=query)


def list_campaigns(offset: int, count: int = 1000) -> Request:
    query = {
        "fields": [*(f"campaigns.{name}" for name in CAMPAIGN_FIELDS), "total_items"],
        "count": count,
        "offset": offset,
        "type": "regular",
        # Oldest first, so a campaign created while we page lands on a later page.
        "sort_field": "create_time",
        "sort_dir": "ASC",
    }
    return _request("list_campaigns", query=query, assume={"campaigns": [], "total_items": 0})


def create_campaign(body: dict, confirm: Callable[[], Any]) -> Request:
    assume = {"id": PENDING_ID, "web_id": None, "status": "save", **body}
    return _request("create_campaign", body=body, assume=assume, confirm=confirm)


def update_campaign(campaign_id: str, body: dict) -> Request:
    assume = {"id": campaign_id, "status": "save", **body}
    return _request(
        "update_campaign", params={"campaign_id": campaign_id}, body=body, assume=assume
    )


def get_content(campaign_id: str) -> Request:
    query = {"fields": ["html", "plain_text"]}
    return _request("get_content", params={"campaign_id": campaign_id}, query=query, assume={})


def set_content(campaign_id: str, body: dict) -> Request:
    return _request("set_content", params={"campaign_id": campaign_id}, body=body, assume=body)


# What a dry run takes Mailchimp's send checklist to say: it does not read it.
UNCHECKED = {
    "is_ready": True,
    "items": [
        {
            "type": "warning",
            "id": 0,
            "heading": "Not checked",
            "details": "a dry run does not read Mailchimp's send checklist",
        }
    ],
}


def get_checklist(campaign_id: str) -> Request:
    return _request("get_checklist", params={"campaign_id": campaign_id}, assume=UNCHECKED)


def send_test(campaign_id: str, emails: list[str]) -> Request:
    body = {"test_emails": emails, "send_type": "html"}
    return _request("send_test", params={"campaign_id": campaign_id}, body=body)


def schedule(campaign_id: str, when: dt.datetime, confirm: Callable[[], Any]) -> Request:
    body = {"schedule_time": when.astimezone(dt.UTC).isoformat()}
    return _request("schedule", params={"campaign_id": campaign_id}, body=body, confirm=confirm)


def unschedule(campaign_id: str, confirm: Callable[[], Any]) -> Request:
    return _request("unschedule", params={"campaign_id": campaign_id}, confirm=confirm)


def send(campaign_id: str, confirm: Callable[[], Any]) -> Request:
    return _request("send", params={"campaign_id": campaign_id}, confirm=confirm)


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
    return _request("get_report", params={"campaign_id": campaign_id}, query={"fields": fields})


def get_click_details(campaign_id: str) -> Request:
    # The 3.0.80 client cannot ask for a sort order: take every link (a newsletter has tens)
    # and sort them here.
    query = {
        "fields": ["urls_clicked.url", "urls_clicked.total_clicks", "urls_clicked.unique_clicks"],
        "count": 1000,
    }
    return _request("get_click_details", params={"campaign_id": campaign_id}, query=query)
