"""How Catalyst talks to Mailchimp's Marketing API, and nothing about what it says.

This module owns the API key (read from MAILCHIMP_API_KEY, its data centre from the `-usN`
suffix, never shown), every request Catalyst makes (method, path, query and body, and how the
official `mailchimp_marketing` client makes it), and the two ways of making them: `Mailchimp`,
the live API with a timeout on every call, retries with backoff and jitter on 429, 5xx and lost
connections, and errors in Mailchimp's own words; and `Outbox`, the dry run that writes each
request to `build/outbox/YYYY-MM/` instead. What to request, and when, is
`catalyst.mailchimp`'s business.

The key never leaves this module, whatever Mailchimp (or a proxy in front of it) answers: one
function, `scrub`, takes out every form of every key parsed in this process (as is, as the
base64 of basic auth, its 32 hexadecimal characters in either case). It is applied where text
comes in (every answer and every error from the API, before anything reads it) and where text
goes out (every `MailchimpError` scrubs its own message when it is made, every retry notice,
every outbox file, the URL shown). Answers are also checked against the shape the API documents
before anything reads them, so a proxy's page or a mangled answer is a clean error naming the
request.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from catalyst.errors import CatalystError
from catalyst.files import replace_tree, staging

API_KEY_VARIABLE = "MAILCHIMP_API_KEY"
API_URL_VARIABLE = "MAILCHIMP_API_URL"
REDACTED = "<redacted>"
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


# ------------------------------------------------------------------ the key, scrubbed everywhere

# The 32 hexadecimal characters of every key parsed in this process, in lower case, and a
# pattern that finds any eight of them in a row (32 of a key's 128 bits: as much as a message
# may keep of it).
_SECRETS: list[str] = []
_SECRETS_LOCK = threading.Lock()
_WINDOW = 8
_PIECES: re.Pattern[str] | None = None
_HEX_RUN = re.compile(rf"[0-9A-Fa-f]{{{_WINDOW},}}")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{12,}={0,2}")


def _register(secret: str) -> None:
    global _PIECES
    hex_part = secret.split("-")[0].lower()
    with _SECRETS_LOCK:
        if hex_part not in _SECRETS:
            _SECRETS.append(hex_part)
            pieces = {s[i : i + _WINDOW] for s in _SECRETS for i in range(len(s) - _WINDOW + 1)}
            _PIECES = re.compile("|".join(sorted(pieces)), re.IGNORECASE)


def _holds_a_key(text: str) -> bool:
    """Whether `text` holds any eight characters in a row of a key's hexadecimal part."""
    return _PIECES is not None and _PIECES.search(text) is not None


