"""Which content fields are URLs, plain text or not text at all, and what a plain-text field may
not hold.
"""

from __future__ import annotations

import re

# Fields that are Markdown (schema.field, as the schema marks them); every other text field is
# plain text, shown as typed. A file's body is Markdown too.
from catalyst.content.schema import MARKDOWN_FIELDS  # noqa: F401  (its one home is the schema)

URL_FIELDS = frozenset({"url", "image", "photo", "avatar", "registration"})
# URL fields the email links to as written: they take the email's schemes (https, no http).
EMAIL_URL_FIELDS = frozenset({"registration"})
# Identifiers checked by the model (slugs, kinds, months, references), what the loader fills
# in, and what is not text at all.
NOT_TEXT = frozenset({"kind", "month", "post", "items", "catalyzer", "slug", "source",
                       "authors", "categories", "draft", "pin", "date", "starts", "send_at",
                       "template", "hide", "search", "readtime", "links", "social",
                       "Post.heading"})

_PLAIN_MARKUP = (
    (re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*|!|\?)"), "HTML"),
    (re.compile(r"\]\("), "a Markdown link"),
    (re.compile(r"\{\s*[:.#]|\{[^{}]*=[^{}]*\}"), "an attribute list ({ ... })"),
    (re.compile(r"[\"'`]\s*on[a-z]+\s*=", re.I), "an HTML attribute"),
)
# What a plain-text value must hold for `plain_text_problem` to have anything to say.
SUSPECT = re.compile(r"""[<\]{"'`]""")
HANDLE = re.compile(r"^@?[\w.\-]{1,100}$")


def plain_text_problem(label: str, value: str) -> str | None:
    """Why a plain-text value would not show as its editor meant, or None."""
    for pattern, what in _PLAIN_MARKUP:
        match = pattern.search(value)
        if match:
            return (
                f"{label}: '{match.group(0).strip()}' is {what}, but this field is plain text: "
                "it would show as typed (remove it, or move it to a Markdown field)"
            )
    return None
