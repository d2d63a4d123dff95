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
from pathlib import Path, PurePosixPath

import yaml

from catalyst import urls
from catalyst.content import paths, safeyaml
from catalyst.content.frontmatter import Document, read_document, read_source
from catalyst.content.library import Library, locate
from catalyst.content.publishing import build_now
from catalyst.content.schema import SLUG_LIMIT, Catalyzer, Issue, Page, Post, Resource, slugify
from catalyst.content.validation import (
    dotted,
    validate,
)
from catalyst.errors import ContentError, Problem
from catalyst.settings import Settings

_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


# An image path inside content/: plain names, no `..`, no query, no percent-escapes.
_IMAGE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")


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
            label = dotted(loc)
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
        value = _named(item, name)
        if isinstance(value, str):
            found.append(((name,), value))
    for n, section in enumerate(_named(item, "sections") or []):
        image = _named(section, "image")
        if image:
            found.append((("sections", n, "image"), image))
        for m, sub in enumerate(_named(section, "items") or []):
            image = _named(sub, "image")
            if isinstance(image, str):
                found.append((("sections", n, "items", m, "image"), image))
    return found


_NAMED: dict[tuple[type, str], bool] = {}


def _named(obj, name: str):
    """`getattr(obj, name, None)`, at once for a name a model's class never has: a pydantic
    model's miss goes through two slow `__getattr__`s (some 7,000 misses a load)."""
    kind = type(obj)
    known = _NAMED.get((kind, name))
    if known is None:
        fields = getattr(kind, "__pydantic_fields__", None)
        if fields is None or getattr(kind, "model_config", {}).get("extra") == "allow":
            known = True  # not a model, or one whose instances may have any attribute
        else:
            known = name in fields or hasattr(kind, name)
        _NAMED[(kind, name)] = known
    return getattr(obj, name, None) if known else None


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