def _encodes_a_key(run: str) -> bool:
    """Whether a run of base64 characters (standard or URL-safe, at any alignment, whole or
    cut short) encodes part of a key: an `Authorization: Basic` header, quoted back."""
    run = run.rstrip("=").replace("-", "+").replace("_", "/")
    for start in range(4):
        chunk = run[start:]
        chunk = chunk[: len(chunk) // 4 * 4]
        try:
            decoded = base64.b64decode(chunk).decode("latin-1")
        except ValueError:
            continue
        if _holds_a_key(decoded):
            return True
    return False


def scrub(text: object) -> str:
    """`text` with every form of every API key parsed in this process replaced by REDACTED:
    as is, its hexadecimal part in either case, inside base64, or any eight characters of
    these in a row (a quote cut short)."""
    text = str(text)
    if _PIECES is None:
        return text
    text = _HEX_RUN.sub(lambda m: REDACTED if _holds_a_key(m[0]) else m[0], text)
    return _BASE64_RUN.sub(lambda m: REDACTED if _encodes_a_key(m[0]) else m[0], text)


def _scrubbed(value: Any) -> Any:
    """A JSON answer with the key scrubbed out of every string in it, keys included."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    return value


class MailchimpError(CatalystError):
    """Mailchimp refused or failed a request, or a push would be unsafe; the message says why.

    The message is scrubbed when the error is made: no error can carry the key, whoever
    raises it and whatever it quotes."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(scrub(message))
        self.status = status


class Unconfirmed(MailchimpError):
    """A write whose answer was lost: Mailchimp may or may not have applied it."""


class BadAnswer(MailchimpError):
    """Mailchimp (or something in front of it) answered with what the API does not document."""


_KEY = re.compile(r"[0-9a-fA-F]{32}-(?P<dc>[a-z]{2,4}[0-9]{1,4})")


@dataclass(frozen=True)
class ApiKey:
    """A Mailchimp API key and its data centre; neither its repr nor its str shows the key,
    and once parsed, `scrub` takes it out of any text."""

    secret: str = field(repr=False)
    dc: str

    def __post_init__(self) -> None:
        _register(self.secret)

    @classmethod
    def parse(cls, raw: str) -> ApiKey:
        match = _KEY.fullmatch(raw.strip())
        if match is None:
            # Say what is wrong with its shape, never what it is.
            hint = (
                "it has no data-centre suffix such as -us21"
                if "-" not in raw
                else "a key is 32 hexadecimal characters, a hyphen and the data centre, "
                "as in …-us21"
            )
            raise MailchimpError(
                f"{API_KEY_VARIABLE} is not a Mailchimp API key: {hint} (the value is not shown)"
            )
        return cls(match.group(0), match["dc"])

    def __str__(self) -> str:
        return f"<Mailchimp API key for {self.dc}, {REDACTED}>"

    def scrub(self, text: object) -> str:
        """`text` with the key removed in every form a message could carry it."""
        return scrub(text)


# ------------------------------------------------------------------ the answers we read


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


# ------------------------------------------------------------------ the requests we make


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


# ------------------------------------------------------------------ talking to Mailchimp


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for an answer, and how to retry when there is none or a 429/5xx."""

    attempts: int = 5
    timeout: float = 30.0  # seconds, for every request
    base: float = 1.0  # the first backoff; it doubles with each attempt
    cap: float = 30.0
    # A Retry-After longer than this is reported, not waited for.
    max_wait: float = 120.0
    # After a write whose answer was lost and that Mailchimp does not show yet: how long to
    # keep looking (it may still be applying it) before the write is made again.
    settle: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[float, float], float] = random.uniform

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter (so many clients do not retry in step), never sooner than Retry-After."""
        backoff = self.jitter(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))
        return max(backoff, retry_after or 0.0)


