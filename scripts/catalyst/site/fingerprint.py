"""The page cache's keys: digests of everything that can change a page's HTML.

Two kinds of entry, two kinds of key (see `incremental.py` for how they are used):

- A page's Markdown converted to HTML depends on the Markdown (after every plugin's
  `on_page_markdown`), the page's own place (source path, URL, whether it is a draft),
  the Markdown extensions and their settings, link validation settings, the versions of
  the libraries, and the files its links resolve to. That last part is not in the key:
  the entry records each file lookup the conversion made and is used only when every
  lookup still gives the same answer.
- A page's final HTML depends on all of the conversion's results (content, table of
  contents, title), its front matter, its neighbours and parents as the theme shows them
  (title and URL), what the blog shows of a post (authors, categories, dates, reading
  time, links) and, for a blog index, archive or category page, what it shows of each post
  it lists; plus, for every page at once (`site_key`): the whole configuration, the
  theme's templates including overrides in `custom_dir`, the nav (titles, URLs, front
  matter of its pages), every file's source path and URL, our own code and the versions of
  MkDocs, Material, Markdown, its extensions and every plugin.

A value this module does not know how to reduce to plain data raises `Uncacheable`: the page
is then built the ordinary way and nothing is cached for it (fail closed).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import os
import sys
import types
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from catalyst.site.pagecache import digest

# Configuration keys that do not change any page: where the build writes, and serve's watch list.
IGNORED_CONFIG = {"site_dir", "watch", "dev_addr"}
LIBRARIES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "pygments")
# Where the modules of this project's plugins and extensions come from; any other module's
# distribution is looked up (importlib's packages_distributions reads every installed RECORD).
KNOWN_DISTRIBUTIONS = {
    "markdown": ["markdown"], "pymdownx": ["pymdown-extensions"], "mkdocs": ["mkdocs"],
    "material": ["mkdocs-material"], "mkdocs_rss_plugin": ["mkdocs-rss-plugin"],
    "catalyst": ["catalyst"],
}


class Uncacheable(Exception):
    """A value with no stable plain form: the page it belongs to is not cached."""


# ---------------------------------------------------------------------------- plain values


# Exact types `plain` answers before any isinstance test (most values of a key are these).
_SCALARS = frozenset({type(None), bool, int, float, str})


def plain(value, depth: int = 0):
    """`value` as JSON-able data that is equal exactly when the values are equal."""
    if depth > 12:
        raise Uncacheable("nested too deep")
    kind = type(value)  # the commonest exact types first, before any isinstance test
    if kind in _SCALARS or isinstance(value, bool | int | float | str):
        return value
    if kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        return {str(k): plain(v, depth + 1) for k, v in sorted(value.items(), key=_by_key)}
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, types.ModuleType):  # a hook file: its name and source
        return ["module", value.__name__, _source(value)]
    if isinstance(value, functools.partial):
        return ["partial", plain(value.func), plain(value.args), plain(value.keywords)]
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    if type(value).__name__ == "Navigation":
        return nav_plain(value.items)
    if hasattr(value, "data") and isinstance(value.data, Mapping):  # Config / UserDict
        return plain(value.data, depth + 1)
    text = repr(value)
    if " at 0x" in text or text.startswith("<"):
        raise Uncacheable(f"no stable form for a {type(value).__qualname__}")
    return f"{type(value).__qualname__}:{text}"


def _by_key(item) -> str:
    return str(item[0])


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def plain_digest(value) -> str:
    """A digest of a plain value (`plain`): equal exactly when the values are equal."""
    return digest(_json(value))


def ref(item):
    """How a page shows another page, a section or a link: its kind, title and URL."""
    if item is None:
        return None
    return [type(item).__name__, str(item.title or ""), getattr(item, "url", None)]


def toc_plain(toc) -> list:
    return [[a.title, a.id, a.level, toc_plain(a.children)] for a in (toc or [])]


def nav_plain(items) -> list:
    """The nav as the theme shows it: kinds, titles, URLs and the front matter of its pages."""
    out = []
    for item in items:
        entry = ref(item)
        meta = getattr(item, "meta", None)
        if meta:
            entry.append(plain(meta))
        children = getattr(item, "children", None)
        if children:
            entry.append(nav_plain(children))
        out.append(entry)
    return out


# ---------------------------------------------------------------------------- what all pages share


@functools.cache  # the code and libraries a process runs do not change under it
def toolchain() -> str:
    """Our code and the versions of everything that renders: Python, libraries, plugins."""
    code = hashlib.sha256()
    package = Path(__file__).parent.parent  # all of catalyst, not only site/
    for module in sorted(package.rglob("*.py")):
        code.update(module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes())
    versions = {name: _version(name) for name in LIBRARIES}
    versions["python"] = sys.version
    return digest(code.hexdigest(), _json(versions))


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def module_versions(modules) -> dict:
    """The installed version of the distribution each module comes from (extensions, plugins),
    or the digest of its source when it comes from none (a plugin in the project)."""
    out = {}
    for module in modules:
        top = module.split(".", 1)[0]
        names = KNOWN_DISTRIBUTIONS.get(top) or _distributions().get(top, [])
        versions = [f"{n}=={_version(n)}" for n in sorted(set(names))]
        out[module] = versions or [_source(sys.modules.get(module))]
    return out


def _source(module) -> str:
    path = getattr(module, "__file__", None)
    try:
        return digest(Path(path).read_bytes()) if path else "-"
    except OSError:
        return "-"


def _extension_modules(config) -> list[str]:
    names = []
    for extension in config.markdown_extensions:
        name = extension if isinstance(extension, str) else type(extension).__module__
        names.append(name if "." in name else f"markdown.extensions.{name}")
    return names


def render_key(config, log_level: int) -> str:
    """What every page's Markdown conversion shares: extensions, their settings, validation."""
    inputs = {
        "toolchain": toolchain(),
        "extensions": [plain(e) for e in config.markdown_extensions],
        "versions": module_versions(_extension_modules(config)),
        "mdx_configs": plain(config.mdx_configs),
        "validation": plain(config.validation),
        "use_directory_urls": config.use_directory_urls,
        "log_level": log_level,
    }
    return digest("render", _json(inputs))


