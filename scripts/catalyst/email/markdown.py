"""The one Markdown configuration for the email: editors' Markdown to HTML fragments and to text.

Email clients render a small subset of HTML, so the extension list is short and
produces only paragraphs, lists, quotes, emphasis, links and images (`attr_list`
is there so site-only `{ .class }` syntax never shows up as literal text). The
same parse feeds both parts of the email: `markdown_to_html` for the HTML part and
`markdown_to_text` for the plain-text part, which writes every link out.

Mailchimp merge tags (`*|FNAME|*`) pass through untouched, never read as emphasis.
A caller can pass `rewrite`, called with every element of the parsed tree before
it is serialised: the email uses it to make links absolute and size images.

Every fragment is sanitised by the content HTML policy (`catalyst.safety`): a link or
image whose URL uses a scheme outside it loses that URL before `rewrite` sees it, and
the HTML, raw HTML included, goes through `safety.clean`. The text part keeps only the
text of raw HTML that the policy allows.
"""

from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from catalyst import safety

EXTENSIONS = ("attr_list", "sane_lists", "pymdownx.smartsymbols")

Rewrite = Callable[[etree.Element], None]

MERGE_TAG = r"\*\|[A-Z0-9_:]+(?::[^|*]*)?\|\*"
_STASHED = re.compile("\x02wzxhzdk:(\\d+)\x03")
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\n]+")


class _MergeTag(InlineProcessor):
    """Keeps `*|TAG|*` as it is written: its stars are not emphasis."""

    def handleMatch(self, m, data):  # noqa: N802 (Markdown's API)
        return AtomicString(m.group(0)), m.start(0), m.end(0)


class _Visit(Treeprocessor):
    """Hands every element to the caller's rewrite, and keeps the finished tree."""

    def __init__(self, md: markdown.Markdown, rewrite: Rewrite | None):
        super().__init__(md)
        self.rewrite = rewrite
        self.root: etree.Element | None = None

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in ("href", "src"):
                value = element.get(name)
                if value is not None and not safety.safe_url(value):
                    del element.attrib[name]
        if self.rewrite is not None:
            for element in list(root.iter()):
                self.rewrite(element)
        self.root = root


_PARSERS = threading.local()


def _parse(rewrite: Rewrite | None) -> tuple[markdown.Markdown, _Visit]:
    """This thread's parser, reset for one conversion (building one costs about as much as
    converting a paragraph, and an email converts a dozen fragments)."""
    md = getattr(_PARSERS, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
        # Above `em_strong` (60), so the stars of a merge tag are taken first.
        md.inlinePatterns.register(_MergeTag(MERGE_TAG, md), "catalyst-merge-tag", 65)
        # After `unescape` (priority 0): attribute values and text are final by then.
        md.treeprocessors.register(_Visit(md, None), "catalyst-visit", -10)
        _PARSERS.md = md
    md.reset()
    visit = md.treeprocessors["catalyst-visit"]
    visit.rewrite, visit.root = rewrite, None
    return md, visit


def markdown_to_html(text: str, *, rewrite: Rewrite | None = None) -> str:
    """An HTML fragment for the email from an editor's Markdown."""
    md, _ = _parse(rewrite)
    return safety.clean(md.convert(text))


def markdown_to_text(text: str, *, rewrite: Rewrite | None = None) -> str:
    """Plain text from an editor's Markdown: paragraphs, `- ` lists, `> ` quotes, links
    written as `text (url)`. Lines are not wrapped; the caller wraps the whole part."""
    md, visit = _parse(rewrite)
    md.convert(text)
    if visit.root is None:
        return ""
    stash = md.htmlStash.rawHtmlBlocks

    def unstash(value: str) -> str:
        # Raw HTML and entities are stashed as placeholders: keep the text of what the
        # policy allows (a <script>'s or <style>'s text is not text).
        return _STASHED.sub(
            lambda m: html.unescape(_TAG.sub("", safety.clean(str(stash[int(m.group(1))])))),
            value,
        )

    blocks = _blocks(visit.root, unstash)
    return "\n\n".join(b for b in blocks if b.strip()).strip()


# ---------------------------------------------------------------------------- text serialiser


def _inline(element: etree.Element, unstash: Callable[[str], str]) -> str:
    """The running text of an inline element and its children, links written out."""
    # Soft line breaks in the source are spaces; `<br>` is the only hard break.
    parts = [_soft(unstash(element.text or ""))]
    for child in element:
        tag = child.tag
        if tag == "br":
            parts.append("\n")
        elif tag == "a":
            label = _inline(child, unstash).strip()
            href = child.get("href", "")
            if href and href not in (label, f"mailto:{label}"):
                parts.append(f"{label} ({href})" if label else href)
            else:
                parts.append(label or href)
        elif tag == "img":
            alt = child.get("alt", "").strip()
            parts.append(f"[{alt}]" if alt else "")
        else:
            parts.append(_inline(child, unstash))
        parts.append(_soft(unstash(child.tail or "")))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))


def _soft(text: str) -> str:
    return _SPACES.sub(" ", text)


def _blocks(element: etree.Element, unstash: Callable[[str], str]) -> list[str]:
    blocks: list[str] = []
    leading = unstash(element.text or "").strip()
    if leading:
        blocks.append(leading)
    for child in element:
        tag = child.tag
        if tag in ("ul", "ol"):
            blocks.append(_list(child, unstash))
        elif tag == "blockquote":
            inner = "\n\n".join(_blocks(child, unstash))
            blocks.append("\n".join(f"> {line}".rstrip() for line in inner.split("\n")))
        elif tag == "pre":
            blocks.append("".join(child.itertext()).rstrip("\n"))
        elif tag == "hr":
            blocks.append("-" * 20)
        elif tag in ("div", "section", "figure"):
            blocks.extend(_blocks(child, unstash))
        else:
            blocks.append(_inline(child, unstash))
        tail = unstash(child.tail or "").strip()
        if tail:
            blocks.append(tail)
    return blocks


def _list(element: etree.Element, unstash: Callable[[str], str]) -> str:
    items = []
    for n, item in enumerate(child for child in element if child.tag == "li"):
        marker = f"{n + 1}. " if element.tag == "ol" else "- "
        pad = " " * len(marker)
        # A loose list item holds paragraphs; a tight one holds inline text.
        has_blocks = any(c.tag in ("p", "ul", "ol", "blockquote", "pre") for c in item)
        body = "\n".join(_blocks(item, unstash)) if has_blocks else _inline(item, unstash)
        lines = body.split("\n")
        items.append("\n".join([marker + lines[0], *(pad + line for line in lines[1:])]))
    return "\n".join(items)
