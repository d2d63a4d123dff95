"""How deep a Markdown text nests, measured before any Markdown converter sees it.

Python-Markdown parses nested blocks by recursion, and its cost grows faster than the
depth: a list nested 200 levels takes a second, 1,000 levels half a minute and then
RecursionError, and 1,000 nested `<div markdown>` blocks fail at once. Every page,
email fragment and front-matter text goes through it (in MkDocs, the email and the
check), so a text nested deeper than MAX_NESTING is refused where it is written.

The measure is per line and deliberately generous: each two columns of indentation,
each list or quote marker opening the line (`- - - x` is three lists) and each open
`<tag markdown>` block count one level. Real writing stays under ten.
"""

from __future__ import annotations

import functools
import re

MAX_NESTING = 40

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MARKERS = re.compile(r"(?:>|[-*+](?=\s|$)|\d{1,9}[.)](?=\s|$))[ \t]*")
_MD_OPEN = re.compile(r"<([A-Za-z][\w-]*)\b[^>]*?\bmarkdown\b[^>]*>")
_CLOSE = re.compile(r"</([A-Za-z][\w-]*)\s*>")


@functools.cache
def _long_opening(limit: int) -> re.Pattern:
    return re.compile(r"^[ \t>*+\-.)0-9]{" + str(limit // 2) + ",}", re.MULTILINE)


def too_deep(text: str, limit: int = MAX_NESTING) -> tuple[int, int] | None:
    """(0-based line index, depth) of the first line nested deeper than `limit`, or None."""
    # Each level takes at least one character of a line's opening (a tab two levels), so
    # a text without a long opening, and without `markdown` blocks, is shallow enough.
    if not _long_opening(limit).search(text) and "markdown" not in text.lower():
        return None
    fenced = False
    html: list[str] = []
    for index, raw in enumerate(text.split("\n")):
        if _FENCE.match(raw):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = raw.expandtabs(4)
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 2
        position = 0
        while True:
            marker = _MARKERS.match(stripped, position)
            if not marker or marker.end() == position:
                break
            depth += 1
            position = marker.end()
        if "<" in stripped:
            for match in _MD_OPEN.finditer(stripped):
                html.append(match.group(1).lower())
            depth += len(html)
            for match in _CLOSE.finditer(stripped):
                name = match.group(1).lower()
                if name in html:
                    del html[len(html) - 1 - html[::-1].index(name) :]
        else:
            depth += len(html)
        if depth > limit:
            return index, depth
    return None


def message(depth: int, limit: int = MAX_NESTING) -> str:
    return (
        f"Markdown nested too deep (about {depth} levels of lists, quotes, indentation or "
        f"`markdown` blocks; at most {limit})"
    )
