"""Speed-ups for Material's blog plugin, applied by the catalyst plugin: same output, less work.

Profiling a plain Material 9.8 blog build of 1,000 posts (scripts/benchmark.py, cProfile)
found three costs that grow faster than the number of posts:

1. `page in blog.posts`, asked by the blog plugin for every page in several events, is a
   linear scan whose every step calls MkDocs' `Page.__eq__`, which compares *titles*, a
   computed property. With 3,500 pages and 1,000 posts that is 7.6 million comparisons,
   a quarter of the build. Posts are unique objects (one per file), so membership by
   identity gives the same answers in constant time.
2. Each excerpt on an index, archive or category page converts the *whole* post to HTML,
   then keeps what precedes `<!-- more -->`: a post is converted once per view it appears
   in (four times here). When nothing after the separator can change the part before it
   (no reference, footnote or abbreviation definitions, no HTML block or fence open across
   it, no table of contents taken from excerpts), converting the part before it gives the
   same excerpt; otherwise the plugin's own rendering runs.
3. Even so, an excerpt is converted again for each view, as its links are written relative to
   the view's URL (MkDocs' and the blog's tree processors set each `href` and `src`). Views at
   one depth of the blog (the index's later pages, archives, categories) mostly write them
   alike: a conversion is given again to a view from which every relative link in it reads
   the same, found by resolving each against the view it was converted for (a conversion
   that logged anything is not kept, so each message is still given for every view).

All three are checked by a test that builds a site with and without them and compares every
file. They rely on Material's private code, so they are checked at start-up (`usable`):
the installed Material must be of the release series they were written against, its blog
plugin's code must hash as recorded, and so must the source of each function they replace,
mirror or rely on. On any mismatch they step aside with one warning, and Material's own code
runs. A release that changes nothing of the blog plugin (9.8.2 fixed the privacy plugin only)
keeps them on, so a security fix elsewhere in Material never costs the speed-ups.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import html as html_lib
import importlib
import inspect
import logging
import pathlib
import posixpath
import re
import types
from importlib import metadata
from urllib.parse import urlsplit

from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_relative_url

# Checked at start-up (see `mismatch`): the Material series these speed-ups were written
# against (checked with 9.8.1 and 9.8.2), the code of its whole blog plugin, and the source of
# every function they replace, mirror or rely on. Anything else: Material's own code runs, after
# one warning. To accept a new Material, compare its code with `_render_head` and `Posts`, run
# tests/test_fastblog.py, and record its series, `blog_plugin_digest()` and `fingerprints()` here.
MATERIAL_SERIES = "9.8"
BLOG_PLUGIN = "dcbfe353f1941a054ec9acdb601d7cf42197e4028515f6ecbce7b253841da26b"
SOURCES = {
    # Mirrored line by line by `_render_head`, which also reads `post._title_from_render`.
    "material.plugins.blog.structure:Excerpt.render":
        "6ee38b3efd751ef5996bf852d21008bf7e504476671a6b1b9d5025110899c27a",
    # Where `_title_from_render` is set.
    "mkdocs.structure.pages:Page.render":
        "320529348f7a8af152073d0a3ab02960ccce91f9204716144e51b20931983cc6",
    # What a view's URL changes in a conversion (3 above): each resolved link, written by this
    # function, of a File.url that is quoted (so no colon), relative to the view.
    "mkdocs.structure.pages:_RelativePathTreeprocessor.path_to_url":
        "e70ebc9605514fabbcc58a1fb2c5bcf7059ef2a15911cf91cbe465587ccf73e7",
    "mkdocs.utils:get_relative_url":
        "4d13309f3b8efbb99fdb52f3d7236765f61c81a2a37385defe6f7c7bf39a8461",
    "mkdocs.structure.files:File._get_url":
        "c0ffaed6c1b638bbb4168f8db0702f75b1b0b6bdd3a225a26c674a1c8f13953c",
    # The comparison that membership by identity (`Posts`) stands in for.
    "mkdocs.structure.pages:Page.__eq__":
        "4acfdc0ab76ca88debc907fee0d61c06fccc04155e437b7cd4381be4c00e8b6d",
}


def fingerprints(names=SOURCES) -> dict[str, str | None]:
    """The sha256 of the source of each function named (in SOURCES unless told), as installed
    (None: gone). The page cache's guards (build_hooks.py, lazy_excerpts.py) use it too."""
    found: dict[str, str | None] = {}
    for name in names:
        module, _, qualname = name.partition(":")
        try:
            target = importlib.import_module(module)
            for part in qualname.split("."):
                target = getattr(target, part)
            source = inspect.getsource(target)
        except (ImportError, AttributeError, OSError, TypeError):
            found[name] = None
            continue
        found[name] = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return found


