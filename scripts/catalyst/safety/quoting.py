"""Front-matter values made safe for output: quoted into generated Markdown, or HTML-escaped for
the theme.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import quote

import markupsafe

from catalyst.safety.policy import SCHEMES
from catalyst.safety.url_rules import safe_url, scheme_message

# Characters Markdown, attr_list or the emoji extension would read, written as entities:
# both Markdown and raw HTML blocks show an entity as its character, and read nothing in it.
_MARKDOWN_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()!:|~^"})
_LINE_START = re.compile(r"^(?:[#+\-=]|\d+(?=\.))")


def markdown_text(value) -> markupsafe.Markup:
    """A plain-text value, ready for any place in generated Markdown (or raw HTML in it):
    it shows exactly as typed, on one line, and nothing in it is read as markup."""
    text = " ".join(str(value).split())
    text = str(markupsafe.escape(text)).translate(_MARKDOWN_ENTITIES)
    # At a line's start, `#`, `-`, `+`, `=` and `1.` would start a heading or a list.
    match = _LINE_START.match(text)
    if match and match.group(0).isdigit():
        end = match.end()
        text = text[:end] + "&#46;" + text[end + 1 :]
    elif match:
        text = f"&#{ord(text[0])};" + text[1:]
    return markupsafe.Markup(text)


# Characters a URL inside Markdown's `(...)` or a quoted attribute must not carry as is.
_URL_UNSAFE = re.compile(r"""[\s()<>"'`{}\[\]\\|^]|%(?![0-9A-Fa-f]{2})""")


def markdown_url(url: str, schemes: Iterable[str] = SCHEMES) -> markupsafe.Markup:
    """A URL for a Markdown link or image: `#` when its scheme is not allowed, otherwise
    percent-encoded wherever Markdown or HTML would read a character as syntax."""
    url = str(url).strip()
    if not safe_url(url, schemes):
        return markupsafe.Markup("#")
    encoded = _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)
    return markupsafe.Markup(html.escape(encoded, quote=True))


def path_segment(value: str) -> str:
    """One URL path segment from a plain value (a social handle): nothing is syntax."""
    return quote(str(value).strip(), safe="")


# ---------------------------------------------------------------------------- front matter

# Keys MkDocs and Material read as instructions rather than print: their values stay as they
# are (`template` is checked on its own: it chooses which theme template renders the page).
META_INSTRUCTIONS = frozenset({"template", "hide", "search", "date", "slug", "categories",
                                "authors", "draft", "pin", "readtime", "icon"})
# Templates a page may ask for: the theme's page and Material's blog views. Any other (such
# as Material's redirect.html) could run front-matter text as script.
TEMPLATES = frozenset({"main.html", "blog.html", "blog-post.html", "blog-archive.html",
                       "blog-category.html", "blog-author.html"})  # fmt: skip


def escape_meta(meta: dict) -> list[str]:
    """HTML-escape, in place, every text value of a page's front matter that the theme prints
    (titles, descriptions, image alt text...), and drop an `image` whose URL is not allowed.
    Returns what it had to refuse, for the caller to report."""
    refused: list[str] = []
    for key, value in list(meta.items()):
        if key in META_INSTRUCTIONS:
            continue
        meta[key] = _escape_value(value)
    template = meta.get("template")
    if template is not None and template not in TEMPLATES:
        refused.append(
            f"template: '{template}' is not allowed (allowed: {', '.join(sorted(TEMPLATES))})"
        )
    image = meta.get("image")
    if image is not None and not (isinstance(image, str) and safe_url(html.unescape(image))):
        refused.append(f"image: {scheme_message(html.unescape(str(image)))}")
        del meta["image"]
    return refused


def escape_text(value: str) -> str:
    """Text for the theme, which prints it raw: `& < > "` escaped. Not `'`: the theme quotes
    attributes with `"`, and the feeds (which escape again) would show it as `&#x27;`."""
    return html.escape(value, quote=False).replace('"', "&quot;")


def _escape_value(value):
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, list):
        return [_escape_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_value(v) for k, v in value.items()}
    return value
