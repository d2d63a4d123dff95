"""The plain-text part's layout: wrapped at 78 columns, list items and quotes continued under
themselves, long words (URLs) kept whole.
"""

from __future__ import annotations

import re
import textwrap

from catalyst.email.rendered import TEXT_WIDTH

_LIST_PREFIX = re.compile(r"^(\s*(?:> |[-*] |\d+\. )*)")


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap every line at `width`, continuing list items and quotes under themselves.
    A word longer than the line (a URL) stays whole: breaking it would break the link."""
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        prefix = _LIST_PREFIX.match(line).group(1)
        hang = re.sub(r"[^>\s]", " ", prefix)
        lines.extend(
            textwrap.wrap(
                line[len(prefix) :],
                width,
                initial_indent=prefix,
                subsequent_indent=hang,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def tidy_text(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return wrap_text(text) + "\n"
