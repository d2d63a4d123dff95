"""Reading `content/` and `issues/` into the model, with every problem's file and line.

A file is Markdown with YAML front matter between `---` lines. The front matter is
composed by `safeyaml` (no aliases, bounded depth, no key given twice), so each key's
line is known before pydantic validates the values; a validation error is then
reported at the line of the key it is about. Only the files `paths.scan` accepts are
read (nothing a symlink brings in from outside), and no text nested deeper than
`nesting.MAX_NESTING` reaches a Markdown converter. All files are read and every
problem is collected: one run reports them all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import typing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml
from pydantic import BaseModel, ValidationError

from catalyst import urls
from catalyst.content import nesting, paths, safeyaml
from catalyst.content.model import (
    SLUG_LIMIT,
    Catalyzer,
    Issue,
    Library,
    Page,
    Post,
    Resource,
    build_now,
    locate,
    slugify,
)
from catalyst.errors import ContentError, Problem
from catalyst.settings import Settings

_FENCE = re.compile(r"^---[ \t]*$")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
# An image path inside content/: plain names, no `..`, no query, no percent-escapes.
_IMAGE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
# Why a loader-filled key is not front matter.
_FILLED_FROM = {
    "slug": "from the file's name",
    "source": "from the file's path",
    "body": "from the text below the front matter",
    "heading": "from the first '# ' heading",
}


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


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (through Optional, list, Annotated, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models(arg)
    return found


def _pick(models: list[type[BaseModel]], data) -> type[BaseModel] | None:
    if len(models) == 1:
        return models[0]
    kind = data.get("kind") if isinstance(data, dict) else None
    for model in models:
        field = model.model_fields.get("kind")
        if field is not None and kind in typing.get_args(field.annotation):
            return model
    return None


def _model_at(model: type[BaseModel], path: tuple, data) -> type[BaseModel] | None:
    """The model that validates the mapping at `path` of the front matter."""
    models = [model]
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
            continue
        current = _pick(models, data)
        field = current.model_fields.get(part) if current else None
        if field is None:
            return None
        models = _models(field.annotation)
        data = data.get(part) if isinstance(data, dict) else None
    return _pick(models, data)


def _unknown_field(model: type[BaseModel], path: tuple, meta: dict) -> str:
    """'unknown field 'x', did you mean 'y'? (allowed: ...)', for the mapping holding it."""
    name = str(path[-1])
    message = f"unknown field '{name}'"
    owner = _model_at(model, path[:-1], meta)
    if owner is None:
        return message + " (check its spelling)"
    allowed = (
        owner.front_matter_fields()
        if hasattr(owner, "front_matter_fields")
        else sorted(owner.model_fields)
    )
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        message += f", did you mean '{close[0]}'?"
    return f"{message} (allowed: {', '.join(allowed)})"


def _message(error: dict, model: type[BaseModel]) -> tuple[str, tuple]:
    """An editor's wording for one pydantic error, and any field it names."""
    kind = error["type"]
    message = error["msg"]
    value = error.get("input")
    named: tuple = ()
    if kind == "missing":
        return "required field missing", named
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
    """Build `model` from a document's front matter; every error as a Problem.

    Keys the loader fills in (`model.loader_fields`) are refused at their line, never
    silently replaced."""
    problems = []
    data = dict(doc.meta)
    for key in sorted(getattr(model, "loader_fields", ()) & data.keys()):
        del data[key]
        why = _FILLED_FROM.get(key, "")
        problems.append(
            Problem(
                doc.path,
                locate(doc.lines, (key,)),
                f"{key}: not a front-matter field here: Catalyst fills it in {why}; remove it",
            )
        )
    try:
        item = model.model_validate({**data, **extra})
    except ValidationError as errors:
        item = None
        seen = set()
        for error in errors.errors():
            path = _field_path(error["loc"], doc.meta)
            if error["type"] == "extra_forbidden":
                text = _unknown_field(model, path, doc.meta)
                parent = _dotted(path[:-1])
                line = locate(doc.lines, path)
                message = f"{parent}: {text}" if parent else text
            else:
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
    return (item if not problems else None), problems


