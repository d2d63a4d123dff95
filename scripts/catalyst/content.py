"""Reading `content/` and `issues/` into the model, with every problem's file and line.

A file is Markdown with YAML front matter between `---` lines. PyYAML composes the
front matter into nodes first, so each key's line is known before pydantic validates
the values; a validation error is then reported at the line of the key it is about.
All files are read and every problem is collected: one run reports them all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from .config import Settings
from .model import (
    Catalyzer,
    Issue,
    Library,
    Post,
    Problem,
    Resource,
    build_now,
    locate,
    slugify,
)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
# libyaml's parser, when PyYAML has it (its wheels do): 9x faster, with the same marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FENCE = re.compile(r"^---[ \t]*$")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_ISSUE_FILE = re.compile(r"^\d{4}-\d{2}\.md$")


class ContentError(Exception):
    """The content has problems; `problems` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Document:
    """A Markdown file split into front matter (with key lines) and body."""

    path: str  # as shown to editors: relative to the project root
    meta: dict
    body: str
    body_line: int  # 1-based line where the body starts
    lines: dict[tuple, int]  # field path -> 1-based line


def read_document(file: Path, shown: str) -> Document:
    """Split and parse one file; raise ContentError naming file and line."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError([Problem(shown, 1, f"not UTF-8 text ({error.reason})")]) from None
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise ContentError(
            [Problem(shown, 1, "no front matter: the file must start with a '---' line")]
        )
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise ContentError([Problem(shown, 1, "front matter never closed: add a '---' line")])
    source = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else {}
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
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        raise ContentError([Problem(shown, 2, "front matter must be a mapping of `key: value`")])
    index: dict[tuple, int] = {(): 1}
    if node is not None:
        _index_lines(node, (), index)
    return Document(shown, meta, body, end + 2, index)


def _index_lines(node: yaml.Node, path: tuple, index: dict[tuple, int]) -> None:
    # Front matter starts on the file's line 2; YAML marks are 0-based.
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                here = (*path, key.value)
                index[here] = key.start_mark.line + 2
                _index_lines(value, here, index)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            here = (*path, n)
            index[here] = item.start_mark.line + 2
            _index_lines(item, here, index)


# ---------------------------------------------------------------------------- validation


def _field_path(loc: tuple, data) -> tuple:
    """pydantic's `loc` without the union tags it inserts (e.g. sections.0.story.title)."""
    path: list = []
    for n, part in enumerate(loc):
        last = n == len(loc) - 1
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        elif isinstance(data, dict) and (not last or data.get("kind") == part):
            continue  # a discriminator tag: not a key of the file
        else:
            data = None
        path.append(part)
    return tuple(path)


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: dict, model: type[BaseModel]) -> tuple[str, tuple]:
    """An editor's wording for one pydantic error, and any field it names."""
    kind = error["type"]
    message = error["msg"]
    value = error.get("input")
    named: tuple = ()
    if kind == "missing":
        return "required field missing", named
    if kind == "extra_forbidden":
        return "unknown field (check its spelling)", named
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        head = re.match(r"^([a-z_]+)(?:/([a-z_]+))?: ", message)
        if head:
            named = tuple(h for h in head.groups() if h)
            # "photo_alt is missing" is best shown at the photo it belongs to.
            named += tuple(n.removesuffix("_alt") for n in named if n.endswith("_alt"))
        return message, named
    if kind == "union_tag_invalid":
        allowed = message.split("expected tags: ", 1)[-1]
        tag = value.get("kind") if isinstance(value, dict) else value
        return f"kind: {tag!r} is not one of {allowed}", ("kind",)
    if kind == "literal_error":
        allowed = message.split("Input should be ", 1)[-1]
        return f"{value!r} is not one of {allowed}", named
    if kind.startswith("datetime_"):
        return f"{value!r} is not a date and time (write 2023-06-06T09:00:00-04:00)", named
    if kind.startswith("date_"):
        return f"{value!r} is not a date (write YYYY-MM-DD)", named
    if value is not None and not isinstance(value, (dict, list)):
        return f"{message} (got {value!r})", named
    return message, named


def validate(model: type[BaseModel], doc: Document, **extra) -> tuple[object | None, list]:
    """Build `model` from a document's front matter; every error as a Problem."""
    try:
        return model.model_validate({**doc.meta, **extra}), []
    except ValidationError as errors:
        problems = []
        seen = set()
        for error in errors.errors():
            path = _field_path(error["loc"], doc.meta)
            text, named = _message(error, model)
            label = _dotted(path)
            if named:
                # A rule over several fields names them; point at the first the file has.
                candidates = [(*path, name) for name in named]
                line = next(
                    (doc.lines[c] for c in candidates if c in doc.lines),
                    locate(doc.lines, path),
                )
                message = f"{label}.{text}" if label else text
            else:
                line = locate(doc.lines, path)
                message = f"{label}: {text}" if label else text
            if (line, message) not in seen:
                seen.add((line, message))
                problems.append(Problem(doc.path, line, message))
        return None, problems


# ---------------------------------------------------------------------------- loading


def _markdown_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.md") if p.name != "index.md")


def _first_heading(body: str) -> str:
    match = _HEADING.search(body)
    return match.group(1).strip() if match else ""


