"""The API key, and the rule that it never leaves the process: where it is read from, how
it is parsed (its data centre), and the scrubbing every Mailchimp error's message goes
through, so no error, log or file can carry the key, whoever raises it.
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from catalyst.errors import CatalystError

API_KEY_VARIABLE = "MAILCHIMP_API_KEY"


API_URL_VARIABLE = "MAILCHIMP_API_URL"


REDACTED = "<redacted>"


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