@functools.cache  # the code a process runs is the code it imported: read it once, not per save
def blog_plugin_digest() -> str | None:
    """The sha256 of every Python file of the installed blog plugin, by path (None: gone)."""
    try:
        root = pathlib.Path(importlib.import_module("material.plugins.blog").__file__).parent
    except (ImportError, TypeError):
        return None
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def mismatch() -> str | None:
    """Why the speed-ups cannot vouch for the installed Material, or None when they can."""
    try:
        version = metadata.version("mkdocs-material")
    except metadata.PackageNotFoundError:
        version = "none"
    if version.split(".")[:2] != MATERIAL_SERIES.split("."):
        return f"mkdocs-material is {version}, they were checked against {MATERIAL_SERIES}.x"
    if blog_plugin_digest() != BLOG_PLUGIN:
        return f"mkdocs-material {version}'s blog plugin is not the code they were checked against"
    for name, digest in fingerprints().items():
        if digest is None:
            return f"{name} is gone"
        if digest != SOURCES[name]:
            return f"{name} has changed"
    return None


def usable(log: logging.Logger) -> bool:
    """True when the speed-ups may run; else says why, once, and Material's code runs."""
    why = mismatch()
    if why is None:
        return True
    log.warning("catalyst: blog speed-ups off, Material's own code runs: %s "
                "(see catalyst/site/blog_speedups.py)", why)
    return False


# Lines after the separator that can change how the part before it renders.
_DEFINITIONS = re.compile(r"^\s{0,3}(\[[^\]]+\]:|\*\[[^\]]+\]:)", re.MULTILINE)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)", re.MULTILINE)
_HTML_BLOCK = re.compile(r"\bmarkdown(=|\s*>)|<(div|details|figure|table|section)\b", re.I)
# The attributes MkDocs' and the blog's tree processors write a view's relative URLs into.
_LINK = re.compile(r'\b(?:href|src)="([^"]*)"')
MAX_VIEWS = 8  # conversions kept per excerpt: one per distinct set of relative links


class Posts(list):
    """The blog's posts, with `in` by identity (see 1 above); otherwise a plain list."""

    def __init__(self, posts):
        super().__init__(posts)
        self._ids = frozenset(map(id, self))

    def __contains__(self, page) -> bool:
        return id(page) in self._ids


def speed_up_membership(blog_plugin) -> None:
    """Swap the blog's post list for one with constant-time membership."""
    blog = getattr(blog_plugin, "blog", None)
    if blog is not None and not isinstance(blog.posts, Posts):
        blog.posts = Posts(blog.posts)


def _head_is_enough(markdown: str, separator: str) -> bool:
    head, found, tail = markdown.partition(separator)
    if not found or not tail.strip():
        return False
    if _DEFINITIONS.search(tail):
        return False
    if len(_FENCE.findall(head)) % 2:  # the separator sits inside a code block
        return False
    return not _HTML_BLOCK.search(head)


def _render_head(self, page, separator: str) -> None:
    """Excerpt.render for the view `page`: a conversion for another view given again when
    none of its links would change (see 3 above), else `_convert_head`."""
    views = vars(self).setdefault("_catalyst_views", [])
    for view in views:
        if view.fits(page.url):
            self.content, self.more = view.content, view.more
            self.toc = get_toc(view.toc)
            return
    with _Listen() as heard:
        _convert_head(self, page, separator)
    if not heard.records and len(views) < MAX_VIEWS:  # a message would be given once only
        views.append(_View.of(self, page.url))