def _templates(config) -> dict:
    """Digests of the theme's folders: installed ones by version, the project's by content."""
    installed = {Path(m.__file__).parent for m in _theme_packages()}
    out = {}
    for folder in map(Path, config.theme.dirs):
        if any(folder == p or p in folder.parents for p in installed):
            out[str(folder)] = "installed"
            continue
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        out[str(folder)] = digest(*(
            part for p in files for part in (p.relative_to(folder).as_posix(), p.read_bytes())
        ))
    return out


def _theme_packages():
    import material
    import mkdocs

    return [material, mkdocs]


def config_plain(config) -> dict:
    out = {}
    for key, value in config.items():
        if key in IGNORED_CONFIG:
            continue
        if key == "plugins":  # hook files are plugins too, as modules
            value = {name: getattr(plugin, "config", plugin) for name, plugin in value.items()}
        elif key == "theme":
            value = {"name": value.name, "dirs": value.dirs, "vars": dict(value.items()),
                     "static_templates": sorted(value.static_templates)}
        out[key] = plain(value)
    return out


def site_key(config, files, nav, render: str) -> str:
    """What every page's HTML shares; computed once per build, after every page is read."""
    plugins = [p.__name__ if isinstance(p, types.ModuleType) else type(p).__module__
               for p in config.plugins.values()]
    inputs = {
        "render": render,
        "config": config_plain(config),
        "plugins": module_versions(plugins),
        "templates": _templates(config),
        "nav": nav_plain(nav.items),
        "files": [(f.src_uri, f.dest_uri, f.url, f.inclusion.name) for f in files],
        "images": images(files),
    }
    return digest("site", _json(inputs))


def images(files) -> list:
    """Each image's size and time on disk: the catalyst plugin writes every page's images'
    dimensions into its HTML (email.images.with_dimensions), so an image changed on disk
    renders every page again (pages do not say which images they show before they render)."""
    out = []
    for file in files:
        if file.is_media_file() and file.abs_src_path:
            try:
                stat = os.stat(file.abs_src_path)
            except OSError:
                continue
            out.append([file.src_uri, stat.st_size, stat.st_mtime_ns])
    return out


# ---------------------------------------------------------------------------- one page


def page_plain(page) -> dict:
    """Everything of one page the theme can show, for any page."""
    return {
        "class": f"{type(page).__module__}.{type(page).__qualname__}",
        "src": page.file.src_uri,
        "url": page.url,
        "title": page.title,
        "meta": plain(page.meta),
        "content": digest(page.content or ""),
        "toc": toc_plain(page.toc),
        "canonical": page.canonical_url,
        "edit": page.edit_url,
        "home": page.is_homepage,
        "previous": ref(page.previous_page),
        "next": ref(page.next_page),
        "parent": ref(page.parent),
        "ancestors": [ref(a) for a in page.ancestors],
    }


def post_plain(post) -> dict:
    """What the blog shows of a post besides its page: authors, categories, dates, links."""
    return {
        "authors": [plain(a) for a in post.authors],
        "categories": [ref(c) for c in post.categories],
        "config": plain(post.config),
    }


def excerpt_plain(post, post_part: dict | None = None) -> dict:
    """What a blog index, archive or category page shows of a post it lists (`post_part`:
    its `post_plain`, when the caller has it already)."""
    excerpt = post.excerpt
    return {
        "url": post.url,
        "title": post.title,
        "title_from_render": post._title_from_render,
        "markdown": digest(post.markdown or ""),
        "meta": plain(post.meta),
        "post": post_plain(post) if post_part is None else post_part,
        "authors": [plain(a) for a in getattr(excerpt, "authors", [])],
        "categories": [ref(c) for c in getattr(excerpt, "categories", [])],
    }


def page_key(site: str, page, excluded: bool, extra: dict) -> str:
    """The key of a page's final HTML; `extra` is what a plugin adds (see incremental.py)."""
    inputs = {"page": page_plain(page), "excluded": excluded, **extra}
    return digest("page", site, _json(inputs))
