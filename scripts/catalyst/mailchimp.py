"""The push to Mailchimp: each issue's one campaign, kept in step with the built email.

This module owns everything Catalyst says to Mailchimp's Marketing API and the rules around
it: finding an issue's campaign (by the id recorded in `build/state/mailchimp.json`, confirmed
against the API, else by its exact title), creating it, updating only what changed, test
sends, scheduling, sending, and reading its report. Requests go through the official
`mailchimp_marketing` client with a timeout on every call, retries with backoff, and errors
that carry Mailchimp's own words but never the API key. Without a key, or with `dry_run`, the
requests are written to `build/outbox/YYYY-MM/` instead of being sent.

It never prints: `push` reports progress through a callback and returns a `PushResult`.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .config import Settings
from .errors import CatalystError
from .model import Issue

API_KEY_VARIABLE = "MAILCHIMP_API_KEY"
API_URL_VARIABLE = "MAILCHIMP_API_URL"
REDACTED = "<redacted>"
# Where a dry run puts the id of a campaign it did not create (a path template, as in the docs).
PENDING_ID = "{campaign_id}"

# Statuses whose content Mailchimp lets us change; `schedule` must be unscheduled first.
EDITABLE = ("save", "paused")
GONE_OUT = ("sending", "sent", "canceling", "canceled")

SETTING_LABELS = {
    "title": "title",
    "subject_line": "subject line",
    "preview_text": "preview text",
    "from_name": "from name",
    "reply_to": "reply-to",
}
CAMPAIGN_FIELDS = (
    "id",
    "web_id",
    "status",
    "send_time",
    "emails_sent",
    *(f"settings.{name}" for name in SETTING_LABELS),
    "recipients.list_id",
    "recipients.segment_opts",
)
PAST = {
    "create": "created",
    "update": "updated",
    "upload": "uploaded",
    "unschedule": "unscheduled",
    "schedule": "scheduled",
    "send": "sent",
}
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


# ------------------------------------------------------------------ errors and the API key


class MailchimpError(CatalystError):
    """Mailchimp refused or failed a request, or a push would be unsafe; the message says why."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unconfirmed(MailchimpError):
    """A write whose answer was lost: Mailchimp may or may not have applied it."""


class NotReady(MailchimpError):
    """Mailchimp's send checklist has errors, so the campaign cannot be scheduled or sent."""


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


# ------------------------------------------------------------------ what earlier pushes recorded


