"""Speed-ups for Material's blog plugin, applied by the catalyst plugin: same output, less work.

Profiling a plain Material 9.8 blog build of 1,000 posts (scripts/benchmark.py, cProfile)
found two costs that grow faster than the number of posts:

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

Both are checked by a test that builds a site with and without them and compares every
file. They rely on Material's private code, so they are checked at start-up (`usable`):
the installed Material must be of the release series they were written against, its blog
plugin's code must hash as recorded, and so must the source of each function they replace,
mirror or rely on. On any mismatch they step aside with one warning, and Material's own code
runs. A release that changes nothing of the blog plugin (9.8.2 fixed the privacy plugin only)
keeps them on, so a security fix elsewhere in Material never costs the speed-ups.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import logging
import pathlib
import re
import types
from importlib import metadata

from mkdocs.structure.toc import get_toc

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
