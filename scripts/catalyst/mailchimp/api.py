"""How Catalyst talks to Mailchimp's Marketing API, and nothing about what it says.

This module owns the two ways of making the requests `requests.py` declares, behind one
protocol (`Api`): `Mailchimp`, the live API (the official `mailchimp_marketing` client) with
a timeout on every call, retries with backoff and jitter on 429, 5xx and lost connections,
and errors in Mailchimp's own words; and `Outbox`, the dry run that writes each request to
`build/outbox/YYYY-MM/` instead. What to request, and when, is the push's business.

The key never leaves the process (`keys.py`): every answer and every error from the API is
scrubbed before anything reads it, as is every retry notice, outbox file and URL shown.
Answers are also checked against the shape the API documents before anything reads them, so
a proxy's page or a mangled answer is a clean error naming the request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from pydantic import ValidationError

from catalyst.files import replace_tree, staging
from catalyst.mailchimp.keys import (
    API_KEY_VARIABLE,
    API_URL_VARIABLE,
    REDACTED,
    ApiKey,
    BadAnswer,
    MailchimpError,
    Unconfirmed,
    _scrubbed,
    scrub,
)
from catalyst.mailchimp.requests import PENDING_ID, Request


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
    blind = False  # it reads what Mailchimp holds

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

    def finish(self) -> None:
        """Nothing to write: the requests were sent."""
        return None

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

    @property
    def blind(self) -> bool:
        """Without a live API nothing is read: the requests are those of a first push."""
        return self.live is None

    def finish(self) -> Path:
        """The requests recorded, written to the folder (see `write`)."""
        return self.write()

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


class Api(Protocol):
    """What the push and the report ask of Mailchimp, live (`Mailchimp`) or as a dry run
    (`Outbox`, which sends reads only, and only when it has a live API): one protocol, so
    neither asks which one it holds."""

    dry_run: bool  # no write reaches Mailchimp
    blind: bool  # not even a read: the answers are assumed, as for a first push

    @property
    def calls(self) -> list[Request]: ...

    def send(self, request: Request) -> Any: ...

    def finish(self) -> Path | None:
        """Done: where a dry run's requests were written (None when they were sent)."""