def _convert_head(self, page, separator: str) -> None:
    """Excerpt.render, converting only what precedes the separator (see 2 above).

    Mirrors material/plugins/blog/structure/__init__.py:Excerpt.render line by line,
    except for the Markdown it converts.
    """
    if not _head_is_enough(self.post.markdown, separator):
        return type(self).render(self, page, separator)
    self.file.url = page.url
    at = self.md.treeprocessors.get_index_for_name("excerpt")
    self.md.treeprocessors[at].base = page

    self.markdown = self.post.markdown
    head = self.post.markdown.partition(separator)[0]
    if not self.post._title_from_render:
        self.markdown = "\n\n".join([f"# {self.post.title}", self.markdown])
        head = "\n\n".join([f"# {self.post.title}", head])

    # The plugin shows `more` only as a flag ("Continue reading"): the tail is not needed.
    content = self.md.convert(f"{head}{separator}\n\nmore\n")
    self.content, *more = content.split(separator, 1)
    self.more = more[0] if more else None
    self.toc = get_toc(getattr(self.md, "toc_tokens", []))
    self.file.url = self.post.url


class _Listen(logging.Handler):
    """Every record logged anywhere while it is entered (the root logger's handler)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> _Listen:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)


class _View:
    """An excerpt as converted for one view, with what its links point at (see 3 above)."""

    def __init__(self, url: str, content: str, more, toc: list, links: list | None) -> None:
        self.url, self.content, self.more, self.toc = url, content, more, toc
        self._links = links  # (relative path as written, the URL it resolves to); None: unsure

    @classmethod
    def of(cls, excerpt, url: str) -> _View:
        toc = copy.deepcopy(getattr(excerpt.md, "toc_tokens", []))
        html = excerpt.content + (excerpt.more or "")
        return cls(url, excerpt.content, excerpt.more, toc, _links(html, url))

    def fits(self, url: str) -> bool:
        """Whether converting for a view at `url` gives this same HTML: every relative link
        in it is written the same from `url` as from the view it was converted for."""
        if url == self.url:
            return True
        if self._links is None:
            return False
        return all(get_relative_url(target, url) == path for path, target in self._links)


def _links(html: str, url: str) -> list[tuple[str, str]] | None:
    """Each relative link path of `html` (an href or src) and the URL it points at from a page
    at `url`; None when one does not read back to itself (then the view is not reused)."""
    found = []
    base = url.rpartition("/")[0] if "." in url.rpartition("/")[2] else url
    for value in _LINK.findall(html):
        value = html_lib.unescape(value)
        try:
            parts = urlsplit(value)
        except ValueError:
            return None
        # Left as written, so the same from every view: what MkDocs does not resolve (a URL,
        # an absolute path, an anchor or query alone). A resolved one has no colon: File.url
        # is quoted.
        if parts.scheme or parts.netloc or value.startswith(("/", "\\")) or not parts.path:
            continue
        path = parts.path
        target = posixpath.normpath(posixpath.join("/" + base, path)).lstrip("/")
        if path.endswith("/") and target:
            target += "/"
        if get_relative_url(target, url) != path:
            return None
        found.append((path, target))
    return found


def speed_up_excerpts(blog_plugin) -> None:
    """Give each post's excerpt the head-only rendering, unless excerpts feed a TOC."""
    config = blog_plugin.config
    tocs = (
        config.blog_toc,
        config.archive_toc,
        config.categories_toc,
        config.authors_profiles_toc,
    )
    if any(tocs):
        return
    blog = getattr(blog_plugin, "blog", None)
    for post in getattr(blog, "posts", []):
        excerpt = getattr(post, "excerpt", None)
        if excerpt is not None and "render" not in vars(excerpt):
            excerpt.render = types.MethodType(_render_head, excerpt)


def blog_plugins(config) -> list:
    from material.plugins.blog.plugin import BlogPlugin

    return [p for p in config.plugins.values() if isinstance(p, BlogPlugin)]
