"""How Catalyst talks to Mailchimp's Marketing API, and nothing about what it says.

This module owns the API key (read from MAILCHIMP_API_KEY, its data centre from the `-usN`
suffix, never shown), every request Catalyst makes (method, path, query and body, and how the
official `mailchimp_marketing` client makes it), and the two ways of making them: `Mailchimp`,
the live API with a timeout on every call, retries with backoff and jitter on 429, 5xx and lost
connections, and errors in Mailchimp's own words with the key scrubbed out; and `Outbox`, the
dry run that writes each request to `build/outbox/YYYY-MM/` instead. What to request, and when,
is `catalyst.mailchimp`'s business.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .errors import CatalystError
from .modes import follow_umask

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


# ------------------------------------------------------------------ errors and the API key


class MailchimpError(CatalystError):
    """Mailchimp refused or failed a request, or a push would be unsafe; the message says why."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unconfirmed(MailchimpError):
    """A write whose answer was lost: Mailchimp may or may not have applied it."""


_KEY = re.compile(r"[0-9a-fA-F]{32}-(?P<dc>[a-z]{2,4}[0-9]{1,4})")


@dataclass(frozen=True)
class ApiKey:
    """A Mailchimp API key and its data centre; neither its repr nor its str shows the key."""

    secret: str = field(repr=False)
    dc: str

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
        text = str(text)
        basic = base64.b64encode(f"user:{self.secret}".encode()).decode()
        for form in (self.secret, basic, self.secret.split("-")[0]):
            text = text.replace(form, REDACTED)
        return text


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
    )


def get_campaign(campaign_id: str) -> Request:
    fields = list(CAMPAIGN_FIELDS)
    return Request(
        "GET",
        f"/campaigns/{campaign_id}",
        {"fields": fields},
        invoke=lambda c: c.campaigns.get(campaign_id, fields=fields),
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
    )


def create_campaign(body: dict, confirm: Callable[[], Any]) -> Request:
    return Request(
        "POST",
        "/campaigns",
        body=body,
        invoke=lambda c: c.campaigns.create(body),
        assume={"id": PENDING_ID, "web_id": None, "status": "save", **body},
        confirm=confirm,
    )


def update_campaign(campaign_id: str, body: dict) -> Request:
    return Request(
        "PATCH",
        f"/campaigns/{campaign_id}",
        body=body,
        invoke=lambda c: c.campaigns.update(campaign_id, body),
        assume={"id": campaign_id, "status": "save", **body},
    )


def get_content(campaign_id: str) -> Request:
    fields = ["html", "plain_text"]
    return Request(
        "GET",
        f"/campaigns/{campaign_id}/content",
        {"fields": fields},
        invoke=lambda c: c.campaigns.get_content(campaign_id, fields=fields),
        assume={},
    )


def set_content(campaign_id: str, body: dict) -> Request:
    return Request(
        "PUT",
        f"/campaigns/{campaign_id}/content",
        body=body,
        invoke=lambda c: c.campaigns.set_content(campaign_id, body),
        assume=body,
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
    and jitter, and errors in Mailchimp's words with the key scrubbed out."""

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
        self.base_url = (base_url or f"https://{key.dc}.api.mailchimp.com/3.0").rstrip("/")
        self.policy = policy or RetryPolicy()
        self.on_retry = on_retry or (lambda message: None)
        self.calls: list[Request] = []
        self._client = _official_client(key, base_url and self.base_url, self.policy.timeout)

    def __repr__(self) -> str:
        return f"Mailchimp({self.base_url!r})"

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
                    answer = request.confirm()
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

    def _once(self, request: Request) -> Any:
        import requests
        from mailchimp_marketing.api_client import ApiClientError

        self.calls.append(request)
        try:
            answer = request.invoke(self._client)
        except ApiClientError as error:
            raise self._failure(request, error.status_code, error.text) from None
        # A reply with an empty body comes back as the raw response, whatever its status.
        if isinstance(answer, requests.Response):
            if answer.ok:
                return None
            raise self._failure(request, answer.status_code, answer.text)
        if not isinstance(answer, dict):
            raise MailchimpError(
                f"{request}: the answer is not JSON: {self.key.scrub(answer)[:200]!r}"
            )
        return answer

    def _failure(self, request: Request, status: int | None, text: Any) -> Exception:
        import requests

        if status is None:  # the client wraps a network error, with no status
            if isinstance(text, requests.exceptions.Timeout):
                reason = f"no answer within {self.policy.timeout:g} s"
            else:
                reason = f"the connection failed ({self.key.scrub(_first_line(text))})"
            return _Transient(reason, unapplied=_never_connected(text))
        problem = _problem(text)
        title = problem.get("title") or _phrase(status)
        if status == 429 or status >= 500:
            return _Transient(
                f"{status} {title}",
                retry_after=self._retry_after(),
                unapplied=status == 429,
            )
        return MailchimpError(
            self.key.scrub(_refusal(request, status, title, problem)), status=status
        )

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
    detail = (problem.get("detail") or "").strip()
    lines = [f"Mailchimp refused {request}: {status} {title}" + (f": {detail}" if detail else "")]
    for error in problem.get("errors") or []:
        if isinstance(error, dict):
            lines.append(f"  {error.get('field') or '(request)'}: {error.get('message', '')}")
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
        raise MailchimpError(f"{API_URL_VARIABLE} is not an http(s):// URL: {base_url!r}")
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
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}-", dir=self.folder.parent))
        try:
            follow_umask(staging, folder=True)
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
                text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
                if self.live:
                    text = self.live.key.scrub(text)
                (staging / f"{number:02d}-{request.method}-{slug}.json").write_text(
                    text, encoding="utf-8"
                )
            previous = None
            if self.folder.exists():
                previous = self.folder.with_name(f".{self.folder.name}-old-{os.getpid()}")
                os.replace(self.folder, previous)
            os.replace(staging, self.folder)
            if previous:
                shutil.rmtree(previous, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return self.folder


Api = Mailchimp | Outbox
