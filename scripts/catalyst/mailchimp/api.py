"""How Catalyst talks to Mailchimp's Marketing API, and nothing about what it says.

This module owns the one protocol (`Api`) the push and the report make requests through, and
the live API behind it: `Mailchimp`, the official `mailchimp_marketing` client with a timeout
on every call and retries with backoff and jitter on 429, 5xx and lost connections. The dry
run behind the same protocol is `outbox.py`'s; what failed, and the checks of each answer, are
`failures.py`'s; what to request, and when, is the push's business.

The key never leaves the process (`keys.py`): every answer and every error from the API is
scrubbed before anything reads it, as is every retry notice, outbox file and URL shown.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from catalyst.mailchimp.failures import (
    Transient,
    checked,
    http_failure,
    network_failure,
    read_answer,
    shown_url,
)
from catalyst.mailchimp.keys import (
    API_KEY_VARIABLE,
    API_URL_VARIABLE,
    ApiKey,
    BadAnswer,
    MailchimpError,
    Unconfirmed,
    scrub,
)
from catalyst.mailchimp.requests import PENDING_ID, Request

# What the command line and the tests take from here, besides what this module defines.
__all__ = [
    "API_KEY_VARIABLE",
    "PENDING_ID",
    "Api",
    "ApiKey",
    "BadAnswer",
    "Mailchimp",
    "MailchimpError",
    "RetryPolicy",
    "Unconfirmed",
    "connect",
    "scrub",
]


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
        self.base_url = shown_url(host)
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
            except Transient as failure:
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
        # A reply the client could not read as JSON (an empty body, a 204, invalid JSON)
        # comes back as the raw response, whatever its status.
        if isinstance(answer, requests.Response):
            if not answer.ok:
                raise self._failure(request, answer.status_code, answer.text)
            return read_answer(request, answer)
        return checked(request, 200, answer)

    def _failure(self, request: Request, status: int | None, text: Any) -> Exception:
        if status is None:  # the client wraps a network error, with no status
            return network_failure(text, self.policy.timeout)
        return http_failure(request, status, text, self._client.api_client.last_response)


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
            f"{API_URL_VARIABLE} is not an http(s):// URL: {shown_url(base_url)!r}"
        )
    return Mailchimp(key, base_url=base_url, policy=policy, on_retry=on_retry)


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