# ---------------------------------------------------------------------------- loading


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
        self.scan = paths.Scan()
        self.read: set[Path] = set()  # every file read as typed content

    def shown(self, path: Path) -> str:
        """A path as editors know it: from the project's root, symlinks not followed."""
        text, root = str(path), os.path.join(str(self.settings.root), "")
        shown = text[len(root) :] if text.startswith(root) else text
        return shown.replace(os.sep, "/")

    def _markdown_files(self, folder: Path, *, index: bool = False) -> list[Path]:
        return [
            path
            for path in self.scan.under(folder, ".md")
            if index or path.name != "index.md"
        ]

    def _read(self, path: Path, *, required: bool = True) -> Document | None:
        self.read.add(path)
        try:
            doc = read_document(path, self.shown(path), required=required)
        except ContentError as error:
            self.problems.extend(error.problems)
            return None
        self.library.lines[doc.path] = doc.lines
        return doc

    def _problem(self, doc: Document, loc: tuple, message: str, level="error") -> None:
        line = locate(doc.lines, loc)
        self.problems.append(Problem(doc.path, line, message, level))

    def load(self) -> Library:
        self.scan = paths.scan(self.settings)
        self.problems.extend(self.scan.problems)
        docs = self.settings.docs_dir
        self._load_posts(docs / urls.POSTS_DIR)
        self._load_keyed(docs / urls.RESOURCES_DIR, Resource, self.library.resources, "resource")
        self._load_keyed(
            docs / urls.CATALYZERS_DIR, Catalyzer, self.library.catalyzers, "catalyzer"
        )
        self._load_issues(self.settings.issues_dir)
        self._load_pages(docs)
        self.problems.extend(self.library.problems())
        return self.library

    def _load_posts(self, folder: Path) -> None:
        authors = self._authors(folder.parent / ".authors.yml")
        allowed = self.settings.blog_categories
        # The blog plugin takes every Markdown file under posts/ as a post, index.md included.
        for path in self._markdown_files(folder, index=True):
            doc = self._read(path)
            if doc is None:
                # Its slug is unknown; posts are named for it, so references to it say nothing.
                self.library.invalid.add(path.stem)
                continue
            heading = _first_heading(doc.body)
            post, problems = validate(Post, doc)
            self.problems.extend(problems)
            if post is None:
                guess = doc.meta.get("slug") or slugify(
                    str(doc.meta.get("title") or heading or path.stem)
                )
                self.library.invalid.add(str(guess))
                continue
            if not (post.title or heading):
                self._problem(doc, (), "title: the post needs a '# Title' heading or `title:`")
                continue
            post = post.model_copy(
                update={"source": doc.path, "heading": heading, "body": doc.body}
            )
            if len(post.key) > SLUG_LIMIT:
                self._problem(
                    doc,
                    ("slug",) if post.slug else ("title",) if post.title else (),
                    f"slug: '{post.key[:40]}...' is {len(post.key)} characters, more than "
                    f"{SLUG_LIMIT}: give the post a shorter `slug:`",
                )
                self.library.invalid.add(post.key)
                continue
            if authors is not None:
                for n, author in enumerate(post.authors):
                    if author not in authors:
                        self._problem(
                            doc,
                            ("authors", n),
                            f"authors[{n}]: no author '{author}' in blog/.authors.yml",
                        )
            for n, category in enumerate(post.categories if allowed else ()):
                if category not in allowed:
                    message = (
                        f"categories[{n}]: '{category}' is not in the blog's categories_allowed "
                        f"(mkdocs.yml): {', '.join(allowed)}"
                    )
                    close = difflib.get_close_matches(category, allowed, n=1, cutoff=0.6)
                    if close:
                        message += f"; did you mean '{close[0]}'?"
                    self._problem(doc, ("categories", n), message)
            self._check_images(doc, post)
            self._add(doc, post.key, post, self.library.posts, "post", ("slug",))

    def _authors(self, path: Path) -> set[str] | None:
        if path not in self.scan.files:
            return None
        shown = self.shown(path)
        try:
            data = safeyaml.parse(read_source(path, shown)).value or {}
        except ContentError as error:
            self.problems.extend(error.problems)
            return None
        except safeyaml.YamlProblems as error:
            self.problems.extend(Problem(shown, line, what) for line, what in error.problems)
            return None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            self.problems.append(Problem(shown, line, f"not valid YAML: {error}"))
            return None
        found = data.get("authors") if isinstance(data, dict) else None
        if not isinstance(found, dict):
            self.problems.append(Problem(shown, 1, "needs an `authors:` mapping of keys"))
            return None
        return set(found)

    def _load_keyed(self, folder: Path, model, into: dict, what: str) -> None:
        for path in self._markdown_files(folder):
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
        for path in self.scan.under(folder, ".md", recursive=False):
            doc = self._read(path)
            if doc is None:
                continue
            if not urls.ISSUE_FILE.match(path.name):
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

    def _load_pages(self, docs: Path) -> None:
        """Every other page MkDocs will render: the same bounds, and a page's known keys."""
        for path in self.scan.under(docs, ".md"):
            if path in self.read:
                continue
            doc = self._read(path, required=False)
            if doc is None:
                continue
            page, problems = validate(Page, doc)
            self.problems.extend(problems)
            if page is not None:
                self._check_images(doc, page)

    def _add(self, doc: Document, key: str, item, into: dict, what: str, loc: tuple) -> None:
        other = into.get(key)
        if other is not None:
            self._problem(doc, loc, f"duplicate {what} slug '{key}' (also {other.source})")
            return
        into[key] = item

    def _check_images(self, doc: Document, item) -> None:
        """Every image an item names is an https:// URL, or a PNG or JPG inside content/."""
        docs = self.settings.docs_dir
        for loc, value in _images(item):
            if re.match(r"^https://[^\s/]+", value, re.IGNORECASE):
                continue
            label = _dotted(loc)
            problem = None
            if value.lower().startswith(("http://", "//")):
                problem = f"use an https:// URL ('{value}')"
            elif re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE):
                problem = f"'{value}' is neither a path inside content/ nor an https:// URL"
            elif value.startswith(("/", "\\")):
                problem = (
                    f"'{value}' is an absolute path: write it from content/, "
                    f"e.g. '{value.lstrip('/')}'"
                )
            elif ".." in PurePosixPath(value).parts or not _IMAGE_PATH.match(value):
                problem = (
                    f"'{value}' must be a plain path inside content/ "
                    "(letters, digits, '-', '_', '.', '/'; no '..')"
                )
            elif PurePosixPath(value).suffix.lower() not in urls.IMAGE_SUFFIXES:
                problem = f"'{value}' must be PNG or JPG (email clients need them)"
            else:
                target = docs / value
                real = paths.resolved(target)
                if real is None or not real.is_file():
                    problem = f"image '{value}' not found (looked for {self.shown(target)})"
                elif not paths.inside(real, paths.trees(self.settings)):
                    problem = f"image '{value}' leads outside the repository's content"
            if problem:
                self._problem(doc, loc, f"{label}: {problem}")


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
