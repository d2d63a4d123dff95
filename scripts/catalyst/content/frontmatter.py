"""Reading one content file: UTF-8 text, the front matter between `---` lines, its YAML
(bounded, see safeyaml) with the line of every key, and the Markdown body after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from catalyst.content import nesting, safeyaml
from catalyst.errors import ContentError, Problem

_FENCE = re.compile(r"^---[ \t]*$")


@dataclass
class Document:
    """A Markdown file split into front matter (with key lines) and body."""

    path: str  # as shown to editors: relative to the project root
    meta: dict
    body: str
    body_line: int  # 1-based line where the body starts
    lines: dict[tuple, int]  # field path -> 1-based line


def read_source(file: Path, shown: str) -> str:
    """A file's text: UTF-8 (a BOM is dropped), or a ContentError at the first bad byte's line.

    Every reader of content goes through here (the loader, `catalyst check`'s scans)."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ContentError([Problem(shown, 1, f"cannot be read ({error.strerror})")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = f"not UTF-8 text (byte 0x{data[error.start]:02x}): save the file as UTF-8"
        raise ContentError([Problem(shown, line, message)]) from None
    return text.removeprefix("\ufeff")


def read_document(file: Path, shown: str, *, required: bool = True) -> Document:
    """Split and parse one file; raise ContentError naming file and line.

    Without `required`, a file with no front matter is all body (a plain page)."""
    text = read_source(file, shown)
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        if not required:
            _bounded(shown, [(1, text)])
            return Document(shown, {}, text, 1, {(): 1})
        raise ContentError(
            [Problem(shown, 1, "no front matter: the file must start with a '---' line")]
        )
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise ContentError([Problem(shown, 1, "front matter never closed: add a '---' line")])
    source = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    try:
        parsed = safeyaml.parse(source, first_line=2)
    except safeyaml.YamlProblems as error:
        raise ContentError([Problem(shown, line, what) for line, what in error.problems]) from None
    except yaml.YAMLError as error:
        # The context (e.g. where an unclosed quote opened) is where the editor must look.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        what = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        if context:
            what = f"{context}, {what}"
        problem = Problem(shown, line, f"front matter is not valid YAML: {what}")
        raise ContentError([problem]) from None
    meta = parsed.value if parsed.value is not None else {}
    if not isinstance(meta, dict):
        raise ContentError([Problem(shown, 2, "front matter must be a mapping of `key: value`")])
    _bounded(shown, [*parsed.texts, (end + 2, body)])
    return Document(shown, meta, body, end + 2, parsed.lines)


def _bounded(shown: str, texts: list[tuple[int, str]]) -> None:
    """Refuse Markdown nested deeper than a converter can take (see `nesting`)."""
    problems = []
    for line, text in texts:
        deep = nesting.too_deep(text)
        if deep is not None:
            index, depth = deep
            problems.append(Problem(shown, line + index, nesting.message(depth)))
    if problems:
        raise ContentError(problems)