class State:
    """Per issue: the campaign's id and hashes of what was sent and tested. Never a secret.

    It only saves calls: the campaign it names is confirmed against the API, and without it
    the campaign is found by title.
    """

    def __init__(self, path: Path, *, persist: bool = True) -> None:
        self.path = path
        self.persist = persist
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data = data if isinstance(data, dict) else {}

    @classmethod
    def of(cls, settings: Settings, *, persist: bool = True) -> State:
        return cls(settings.build_dir / "state" / "mailchimp.json", persist=persist)

    def get(self, month: str) -> dict:
        return dict(self.data.get("issues", {}).get(month, {}))

    def update(self, month: str, **values: Any) -> None:
        self.data.setdefault("issues", {}).setdefault(month, {}).update(values)
        if self.persist:
            _write_atomically(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------ the campaign


@dataclass(frozen=True)
class Campaign:
    """The parts of a Mailchimp campaign the push looks at."""

    id: str
    web_id: int | None
    status: str
    send_time: dt.datetime | None
    settings: dict
    recipients: dict

    @classmethod
    def from_api(cls, data: Mapping) -> Campaign:
        send_time = data.get("send_time") or None
        return cls(
            id=data["id"],
            web_id=data.get("web_id"),
            status=data.get("status", ""),
            send_time=dt.datetime.fromisoformat(send_time) if send_time else None,
            settings=dict(data.get("settings") or {}),
            recipients=dict(data.get("recipients") or {}),
        )


def campaign_title(settings: Settings, month: str) -> str:
    """The one title an issue's campaign carries, e.g. `Catalyst 2023-06`."""
    return f"{settings.newsletter_name} {month}"


def find_campaign(api: Api, title: str, recorded_id: str | None) -> tuple[Campaign | None, str]:
    """The campaign by its recorded id (if Mailchimp still has it), else by exact title.

    Returns the campaign (or None) and how it was found. Two campaigns with the title is an
    error: which one is the issue's is a person's call.
    """
    if recorded_id:
        try:
            answer = api.send(get_campaign(recorded_id))
        except MailchimpError as error:
            if error.status != 404:
                raise
        else:
            if answer:  # a dry run without a key reads nothing
                return Campaign.from_api(answer), "by its recorded id"
    found = _campaigns_titled(api, title)
    if len(found) > 1:
        ids = ", ".join(f"{c['id']} ({c.get('status')})" for c in found)
        raise MailchimpError(
            f"{len(found)} campaigns are titled {title!r}: {ids}. Keep the issue's one in "
            "Mailchimp (delete or rename the others), then push again"
        )
    return (Campaign.from_api(found[0]), "by its title") if found else (None, "")


def _campaigns_titled(api: Api, title: str) -> list[dict]:
    # search-campaigns is fuzzy; the list with a few fields is exact and cheap.
    found, offset = [], 0
    while True:
        page = api.send(list_campaigns(offset)) or {}
        campaigns = page.get("campaigns") or []
        found += [c for c in campaigns if (c.get("settings") or {}).get("title") == title]
        offset += len(campaigns)
        if not campaigns or offset >= (page.get("total_items") or 0):
            return found


def content_hash(html: str, text: str) -> str:
    return hashlib.sha256(json.dumps([html, text]).encode()).hexdigest()


# ------------------------------------------------------------------ the push


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
    return _Push(issue, html, text, settings, api, options or PushOptions(), on_step, now).run()


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
        if isinstance(self.api, Outbox) and self.api.live is None:
            self.step("without a key nothing is read, so these are the requests of a first push")
        campaign, how = find_campaign(self.api, self.title, self.recorded.get("campaign_id"))
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
                    f"{self.title!r} is scheduled for {_when(when)}, which has passed; "
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
        if isinstance(self.api, Outbox):
            self.result.outbox = self.api.write()
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
        if options.schedule:
            self._send_at()

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
                f"{self.title!r} is scheduled for {_when(campaign.send_time)}; it goes out then. "
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
        elif self.api.dry_run and not getattr(self.api, "live", None):
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

    def _create(self) -> Campaign:
        self._check_audience()
        body = {"type": "regular", "recipients": self._recipients(), "settings": self._settings()}

        def created_meanwhile():
            # The create's answer was lost: did it land? Only a missing campaign is re-created.
            found = _campaigns_titled(self.api, self.title)
            return found[0] if len(found) == 1 else None

        campaign = Campaign.from_api(self.api.send(create_campaign(body, created_meanwhile)))
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
                return _replace(
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
        self.wrote("unscheduled", "unschedule", f"it (it was set for {_when(campaign.send_time)})")
        return _replace(campaign, status="save")

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
            self.step("send checklist: ready" + "".join(f"\n  {_item(i)}" for i in warnings))
            return
        shown = [i for i in items if i.get("type") != "success"] or items
        unscheduled = (
            " It is no longer scheduled (status save)."
            if "unscheduled" in self.result.written
            else ""
        )
        raise NotReady(
            f"{self.title!r} is not ready to {doing}; Mailchimp's send checklist says:\n"
            + "\n".join(f"  {_item(i)}" for i in shown)
            + unscheduled
        )

    def _schedule(self, campaign: Campaign, when: dt.datetime) -> Campaign:
        if when <= self.now():
            raise MailchimpError(
                f"{self.title!r} cannot be scheduled for {_when(when)}: that is in the past"
                + (" (it is now unscheduled)" if "unscheduled" in self.result.written else "")
            )
        self._ready(campaign, "schedule")
        self.api.send(schedule(campaign.id, when, self._status_is(campaign.id, "schedule")))
        self.wrote("scheduled", "schedule", f"it for {_when(when)}")
        return _replace(campaign, status="schedule", send_time=when)

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
        return _replace(campaign, status="sending")

    # -- when to schedule, and when to refuse

    def _wanted_time(self, campaign: Campaign | None) -> dt.datetime | None:
        """When the campaign should be scheduled after this push (None: not at all)."""
        if self.options.schedule:
            when = self._send_at()
            if when != self.issue.send_at:
                self.step(
                    f"send_at {self.issue.send_at.isoformat()} is not on a quarter hour; "
                    f"Mailchimp takes quarter hours, so it goes at {_when(when)}"
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
        what = "has changes to upload" if changes else f"should go out at {_when(when)} instead"
        return (
            f"{self.title!r} is scheduled for {_when(campaign.send_time)} and {what}. "
            "Add --reschedule to unschedule it, update it and schedule it again"
        )


def _replace(campaign: Campaign, **changes: Any) -> Campaign:
    return Campaign(**{**asdict(campaign), **changes})


def _item(item: Mapping) -> str:
    text = item.get("heading") or ""
    if item.get("details"):
        text += f": {item['details']}"
    return f"{item.get('type', 'item')}: {text}"


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "(no time)"


def quarter_hour(moment: dt.datetime) -> dt.datetime:
    """The first quarter hour (UTC) at or after `moment`: Mailchimp schedules on those only."""
    utc = moment.astimezone(dt.UTC)
    floor = utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)
    return floor if floor == utc else floor + dt.timedelta(minutes=15)


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class Link:
    url: str
    clicks: int
    unique_clicks: int


@dataclass(frozen=True)
class Report:
    """How an issue's campaign did, from Mailchimp's report."""

    month: str
    title: str
    campaign_id: str
    send_time: str | None
    sends: int
    opens: int
    open_rate: float
    clicks: int
    click_rate: float
    unsubscribes: int
    top_links: tuple[Link, ...]

    def as_dict(self) -> dict:
        return asdict(self)


def report(month: str, settings: Settings, api: Mailchimp, *, top: int = 5) -> Report:
    """The report of the issue's campaign: sends, unique opens and clicks, unsubscribes, links."""
    title = campaign_title(settings, month)
    recorded = State.of(settings, persist=False).get(month).get("campaign_id")
    campaign, _ = find_campaign(api, title, recorded)
    if campaign is None:
        raise MailchimpError(f"Mailchimp has no campaign titled {title!r}: push it first")
    if campaign.status not in GONE_OUT:
        raise MailchimpError(
            f"{title!r} has not gone out (status {campaign.status}): no report until it does"
        )
    data = api.send(get_report(campaign.id)) or {}
    clicked = (api.send(get_click_details(campaign.id)) or {}).get("urls_clicked") or []
    clicked.sort(key=lambda link: link.get("total_clicks") or 0, reverse=True)
    opens, clicks = data.get("opens") or {}, data.get("clicks") or {}
    return Report(
        month=month,
        title=title,
        campaign_id=campaign.id,
        send_time=data.get("send_time") or None,
        sends=int(data.get("emails_sent") or 0),
        opens=int(opens.get("unique_opens") or 0),
        open_rate=float(opens.get("open_rate") or 0.0),
        clicks=int(clicks.get("unique_subscriber_clicks") or 0),
        click_rate=float(clicks.get("click_rate") or 0.0),
        unsubscribes=int(data.get("unsubscribed") or 0),
        top_links=tuple(
            Link(
                c.get("url", ""), int(c.get("total_clicks") or 0), int(c.get("unique_clicks") or 0)
            )
            for c in clicked[:top]
        ),
    )