class _Transient(Exception):
    """No usable answer, but one may come if we ask again: 429, 5xx, timeout, lost connection."""

    def __init__(self, reason: str, *, retry_after: float | None = None, unapplied: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        # True when Mailchimp certainly did not act on the request (a 429, a refused connection).
        self.unapplied = unapplied


def _official_client(key: ApiKey, base_url: str | None, timeout: float):
    """The official client, set for this key, base URL and timeout."""
    import mailchimp_marketing
    from mailchimp_marketing.api_client import ApiClient

    class ObservedApiClient(ApiClient):
        """The client's own request code, keeping the last response: ApiClientError drops
        the headers, and Retry-After is one of them."""

        last_response = None

        def request(self, *args, **kwargs):
            self.last_response = None
            self.last_response = super().request(*args, **kwargs)
            return self.last_response

    # One `set_config` holds everything: a later call without the key would erase it.
    # The client writes the data centre into its host by replacing the word "server"; an
    # empty server leaves an overriding base URL (MAILCHIMP_API_URL) as given.
    config = {"api_key": key.secret, "server": "" if base_url else key.dc, "timeout": timeout}
    client = mailchimp_marketing.Client(config)
    observed = ObservedApiClient(config)
    if base_url:
        observed.host = base_url
    for api in vars(client).values():
        if getattr(api, "api_client", None) is client.api_client:
            api.api_client = observed
    client.api_client = observed
    return client


class Mailchimp:
    """The live API: the official client with a timeout on every call, retries with backoff
    and jitter, and errors in Mailchimp's words; answers are scrubbed and checked before they
    are handed back."""

    dry_run = False

    def __init__(
        self,
        key: ApiKey,
        *,
        base_url: str | None = None,
        policy: RetryPolicy | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.key = key
        host = (base_url or f"https://{key.dc}.api.mailchimp.com/3.0").rstrip("/")
        # What is shown and written: never a key, nor a user and password in the URL.
        self.base_url = _shown_url(host)
        self.policy = policy or RetryPolicy()
        self._on_retry = on_retry or (lambda message: None)
        self.calls: list[Request] = []
        self._client = _official_client(key, base_url and host, self.policy.timeout)

    def __repr__(self) -> str:
        return f"Mailchimp({self.base_url!r})"

    def on_retry(self, message: str) -> None:
        self._on_retry(scrub(message))

    def send(self, request: Request) -> Any:
        """Make `request`, retrying what can safely be retried; the answer's JSON, or None."""
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return self._once(request)
            except _Transient as failure:
                if not (request.idempotent or failure.unapplied):
                    # Repeating a write that may have been applied could duplicate it: look.
                    if request.confirm is None:
                        raise Unconfirmed(
                            f"{request}: {failure.reason}, so Mailchimp may or may not have "
                            "done it; check in Mailchimp before trying again"
                        ) from None
                    answer = self._look_for(request, failure.reason)
                    if answer is not None:
                        return answer
                if attempt == self.policy.attempts:
                    raise MailchimpError(
                        f"{request}: {failure.reason}; gave up after {attempt} attempts. "
                        "Push again later: it picks up where it stopped"
                    ) from None
                wait = self.policy.delay(attempt, failure.retry_after)
                if wait > self.policy.max_wait:
                    raise MailchimpError(
                        f"{request}: {failure.reason}; Mailchimp asks to wait {wait:.0f} s. "
                        "Push again later"
                    ) from None
                self.on_retry(f"{request}: {failure.reason}; retrying in {wait:.1f} s")
                self.policy.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _look_for(self, request: Request, reason: str) -> Any:
        """After a write whose answer was lost: what it did, if Mailchimp shows it now or
        within `policy.settle` seconds (a slow Mailchimp may apply it after we gave up
        waiting); None if it never shows, and the write may be made again."""
        waited, attempt = 0.0, 1
        while True:
            answer = request.confirm()
            if answer is not None or waited >= self.policy.settle:
                return answer
            wait = min(
                self.policy.base * 2 ** (attempt - 1), self.policy.cap, self.policy.settle - waited
            )
            self.on_retry(
                f"{request}: {reason}, and Mailchimp does not show it done yet; "
                f"looking again in {wait:.1f} s"
            )
            self.policy.sleep(wait)
            waited += wait
            attempt += 1

    def _once(self, request: Request) -> Any:
        import requests
        from mailchimp_marketing.api_client import ApiClientError

        self.calls.append(request)
        try:
            answer = request.invoke(self._client)
        except ApiClientError as error:
            raise self._failure(request, error.status_code, error.text) from None
        status = 200
        # A reply the client could not read as JSON (an empty body, a 204, invalid JSON)
        # comes back as the raw response, whatever its status.
        if isinstance(answer, requests.Response):
            if not answer.ok:
                raise self._failure(request, answer.status_code, answer.text)
            status = answer.status_code
            if not answer.text.strip():
                if request.answer is not None:
                    raise BadAnswer(f"{request}: Mailchimp answered {status} with no content")
                return None
            answer = answer.text
        if isinstance(answer, str):  # not JSON, or JSON sent as something else
            try:
                answer = json.loads(answer)
            except ValueError:
                raise BadAnswer(
                    f"{request}: Mailchimp answered {status} with something that is not JSON: "
                    f"{_excerpt(answer)}"
                ) from None
        return _checked(request, status, _scrubbed(answer))

    def _failure(self, request: Request, status: int | None, text: Any) -> Exception:
        import requests

        if status is None:  # the client wraps a network error, with no status
            if isinstance(text, requests.exceptions.Timeout):
                reason = f"no answer within {self.policy.timeout:g} s"
            else:
                reason = f"the connection failed ({scrub(_first_line(text))})"
            return _Transient(reason, unapplied=_never_connected(text))
        problem = _scrubbed(_problem(text))
        title = _one_line(problem.get("title")) or _phrase(status)
        if status == 429 or status >= 500:
            return _Transient(
                scrub(f"{status} {title}"),
                retry_after=self._retry_after(),
                unapplied=status == 429,
            )
        return MailchimpError(_refusal(request, status, title, problem), status=status)

    def _retry_after(self) -> float | None:
        response = self._client.api_client.last_response
        value = response.headers.get("Retry-After") if response is not None else None
        if not value:
            return None
        if value.strip().isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _shown_url(url: str) -> str:
    parts = urlsplit(url)
    if "@" in parts.netloc:
        url = parts._replace(netloc=f"{REDACTED}@{parts.netloc.rpartition('@')[2]}").geturl()
    return scrub(url)


def _excerpt(text: object, limit: int = 80) -> str:
    """A short, one-line, scrubbed quote of what came back."""
    flat = " ".join(scrub(text).split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


def said(error: Mapping[str, Any]) -> str:
    """A pydantic validation error's message, to follow a colon."""
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: `a list`, `null`..."""
    return {
        dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"
    }.get(type(value), "a number")


def _checked(request: Request, status: int, answer: Any) -> Any:
    """The answer, if it has the shape the API documents for `request`; else a BadAnswer."""
    if request.answer is None:
        return answer if isinstance(answer, dict) else None
    if not isinstance(answer, dict):
        raise BadAnswer(
            f"{request}: Mailchimp answered {status} with {json_kind(answer)} where the API "
            f"documents an object: {_excerpt(json.dumps(answer))}"
        )
    try:
        request.answer.model_validate(answer)
    except ValidationError as invalid:
        errors = invalid.errors()
        shown = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(answer)'}: {said(error)}"
            for error in errors[:3]
        )
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise BadAnswer(
            f"{request}: Mailchimp's answer is not what the API documents: {shown}{more}"
        ) from None
    return answer


def _never_connected(error: object) -> bool:
    """Whether a network error happened before any byte reached Mailchimp (refused, unknown
    host, connect timeout): then even a write is safe to repeat."""
    import requests
    import urllib3

    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    cause = error.args[0] if isinstance(error, Exception) and error.args else None
    return isinstance(getattr(cause, "reason", None), urllib3.exceptions.NewConnectionError)


def _first_line(value: object) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else type(value).__name__


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300] if value else ""


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _problem(text: Any) -> dict:
    """Mailchimp's problem+json (the client hands it over as a string), or what we can use."""
    if isinstance(text, dict):
        return text
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return {"detail": _first_line(text)[:200]} if text else {}
    return data if isinstance(data, dict) else {}


def _refusal(request: Request, status: int, title: str, problem: dict) -> str:
    detail = _one_line(problem.get("detail"))
    lines = [f"Mailchimp refused {request}: {status} {title}" + (f": {detail}" if detail else "")]
    errors = problem.get("errors")
    for error in errors[:20] if isinstance(errors, list) else []:
        if isinstance(error, dict):
            field_name = _one_line(error.get("field")) or "(request)"
            lines.append(f"  {field_name}: {_one_line(error.get('message'))}")
    if status in (401, 403):
        lines.append(f"  Check {API_KEY_VARIABLE} (the key is not shown).")
    return "\n".join(lines)


def connect(
    environ: Mapping[str, str] = os.environ,
    *,
    policy: RetryPolicy | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> Mailchimp | None:
    """The live API for the key in MAILCHIMP_API_KEY (and MAILCHIMP_API_URL), or None."""
    raw = (environ.get(API_KEY_VARIABLE) or "").strip()
    if not raw:
        return None
    key = ApiKey.parse(raw)
    base_url = (environ.get(API_URL_VARIABLE) or "").strip() or None
    if base_url and not re.match(r"https?://[^/\s]+", base_url):
        raise MailchimpError(
            f"{API_URL_VARIABLE} is not an http(s):// URL: {_shown_url(base_url)!r}"
        )
    return Mailchimp(key, base_url=base_url, policy=policy, on_retry=on_retry)


class Outbox:
    """A dry run: every request is recorded in `folder` (one JSON file each, in order) and only
    reads reach Mailchimp, and only when there is a live API to read from."""

    dry_run = True

    def __init__(self, folder: Path, live: Mailchimp | None = None) -> None:
        self.folder = folder
        self.live = live
        self.recorded: list[tuple[Request, bool]] = []

    @property
    def calls(self) -> list[Request]:
        return self.live.calls if self.live else []

    def send(self, request: Request) -> Any:
        performed = self.live is not None and not request.writes and PENDING_ID not in request.path
        self.recorded.append((request, performed))
        return self.live.send(request) if performed else request.assume

    def write(self) -> Path:
        """Replace the folder with this run's requests, whole: never a mix of two runs."""
        base = self.live.base_url if self.live else "https://<dc>.api.mailchimp.com/3.0"
        with staging(self.folder) as staged:
            for number, (request, performed) in enumerate(self.recorded, 1):
                slug = re.sub(r"[^a-z0-9]+", "-", request.path.lower()).strip("-")
                query = request.query_string()
                record = {
                    "method": request.method,
                    "path": request.path,
                    "url": base + request.path + (f"?{urlencode(query)}" if query else ""),
                    "query": query,
                    "headers": {
                        "Authorization": f"Basic {REDACTED} (user and {API_KEY_VARIABLE})",
                        "Content-Type": "application/json",
                    },
                    "body": request.body,
                    "sent": performed,
                }
                text = scrub(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
                (staged / f"{number:02d}-{request.method}-{slug}.json").write_text(
                    text, encoding="utf-8"
                )
            replace_tree(staged, self.folder)
        return self.folder


Api = Mailchimp | Outbox
