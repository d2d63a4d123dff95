"""The sanitiser: `clean` removes from an HTML fragment everything outside the policy (nh3, the
Python binding of Ammonia).
"""

from __future__ import annotations

import nh3

from catalyst.safety.policy import (
    ATTRIBUTES,
    DROPPED_WITH_CONTENT,
    SCHEMES,
    STYLE,
    TAGS,
    THEME_IDS,
    URL_ATTRIBUTES,
)
from catalyst.safety.url_rules import safe_url


def _filter(element: str, attribute: str, value: str) -> str | None:
    """The checks nh3's options cannot say: the style allowlist, ids the theme owns, and
    URLs judged by `safe_url` (the same function the email's last guard uses)."""
    if attribute == "id" and value.startswith(THEME_IDS):
        return None
    if attribute == "style":
        return value if STYLE.match(value) else None
    if attribute in URL_ATTRIBUTES and not safe_url(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    attribute_filter=_filter,
    url_schemes=set(SCHEMES),
    # Our own links keep their rel (prev/next); nh3 would otherwise add noopener to all.
    link_rel=None,
    strip_comments=True,
)

# Kept through sanitising: Material's blog cuts excerpts at this comment.
MORE = "<!-- more -->"
_MORE_TOKEN = "\ue000catalyst-more\ue000"


def clean(fragment: str) -> str:
    """`fragment` with everything outside the policy removed: no script, no event handler,
    no URL with a scheme outside `SCHEMES`, whatever the input."""
    if not fragment:
        return fragment
    keep_more = MORE in fragment
    if keep_more:
        fragment = fragment.replace(MORE, _MORE_TOKEN)
    cleaned = _CLEANER.clean(fragment)
    if keep_more:
        cleaned = cleaned.replace(_MORE_TOKEN, MORE)
    return cleaned
