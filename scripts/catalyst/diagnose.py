"""Why a build failed, as `path:line` problems an editor can act on.

MkDocs reports a failed build in its log and ends with "Aborted with 1 warnings in strict
mode!" or "Aborted with a BuildError!"; a broken template raises Jinja's exception. Here each
of those becomes a `Problem` at the file to fix:

- a setting (MkDocs' config errors and warnings): the line of that key in mkdocs.yml;
- a link or a blog post's metadata: the line of the content file that holds it, found by
  looking for the link target (or the value the message quotes) in the source, since MkDocs
  names the page but not the line (generated pages are traced back to the files they are
  made from, then to `templates/pages/`);
- a Jinja error: the template file and line, from the error or its traceback;
- a message that already starts with `path:line:` (the content loader's, the email's) as is.

Nothing here prints. `load_config` (`catalyst.config_problems`) is MkDocs' loader with its
errors turned into problems.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

from catalyst.config_problems import (  # noqa: F401  (LogRecords, load_config: the API)
    ConfigProblems,
    LogRecords,
    config_entries,
    config_line,
    load_config,
    one_line,
    quoted_values,
)
from catalyst.errors import Problem

# ---------------------------------------------------------------------------- a failed build


_PATH_LINE = re.compile(r"^(?P<path>[^\s:'\"][^:\n]*):(?P<line>\d+): (?:(?:error|warning): )?"
                        r"(?P<message>.+)$")
_DOC_LINK = re.compile(
    r"^Doc file '(?P<doc>[^']+)' contains (?:a|an absolute|an unrecognized relative) "
    r"link '(?P<target>[^']+)'"
)
_POST = re.compile(r"\bpost '(?P<doc>[^']+\.md)'")
_PAGE = re.compile(r"^Error (?:reading|building) page '(?P<doc>[^']+)'")
_NAV = re.compile(r"^A reference to '(?P<target>[^']+)' is included in the 'nav'")


class Sources:
    """Where the text of a page of the site comes from, to put a line on MkDocs' messages."""

    def __init__(self, root: Path, config_file: Path, docs_dir: Path | None,
                 issues_dir: Path | None, templates_dir: Path | None):
        self.root = root
        self.config_file = config_file
        self.docs_dir = docs_dir
        self.issues_dir = issues_dir
        self.templates_dir = templates_dir
        self._texts: dict[Path, list[str]] = {}

    @classmethod
    def of(cls, config, config_file: Path) -> Sources:
        root = config_file.resolve().parent
        plugin = config.plugins.get("catalyst") if config is not None else None
        settings = getattr(plugin, "settings", None)
        docs = Path(config.docs_dir).resolve() if config is not None else None
        if settings is not None:
            return cls(root, config_file, docs, settings.issues_dir, settings.templates_dir)
        return cls(root, config_file, docs, root / "issues", root / "templates")

    def shown(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def lines(self, path: Path) -> list[str]:
        if path not in self._texts:
            try:
                self._texts[path] = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._texts[path] = []
        return self._texts[path]

    def page_sources(self, doc: str) -> list[Path]:
        """The files a page's Markdown may come from, most likely first: its own file (an
        issue's is issues/YYYY-MM.md), then every content file, then the page templates."""
        first: list[Path] = []
        if self.docs_dir is not None and (self.docs_dir / doc).is_file():
            first.append(self.docs_dir / doc)
        month = re.fullmatch(r"issues/(\d{4}-\d{2})\.md", doc)
        if month and self.issues_dir is not None:
            first.append(self.issues_dir / f"{month.group(1)}.md")
        rest: list[Path] = []
        if self.docs_dir is not None and self.docs_dir.is_dir():
            rest += sorted(self.docs_dir.rglob("*.md"))
        if self.issues_dir is not None and self.issues_dir.is_dir():
            rest += sorted(self.issues_dir.glob("*.md"))
        if self.templates_dir is not None and (self.templates_dir / "pages").is_dir():
            rest += sorted(p for p in (self.templates_dir / "pages").rglob("*") if p.is_file())
        return first + [p for p in rest if p not in first]

    def find(self, candidates: list[Path], needles: list[str]) -> tuple[Path, int] | None:
        """The first file and line that holds one of `needles` (in order of preference)."""
        for path in candidates:
            lines = self.lines(path)
            for needle in needles:
                for number, line in enumerate(lines, start=1):
                    if needle in line:
                        return path, number
        return None

    def at(self, doc: str, needles: list[str]) -> tuple[str, int] | None:
        candidates = self.page_sources(doc)
        found = self.find(candidates, [n for n in needles if n])
        if found:
            return self.shown(found[0]), found[1]
        if candidates:
            return self.shown(candidates[0]), 1
        return None


def record_problem(level: str, message: str, sources: Sources) -> list[Problem]:
    """One MkDocs log message as problems at the files (and lines) it is about."""
    level = "error" if level in ("ERROR", "CRITICAL") else "warning"
    text = message.strip()
    own = _own_problems(text, sources)
    if own:
        return own
    link = _DOC_LINK.match(text)
    if link:
        target = link.group("target")
        place = sources.at(link.group("doc"), [f"]({target}", f'"{target}"', target])
        return [_placed(place, text, level)]
    nav = _NAV.match(text)
    if nav:
        entries = config_entries(sources.config_file)
        line = config_line(entries, ("nav",), f"'{nav.group('target')}'")
        return [Problem(sources.shown(sources.config_file), line, one_line(text), level)]
    doc = _POST.search(text) or _PAGE.match(text)
    if doc:
        # Look for the value the message quotes (e.g. a category) in the post's own file.
        quoted = [q for q in quoted_values(text) if not _names_a_file(q, doc.group("doc"), sources)]
        place = sources.at(_in_docs(doc.group("doc"), sources), quoted)
        return [_placed(place, text, level)]
    return [Problem("", 0, one_line(text), level)]


def _names_a_file(quoted: str, doc: str, sources: Sources) -> bool:
    """A quoted path (the post, the docs folder) is where, not what, to look for."""
    return quoted == doc or quoted.endswith(".md") or (sources.root / quoted).exists()


def _in_docs(doc: str, sources: Sources) -> str:
    """The blog plugin names posts from its own folder or from docs_dir: a docs_dir path."""
    if sources.docs_dir is not None and not (sources.docs_dir / doc).is_file():
        for candidate in sources.docs_dir.rglob(Path(doc).name):
            if candidate.as_posix().endswith(doc):
                return candidate.relative_to(sources.docs_dir).as_posix()
    return doc


def _placed(place: tuple[str, int] | None, text: str, level: str) -> Problem:
    if place is None:
        return Problem("", 0, one_line(text), level)
    return Problem(place[0], place[1], one_line(text), level)


def _own_problems(text: str, sources: Sources) -> list[Problem]:
    """Lines that already read `path:line: ...` for a file of the project (the content
    loader's listing, an email error), each as a problem; the lines around them dropped."""
    found = []
    for line in text.splitlines():
        match = _PATH_LINE.match(line.strip())
        if match and (sources.root / match.group("path")).exists():
            level = "warning" if ": warning: " in line else "error"
            found.append(Problem(match.group("path"), int(match.group("line")),
                                 match.group("message"), level))
    return found


def exception_problem(error: BaseException, sources: Sources) -> Problem:
    """An exception out of the build (a template's, most often) at its file and line."""
    import jinja2

    message = one_line(str(error)) or type(error).__name__
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        path = Path(error.filename)
        if _inside(path, sources.root):
            return Problem(sources.shown(path), error.lineno or 1, message)
    if isinstance(error, jinja2.TemplateError):
        message = f"{message} ({type(error).__name__})"
    # The innermost frame in a file of the project that is not code: the template line.
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        if path.suffix != ".py" and _inside(path, sources.root) and path.is_file():
            return Problem(sources.shown(path), frame.lineno or 1, message)
    # Not a file an editor wrote: say where the code stopped, for whoever looks into it.
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = Path(frames[-1].filename)
        where = f" (raised at {'/'.join(last.parts[-2:])}:{frames[-1].lineno})"
    return Problem("", 0, f"{type(error).__name__}: {message}{where}")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


_NOISE = re.compile(r"^(?:Aborted with |Error building page '[^']+':?\s*$)")


def build_problems(records, error: BaseException | None, sources: Sources) -> list[Problem]:
    """Every problem of a failed build: its log's warnings and errors, then the exception
    that stopped it (unless the log already said it), each once."""
    problems: list[Problem] = []
    for level, _, message in records:
        if _NOISE.match(message.strip()):
            continue
        problems += record_problem(level, message, sources)
    if error is not None and not _is_summary(error):
        # A template's error is placed at the template; MkDocs' log names only the page.
        text = one_line(str(error))
        placed = exception_problem(error, sources)
        mentioned = [p for p in problems if text and text in p.message]
        if placed.path or not mentioned:
            problems = [p for p in problems if p not in mentioned] + [placed]
    unique: list[Problem] = []
    for problem in problems:
        if problem not in unique:
            unique.append(problem)
    return unique


def _is_summary(error: BaseException) -> bool:
    """MkDocs' closing "Aborted with ..." and the plugin errors it has logged already."""
    from mkdocs.exceptions import Abort

    return isinstance(error, Abort)