class Loader:
    """Reads every content file into a Library, collecting problems as it goes."""

    def __init__(
        self, settings: Settings, *, preview: bool = False, now: dt.datetime | None = None
    ):
        self.settings = settings
        self.library = Library(now=now or build_now(), preview=preview)
        self.problems: list[Problem] = []

    def shown(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.settings.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _read(self, path: Path) -> Document | None:
        try:
            doc = read_document(path, self.shown(path))
        except ContentError as error:
            self.problems.extend(error.problems)
            return None
        self.library.lines[doc.path] = doc.lines
        return doc

    def _problem(self, doc: Document, loc: tuple, message: str, level="error") -> None:
        line = locate(doc.lines, loc)
        self.problems.append(Problem(doc.path, line, message, level))

    def load(self) -> Library:
        docs = self.settings.docs_dir
        self._load_posts(docs / "blog" / "posts")
        self._load_keyed(docs / "resources", Resource, self.library.resources, "resource")
        self._load_keyed(docs / "catalyzers", Catalyzer, self.library.catalyzers, "catalyzer")
        self._load_issues(self.settings.issues_dir)
        self.problems.extend(self.library.problems())
        return self.library

    def _load_posts(self, folder: Path) -> None:
        authors = self._authors(folder.parent / ".authors.yml")
        for path in _markdown_files(folder):
            doc = self._read(path)
            if doc is None:
                continue
            heading = _first_heading(doc.body)
            post, problems = validate(Post, doc)
            self.problems.extend(problems)
            if post is None:
                guess = doc.meta.get("slug") or slugify(doc.meta.get("title") or heading)
                self.library.invalid.add(str(guess))
                continue
            if not (post.title or heading):
                self._problem(doc, (), "title: the post needs a '# Title' heading or `title:`")
                continue
            post = post.model_copy(
                update={"source": doc.path, "heading": heading, "body": doc.body}
            )
            if authors is not None:
                for n, author in enumerate(post.authors):
                    if author not in authors:
                        self._problem(
                            doc,
                            ("authors", n),
                            f"authors[{n}]: no author '{author}' in blog/.authors.yml",
                        )
            self._add(doc, post.key, post, self.library.posts, "post", ("slug",))

    def _authors(self, path: Path) -> set[str] | None:
        if not path.is_file():
            return None
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            self.problems.append(Problem(self.shown(path), line, f"not valid YAML: {error}"))
            return None
        return set((data.get("authors") or {}).keys())

    def _load_keyed(self, folder: Path, model, into: dict, what: str) -> None:
        for path in _markdown_files(folder):
            slug = path.stem
            doc = self._read(path)
            if doc is None:
                self.library.invalid.add(slug)
                continue
            item, problems = validate(model, doc)
            self.problems.extend(problems)
            if item is None:
                self.library.invalid.add(slug)
            if slug != slugify(slug):
                self._problem(
                    doc, (), f"file name: '{slug}' is not a slug; rename it '{slugify(slug)}.md'"
                )
            if item is None:
                continue
            item = item.model_copy(update={"slug": slug, "source": doc.path, "body": doc.body})
            self._check_images(doc, item)
            self._add(doc, slug, item, into, what, ())

    def _load_issues(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.md")):
            doc = self._read(path)
            if doc is None:
                continue
            if not _ISSUE_FILE.match(path.name):
                self._problem(doc, (), "file name: an issue is named YYYY-MM.md")
            issue, problems = validate(Issue, doc)
            self.problems.extend(problems)
            if issue is None:
                continue
            if issue.month != path.stem:
                self._problem(
                    doc,
                    ("month",),
                    f"month: '{issue.month}' does not match the file name '{path.name}'",
                )
            issue = issue.model_copy(update={"source": doc.path, "body": doc.body})
            self._check_images(doc, issue)
            self.library.issues[path.stem] = issue

    def _add(self, doc: Document, key: str, item, into: dict, what: str, loc: tuple) -> None:
        other = into.get(key)
        if other is not None:
            self._problem(doc, loc, f"duplicate {what} slug '{key}' (also {other.source})")
            return
        into[key] = item

    def _check_images(self, doc: Document, item) -> None:
        """Every image an item names exists under content/ and is PNG or JPG."""
        for loc, value in _images(item):
            if re.match(r"^https://", value):
                continue
            label = _dotted(loc)
            if value.startswith(("http://", "//")):
                self._problem(doc, loc, f"{label}: use an https:// URL ('{value}')")
                continue
            target = self.settings.docs_dir / value.lstrip("/")
            if Path(value).suffix.lower() not in IMAGE_SUFFIXES:
                self._problem(
                    doc, loc, f"{label}: '{value}' must be PNG or JPG (email clients need them)"
                )
            elif not target.is_file():
                shown = self.shown(target)
                self._problem(doc, loc, f"{label}: image '{value}' not found (looked for {shown})")


def _images(item) -> list[tuple[tuple, str]]:
    found: list[tuple[tuple, str]] = []
    for name in ("image", "photo"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            found.append(((name,), value))
    for n, section in enumerate(getattr(item, "sections", []) or []):
        image = getattr(section, "image", None)
        if image:
            found.append((("sections", n, "image"), image))
        for m, sub in enumerate(getattr(section, "items", []) or []):
            image = getattr(sub, "image", None)
            if isinstance(image, str):
                found.append((("sections", n, "items", m, "image"), image))
    return found


def load(
    settings: Settings, *, preview: bool = False, now: dt.datetime | None = None
) -> tuple[Library, list[Problem]]:
    """Read everything; return the library and every problem found (empty when clean).

    The library publishes at `now` (default: `build_now()`, the clock or SOURCE_DATE_EPOCH);
    with `preview`, its views also show what is upcoming."""
    loader = Loader(settings, preview=preview, now=now)
    library = loader.load()
    problems = sorted(set(loader.problems), key=lambda p: (p.path, p.line, p.message))
    return library, problems
