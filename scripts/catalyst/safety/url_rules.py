"""URLs as a browser reads them: their scheme, whether the policy allows it, and what a URL field
may hold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from catalyst.safety.policy import EMAIL_SCHEMES, SCHEMES

# C0 controls, space, DEL and the invisible format characters a browser skips or rejects.
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
_URL_SYNTAX = re.compile(r"""[\s<>"{}|\\^`\[\]]""")


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in `url` (lowercase), or None for a relative URL.

    Entities are decoded first (`&#106;avascript:`), then every control character, space
    and invisible character is removed (`java\\tscript:`, ` javascript:`), as browsers
    strip or ignore them before reading the scheme."""
    match = _SCHEME.match(visible(url))
    return match.group(1).lower() if match else None


def visible(url: str) -> str:
    """`url` as a browser reads it: entities decoded, invisible characters removed."""
    return INVISIBLE.sub("", html.unescape(url or ""))


def safe_url(url: str, schemes: Iterable[str] = SCHEMES) -> bool:
    """True when `url` is relative or uses one of `schemes`."""
    scheme = url_scheme(url)
    return scheme is None or scheme in schemes


def srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def style_urls(css: str) -> list[str]:
    return [u.strip("'\" ") for u in re.findall(r"url\s*\(([^)]*)\)", html.unescape(css), re.I)]


def scheme_message(url: str, schemes: Iterable[str] = SCHEMES) -> str:
    shown = url if len(url) <= 60 else url[:57] + "..."
    return (
        f"link '{shown}' uses a scheme that is not allowed "
        f"(allowed: {', '.join(schemes)}, or a link to a page of the site)"
    )


def url_problem(label: str, value: str, schemes: Iterable[str] = SCHEMES) -> str | None:
    if not safe_url(value, schemes):
        return f"{label}: {scheme_message(value, schemes)}"
    bad = _URL_SYNTAX.search(value.strip())
    if bad:
        char = bad.group(0) if not bad.group(0).isspace() else "a space"
        return f"{label}: '{value}' holds {char!s}, which a URL cannot carry unencoded"
    return None


def email_url_problem(label: str, value: str) -> str | None:
    """`url_problem` for a link the email carries as written (an event's registration): the
    email takes only `EMAIL_SCHEMES`, so `catalyst check` says so before the email refuses it."""
    return url_problem(label, value, EMAIL_SCHEMES)
