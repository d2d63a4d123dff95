"""What in an HTML fragment, or the HTML an editor's Markdown becomes, the policy does not allow."""

from __future__ import annotations

import re

from catalyst.safety.policy import (
    ALLOWED_SUMMARY,
    ATTRIBUTES,
    STYLE,
    TAGS,
    THEME_IDS,
    URL_ATTRIBUTES,
)
from catalyst.safety.url_rules import safe_url, scheme_message


def violations(fragment: str) -> list[tuple[str, str]]:
    """What in an HTML fragment the policy does not allow, as (message, text to look for in
    the source), in document order. `clean` would remove each of them."""
    from lxml import etree as lxml_etree
    from lxml import html as lxml_html

    found: list[tuple[str, str]] = []
    if not fragment.strip():
        return found
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml_etree.ParserError):  # pragma: no cover - lxml reads any string
        return [("HTML that cannot be read", fragment[:40])]
    for element in root.iter():
        # HTML that Markdown did not read as HTML (an unquoted `onload=alert(1)`) is shown
        # as text; it is refused all the same when it carries script.
        code = element.tag in _CODE or any(a.tag in _CODE for a in element.iterancestors())
        for text in (element.text if not code else None, element.tail):
            for match in _SHOWN_SCRIPT.finditer(text or ""):
                found.append((
                    f"'<{match.group(1)}' with '{match.group(2)}' is not allowed (it is not "
                    "read as HTML here, but would show as typed)",
                    f"<{match.group(1)}",
                ))
        if element is root:
            continue
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions: removed, never shown
        tag = tag.lower().rsplit("}", 1)[-1]
        if tag not in TAGS:
            found.append(
                (f"raw HTML <{tag}> is not allowed (allowed: {ALLOWED_SUMMARY})", f"<{tag}")
            )
            continue
        allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(tag, set())
        for name, value in element.attrib.items():
            name = name.lower()
            if name not in allowed:
                what = "an event handler" if name.startswith("on") else "not allowed"
                found.append((f"attribute '{name}' on <{tag}> is {what}", name))
            elif name == "id" and value.startswith(THEME_IDS):
                found.append((f"id '{value}' is reserved for the theme (ids may not start "
                              "with '__')", value))
            elif name == "style" and not STYLE.match(value):
                found.append((f"style '{value}' is not allowed (only text-align)", value))
            elif name in URL_ATTRIBUTES and not safe_url(value):
                found.append((scheme_message(value), value))
    return found


_CODE = frozenset({"code", "pre", "kbd", "samp"})
_SHOWN_SCRIPT = re.compile(
    r"<\s*([a-z][\w:-]*)\b[^>]*?(\bon[a-z]+\s*=|(?:java|vb)script\s*:|data\s*:)", re.I
)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# The start of every URL a Markdown link, image or reference definition gives.
_INLINE_TARGET = re.compile(r"\]\(\s*<?\s*([^\s)>]*)")
# Any indentation: a definition inside a list item is indented too.
_REFERENCE_TARGET = re.compile(r"^\s*\[[^\]\n]+\]:\s*<?\s*(\S*)", re.M)

_AUDITOR = None


def may_break_policy(text: str) -> bool:
    """False when Markdown cannot make anything the policy refuses of `text`: no HTML but
    comments, no attribute list, and every link's URL allowed. (Converting every post to
    find nothing was most of `catalyst check`'s time on a large site.)"""
    if "{" in text or ("<" in text and "<" in _COMMENT.sub("", text)):
        return True
    urls = _INLINE_TARGET.findall(text) if "](" in text else []
    if "]:" in text:
        urls += _REFERENCE_TARGET.findall(text)
    return not all(safe_url(url) for url in urls)


def markdown_violations(text: str) -> list[tuple[str, str]]:
    """`violations` of the HTML an editor's Markdown becomes (raw HTML, `attr_list`,
    links and images), with the site's Markdown extensions."""
    global _AUDITOR
    if not may_break_policy(text):
        return []
    import markdown

    if _AUDITOR is None:
        # What the site's Markdown reads (mkdocs.yml's extensions and MkDocs' own defaults,
        # fenced code among them); the icons and smart symbols add nothing to look at.
        _AUDITOR = markdown.Markdown(
            extensions=["attr_list", "md_in_html", "tables", "fenced_code", "footnotes",
                        "abbr", "admonition", "def_list"]
        )
    _AUDITOR.reset()
    return violations(_AUDITOR.convert(text))
