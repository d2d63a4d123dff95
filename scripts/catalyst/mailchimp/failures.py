"""What went wrong with a request, in Mailchimp's words: errors mapped to a refusal or a
retry, answers read and checked against the shape the API documents, every text scrubbed.

Every message made here goes through `keys.scrub` (a `MailchimpError` scrubs its own), so no
error, retry notice or quote of an answer can carry the key.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from catalyst.mailchimp.keys import (
    API_KEY_VARIABLE,
    REDACTED,
    BadAnswer,
    MailchimpError,
    _scrubbed,
    scrub,
)
from catalyst.mailchimp.requests import Request


class Transient(Exception):
    """No usable answer, but one may come if we ask again: 429, 5xx, timeout, lost connection."""

    def __init__(self, reason: str, *, retry_after: float | None = None, unapplied: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        # True when Mailchimp certainly did not act on the request (a 429, a refused connection).
        self.unapplied = unapplied


def network_failure(error: object, timeout: float) -> Transient:
    """A network error the client wrapped (it has no status): a timeout or a lost connection."""
    import requests

    if isinstance(error, requests.exceptions.Timeout):
        reason = f"no answer within {timeout:g} s"
    else:
        reason = f"the connection failed ({scrub(_first_line(error))})"
    return Transient(reason, unapplied=_never_connected(error))


def http_failure(request: Request, status: int, text: Any, response: Any) -> Exception:
    """An error status: a Transient for 429 and 5xx (with the Retry-After of `response`, the
    last one the client received), else a MailchimpError in Mailchimp's words."""
    problem = _scrubbed(_problem(text))
    title = _one_line(problem.get("title")) or _phrase(status)
    if status == 429 or status >= 500:
        return Transient(
            scrub(f"{status} {title}"),
            retry_after=_retry_after(response),
            unapplied=status == 429,
        )
    return MailchimpError(_refusal(request, status, title, problem), status=status)


def read_answer(request: Request, response: Any) -> Any:
    """The JSON of a raw response the client could not read as JSON (an empty body, a 204,
    invalid JSON), scrubbed and checked; None for an empty answer where none is read."""
    status = response.status_code
    if not response.text.strip():
        if request.answer is not None:
            raise BadAnswer(f"{request}: Mailchimp answered {status} with no content")
        return None
    return checked(request, status, response.text)


def checked(request: Request, status: int, answer: Any) -> Any:
    """The answer (JSON, or text to read as JSON) scrubbed, if it has the shape the API
    documents for `request`; else a BadAnswer naming the request."""
    if isinstance(answer, str):  # not JSON, or JSON sent as something else
        try:
            answer = json.loads(answer)
        except ValueError:
            raise BadAnswer(
                f"{request}: Mailchimp answered {status} with something that is not JSON: "
                f"{_excerpt(answer)}"
            ) from None
    answer = _scrubbed(answer)
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


def shown_url(url: str) -> str:
    """A URL as it may be shown and written: never a key, nor a user and password."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        url = parts._replace(netloc=f"{REDACTED}@{parts.netloc.rpartition('@')[2]}").geturl()
    return scrub(url)


def said(error: Mapping[str, Any]) -> str:
    """A pydantic validation error's message, to follow a colon."""
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: `a list`, `null`..."""
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), "a number")


def _retry_after(response: Any) -> float | None:
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


def _excerpt(text: object, limit: int = 80) -> str:
    """A short, one-line, scrubbed quote of what came back."""
    flat = " ".join(scrub(text).split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


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
