"""Editor warnings: what is valid but will read badly, each at its file and line.

- an image without alt text (`![](...)`, or `<img>` with no `alt`): screen readers
  say the file name, and email clients that block images show nothing;
- a heading that skips a level (`##` then `####`): screen readers navigate by levels;
- a subject longer than SUBJECT_WARN characters (inboxes show 40 to 80; over
  `schema.SUBJECT_MAX` is an error, since Mailchimp refuses it);
- `{{ ... }}` or `{% ... %}`: content is not a template, so it reaches readers as written;
- a `*|TAG|*` that Mailchimp does not know (see `mergetags`): it is sent as written.

Fenced code and code spans are left alone: examples there are meant literally.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from catalyst.content import links, mergetags
from catalyst.content.library import Library
from catalyst.errors import Problem

# Email guides agree subjects are cut after 40 (phones) to 80 (desktop) characters.
SUBJECT_WARN = 80

_EMPTY_ALT = re.compile(r"!\[\s*\]\s*[(\[]")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
# Only a heading of level 3 or more can skip one (the page's title is its level 1).
_DEEP_HEADING = re.compile(r"^ {0,3}#{3,6}(?:[ \t]|$)", re.MULTILINE)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_FENCE = re.compile(r"^---[ \t]*$")


def problems(library: Library, texts: list[tuple[str, str, str]]) -> list[Problem]:
    """texts: (a file's text, its path shown, its URI), as `check` reads them."""
    found: list[Problem] = []
    for text, shown, _ in texts:
        # Most files trigger no rule: each is looked for in the whole text first.
        alt = "![" in text or "<img" in text.lower()
        deep_heading = _DEEP_HEADING.search(text) is not None
        template = "{{" in text or "{%" in text
        tags = "*|" in text
        if not (alt or deep_heading or template or tags):
            continue
        prose = list(links.prose_lines(text))
        if alt:
            found += _alt_text(prose, shown)
        if deep_heading:
            body = _body_line(text)
            found += _headings([(n, line) for n, line in prose if n >= body], shown)
        for number, line in prose if template or tags else ():
            for match in _TEMPLATE.finditer(line) if template else ():
                found.append(
                    Problem(
                        shown,
                        number,
                        f"'{match.group(0)}' will reach readers as written: content is not a "
                        "template (a reader's name in the email is Mailchimp's *|FNAME|*)",
                        "warning",
                    )
                )
            for match in mergetags.PATTERN.finditer(line) if tags else ():
                tag = match.group(1)
                if mergetags.is_known(tag):
                    continue
                close = mergetags.suggestion(tag)
                hint = f"did you mean *|{close}|*? " if close else ""
                found.append(
                    Problem(
                        shown,
                        number,
                        f"*|{tag}|* is not a Mailchimp merge tag: it is sent as written "
                        f"({hint}see catalyst/content/mergetags.py for the list)",
                        "warning",
                    )
                )
    for issue in library.issues.values():
        if len(issue.subject) > SUBJECT_WARN:
            found.append(
                Problem(
                    issue.source,
                    library.line_of(issue.source, ("subject",)),
                    f"subject: {len(issue.subject)} characters; inboxes show the first 40 to "
                    f"{SUBJECT_WARN}: put what matters first, or shorten it",
                    "warning",
                )
            )
    return found


def _body_line(text: str) -> int:
    """The 1-based line where the Markdown body starts (after any front matter)."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return 1
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]):
            return index + 2
    return 1


def _alt_text(prose: list[tuple[int, str]], shown: str) -> list[Problem]:
    found = [
        Problem(shown, number, "image without alt text: describe what it shows in ![...]",
                "warning")
        for number, line in prose
        if _EMPTY_ALT.search(line)
    ]
    if any("<img" in line.lower() for _, line in prose):
        finder = _ImagesWithoutAlt()
        # One line per source line, so the parser's line numbers are the file's.
        numbered = dict(prose)
        last = max(numbered)
        finder.feed("\n".join(numbered.get(n, "") for n in range(1, last + 1)))
        finder.close()
        found += [
            Problem(shown, number, "<img> without an alt attribute: add alt=\"what it shows\" "
                    "(alt=\"\" for a decorative image)", "warning")
            for number in finder.lines
        ]
    return found


class _ImagesWithoutAlt(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img" and not any(name == "alt" for name, _ in attrs):
            self.lines.append(self.getpos()[0])


def _headings(prose: list[tuple[int, str]], shown: str) -> list[Problem]:
    found = []
    previous = 1  # the page's title is its h1 (a post's `# Title`, or the page template's)
    for number, line in prose:
        match = _HEADING.match(line)
        if not match:
            continue
        level = len(match.group(1))
        if level > previous + 1:
            found.append(
                Problem(
                    shown,
                    number,
                    f"heading level skipped: {'#' * level} after {'#' * previous} "
                    f"(make it {'#' * (previous + 1)})",
                    "warning",
                )
            )
        previous = level
    return found
