"""`catalyst check`'s view of the content HTML policy: each place content breaks it, with file and
line.
"""

from __future__ import annotations

from pydantic import BaseModel

from catalyst.content.validation import dotted
from catalyst.errors import Problem
from catalyst.safety.field_rules import (
    EMAIL_URL_FIELDS,
    HANDLE,
    MARKDOWN_FIELDS,
    NOT_TEXT,
    SUSPECT,
    URL_FIELDS,
    plain_text_problem,
)
from catalyst.safety.hand_written import authors_problems, hand_written, read_page
from catalyst.safety.html_audit import markdown_violations, may_break_policy
from catalyst.safety.quoting import META_INSTRUCTIONS, TEMPLATES
from catalyst.safety.url_rules import email_url_problem, url_problem


def content_problems(settings, library, texts: list[tuple[str, str, str]]) -> list:
    """Every place content breaks the policy, as Problems with file and line: Markdown
    fields whose HTML it does not allow, plain-text fields holding markup, URLs with a
    scheme or a character they may not have, and pages asking for another template.
    `texts` is `checks.source_files`' files, read: (text, path shown, URI in docs_dir)."""
    check = _ContentCheck(library, {shown: text for text, shown, _ in texts})
    for group in (library.posts, library.resources, library.catalyzers, library.issues):
        for item in group.values():
            check.walk(item, item.source, (), [])
    pages = hand_written(settings, library)
    for path, shown in pages:
        check.page(path, shown)
    problems = check.problems
    problems += template_problems(settings, library, pages)
    problems += authors_problems(settings)
    return problems


class _ContentCheck:
    """One run of `content_problems`: the files it was given and the problems found so far."""

    def __init__(self, library, files: dict[str, str]):
        self.library = library
        self.files = files
        self.problems: list[Problem] = []

    def add(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def markdown(self, path: str, label: str, text: str, first: int, lines: list[str], end: int):
        # Violations come in document order: each is looked for after the one before it.
        cursor = (first, 0)
        for message, needle in markdown_violations(text):
            found = _find(lines, needle, cursor, end) or _find(lines, needle, (first, 0), end)
            if found:
                cursor = found
            self.add(path, found[0] if found else first, f"{label}: {message}")

    def walk(self, item, path: str, loc: tuple, file: list) -> None:
        """Every text field of a model, by kind. `file` is [lines, front matter's end],
        filled in only when a Markdown field needs it."""
        values = dict(item)
        values.update(item.model_extra or {})
        model = type(item).__name__
        for name, value in values.items():
            here = (*loc, name)
            if isinstance(value, BaseModel):
                self.walk(value, path, here, file)
            elif isinstance(value, list):
                self._list(name, value, path, here, file)
            elif isinstance(value, dict) and name == "social":
                self._social(value, path, here)
            elif not isinstance(value, str) or name in NOT_TEXT or f"{model}.{name}" in NOT_TEXT:
                continue
            elif (name == "body" and not loc) or f"{model}.{name}" in MARKDOWN_FIELDS:
                self._markdown_field(name, value, path, loc, here, file)
            elif name in EMAIL_URL_FIELDS:
                self.text_problem(path, here, email_url_problem, value)
            elif name in URL_FIELDS:
                self.text_problem(path, here, url_problem, value)
            else:
                self.text_problem(path, here, plain_text_problem, value)

    def _list(self, name: str, value: list, path: str, here: tuple, file: list) -> None:
        for n, entry in enumerate(value):
            if isinstance(entry, BaseModel):
                self.walk(entry, path, (*here, n), file)
            elif isinstance(entry, str) and name not in NOT_TEXT:
                self.text_problem(path, (*here, n), plain_text_problem, entry)

    def _social(self, value: dict, path: str, here: tuple) -> None:
        for network, handle in value.items():
            if not HANDLE.match(str(handle)):
                self.add(path, self.library.line_of(path, (*here, network)),
                         f"{dotted(here)}.{network}: '{handle}' is not a handle "
                         "(letters, digits, '_', '.' and '-' only)")

    def _markdown_field(self, name: str, value: str, path: str, loc: tuple, here: tuple,
                        file: list) -> None:
        if not may_break_policy(value):
            return
        if not file:
            lines = self.files.get(path, "").split("\n")
            file += [lines, _front_matter_end(lines)]
        lines, meta_end = file
        if name == "body" and not loc:
            self.markdown(path, "body", value, meta_end + 1, lines, len(lines))
        else:
            line = self.library.line_of(path, here)
            self.markdown(path, dotted(here), value, line, lines, meta_end)

    def text_problem(self, path: str, loc: tuple, rule, value: str) -> None:
        if rule is plain_text_problem and not SUSPECT.search(value):
            return
        message = rule(dotted(loc), value)
        if message:
            self.add(path, self.library.line_of(path, loc), message)

    def page(self, path, shown: str) -> None:
        """A hand-written page: its front matter's text and image, and its body."""
        meta, body, body_line, index = read_page(path, shown, self.files.get(shown))
        for key, value in meta.items():
            line = index.get((key,), 1)
            if key == "image" and isinstance(value, str):
                message = url_problem("image", value)
                if message:
                    self.add(shown, line, message)
            elif isinstance(value, str) and key not in META_INSTRUCTIONS:
                message = plain_text_problem(key, value)
                if message:
                    self.add(shown, line, message)
        lines = self.files.get(shown, "").split("\n")
        self.markdown(shown, "body", body, body_line, lines, len(lines))


def template_problems(settings, library, pages: list | None = None) -> list:
    """Pages and posts asking for a theme template other than the page's and the blog's
    (Material's redirect.html, say, would run a front-matter value as script). Unlike the
    rest of the policy this cannot be sanitised, so the build refuses it too."""
    allowed = ", ".join(sorted(TEMPLATES))
    problems = []

    def check(path: str, line: int, template) -> None:
        if template is not None and template not in TEMPLATES:
            problems.append(
                Problem(path, line, f"template: '{template}' is not allowed (allowed: {allowed})")
            )

    for post in library.posts.values():
        template = getattr(post, "template", None) or (post.model_extra or {}).get("template")
        check(post.source, library.line_of(post.source, ("template",)), template)
    for path, shown in hand_written(settings, library) if pages is None else pages:
        meta, _, _, index = read_page(path, shown, None)
        check(shown, index.get(("template",), 1), meta.get("template"))
    return problems


def _front_matter_end(lines: list[str]) -> int:
    """The 1-based line of the `---` closing a file's front matter (0: none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    return next((n + 1 for n in range(1, len(lines)) if lines[n].strip() == "---"), 0)


def _find(
    lines: list[str], needle: str, start: tuple[int, int], last: int
) -> tuple[int, int] | None:
    """Where `needle` (or, for a URL written with entities, what follows its scheme) next
    occurs from `start` (1-based line, column) to line `last`, ignoring case: the line and
    the column just after it."""
    needles = [needle.lower()]
    if ":" in needle and len(needle.split(":", 1)[1]) >= 4:
        needles.append(needle.split(":", 1)[1].lower())
    first, column = start
    for candidate in filter(None, needles):
        for number in range(max(first, 1), min(last, len(lines)) + 1):
            at = lines[number - 1].lower().find(candidate, column if number == first else 0)
            if at >= 0:
                return number, at + len(candidate)
    return None
