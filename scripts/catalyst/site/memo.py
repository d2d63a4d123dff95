"""What `catalyst serve` remembers across rebuilds: results of pure functions of a file or a text.

Each rebuild of the preview is a full build, so without these it would parse every post's
front matter, every content file and every post's HTML (for its reading time) again, and
compile every theme template again, for one saved file. Each memo is keyed on all of its
function's input (the text itself, or a file's path with its size and modification time)
and hands out a fresh copy of mutable results, so a rebuild sees exactly what a cold
build would. They are installed in the serve process only; `catalyst build` runs each
function once per file anyway. Two remember a build's worth of output: the sanitiser's
(`safety.clean`, a pure function of its text) and the generated pages' Markdown
(`SitePages.all`, keyed on all the library shows at its moment, the settings and the
templates: `pages_key`). MkDocs' and Material's own per-file work (posts, canonical URLs,
dates, the file listings) is remembered by mkdocs_memo.py, installed from here; the email
cache's entries in `memo_files.py`.
"""

from __future__ import annotations

import collections
import copy
import functools
import hashlib
import os
from pathlib import Path

import jinja2
import jinja2.bccache
import jinja2.meta
from jinja2 import nodes

from catalyst.site.pagecache import digest

_installed = False
_BYTECODE: MemoryBytecodeCache | None = None


class MemoryBytecodeCache(jinja2.bccache.BytecodeCache):
    """Compiled templates, checked by Jinja against the template's source on every load."""

    def __init__(self):
        self.buckets: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.buckets.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.buckets[bucket.key] = bucket.bytecode_to_string()


class _YamlMemo:
    """The `yaml` module as a module uses it, with `load` remembered by text and loader."""

    def __init__(self, module):
        self._module = module
        self._load = functools.lru_cache(maxsize=None)(self._parse)

    def _parse(self, text: str, loader):
        return self._module.load(text, loader)

    def load(self, stream, Loader):  # noqa: N803 - yaml's own argument name
        if not isinstance(stream, str):
            return self._module.load(stream, Loader)
        return copy.deepcopy(self._load(stream, Loader))  # pages change their own meta

    def __getattr__(self, name):
        return getattr(self._module, name)


def _file_memo(function):
    """`function(path, shown, **options)` remembered by the file's path, size and modification
    time. The loader treats the documents it reads as read-only, so they are not copied."""
    remembered: dict = {}

    @functools.wraps(function)
    def cached(path, shown, **options):
        try:
            stat = os.stat(path)
        except OSError:
            return function(path, shown, **options)
        key = (str(path), shown, sorted(options.items()), stat.st_size, stat.st_mtime_ns)
        key = repr(key)
        if key not in remembered:
            remembered[key] = function(path, shown, **options)
        return remembered[key]

    return cached


def _document_memo(validate):
    """`validate(model, document)` remembered by the document itself: the loader's documents
    come from the remembered `read_document`, one object while their file is unchanged, and
    the models are frozen, so the item is shared; the problems are handed out as a new list."""
    remembered: dict = {}

    @functools.wraps(validate)
    def cached(model, doc, **extra):
        if extra:
            return validate(model, doc, **extra)
        key = (model, id(doc))
        hit = remembered.get(key)
        if hit is None or hit[0] is not doc:  # the document is kept: its id is not reused
            hit = remembered[key] = (doc, *validate(model, doc))
        return hit[1], list(hit[2])

    return cached


def _installed_templates(list_templates):
    """`FileSystemLoader.list_templates` that walks the folders of installed themes (Material's
    icons are thousands of files) once a process, and the project's own on every call: the
    libraries a process runs do not change under it (as `fingerprint.toolchain` assumes)."""
    from catalyst.site import fingerprint

    walked: dict = {}
    installed = [Path(m.__file__).parent for m in fingerprint._theme_packages()]

    def listing(self) -> list[str]:
        if type(self) is not jinja2.FileSystemLoader:
            return list_templates(self)
        found: set[str] = set()
        for folder in self.searchpath:
            one = jinja2.FileSystemLoader([folder], self.encoding, self.followlinks)
            path = Path(folder)
            if not any(path == p or p in path.parents for p in installed):
                found.update(list_templates(one))
                continue
            key = (str(folder), self.followlinks)
            if key not in walked:
                walked[key] = list_templates(one)
            found.update(walked[key])
        return sorted(found)

    return functools.wraps(list_templates)(listing)


def _by_value(function, maxsize: int = 1024):
    """A pure `function` of hashable values remembered by them (equal values, same result);
    called as it is when a value cannot be hashed."""
    remembered = functools.lru_cache(maxsize=maxsize)(function)

    @functools.wraps(function)
    def cached(*args):
        try:
            hash(args)
        except TypeError:
            return function(*args)
        return remembered(*args)

    return cached


def _by_text_digest(function, maxsize: int = 4096):
    """A pure `function` of one text remembered by the text's digest: only results are kept
    (a site's worth of HTML, not twice that), the least recently used beyond `maxsize` go."""
    remembered: collections.OrderedDict = collections.OrderedDict()

    @functools.wraps(function)
    def cached(text):
        if not isinstance(text, str):
            return function(text)
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
        if key in remembered:
            remembered.move_to_end(key)
            return remembered[key]
        result = remembered[key] = function(text)
        if len(remembered) > maxsize:
            remembered.popitem(last=False)
        return result

    return cached


def _same_bytes(path, data: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def _skip_same(write, *, touch: bool):
    """`write(path, data)` that leaves a file already holding `data` alone (only its
    modification time renewed when `touch`, so the preview knows it is still produced)."""

    @functools.wraps(write)
    def write_changed(path, data):
        blob = data.encode("utf-8") if isinstance(data, str) else data
        if _same_bytes(path, blob):
            if touch:
                os.utime(path)
            return None
        return write(path, data)

    return write_changed


def _copy_changed(copy_file):
    @functools.wraps(copy_file)
    def copy_changed(source, destination):
        with open(source, "rb") as handle:
            if _same_bytes(destination, handle.read()):
                return None
        return copy_file(source, destination)

    return copy_changed


def pages_key(site_pages) -> str:
    """Everything `SitePages.all` reads: each item of the library as validated (and whether
    it is shown or upcoming at the library's moment), the settings and the page templates.
    A post's `body` is left out while no template names a post (`_templates_reach_posts`):
    the pages then only link to posts, so saving a post's text does not render them again."""
    library, settings = site_pages.library, site_pages.settings
    folder = settings.templates_dir / "pages"
    sources = tuple(
        (path.relative_to(folder).as_posix(), path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(p for p in folder.rglob("*") if p.is_file())
    )
    skip = None if _templates_reach_posts(sources) else {"body"}
    parts = [repr(settings), repr(library.preview), repr(sorted(library.invalid))]
    parts += [part for source in sources for part in source]
    for kind in (library.posts, library.resources, library.catalyzers, library.issues):
        parts.append(repr(len(kind)))
        for slug, item in kind.items():
            shown = library.publishing(item)  # (shown, is_live, upcoming)
            dump = item.model_dump_json(exclude=skip if kind is library.posts else None)
            parts += [slug, type(item).__qualname__, dump, repr(shown)]
    return digest(*parts)


@functools.lru_cache(maxsize=8)
def _templates_reach_posts(sources: tuple) -> bool:
    """Whether a template `SitePages.all` renders, or one it imports or includes, names a
    post: a name, attribute or string with "post" in it (`library.posts`, `post_for`,
    `attr("posts")`...). A template unread, unparsable or named by a computed name counts
    as yes."""
    from catalyst.site.pages import ALL_TEMPLATES

    env, texts = jinja2.Environment(), dict(sources)
    todo, seen = list(ALL_TEMPLATES), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            tree = env.parse(texts[name])
        except (KeyError, jinja2.TemplateSyntaxError):
            return True
        for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Const)):
            value = getattr(node, "name", None) or getattr(node, "attr", None)
            value = value if value is not None else getattr(node, "value", None)
            if isinstance(value, str) and "post" in value.lower():
                return True
        for other in jinja2.meta.find_referenced_templates(tree):
            if other is None:
                return True
            todo.append(other)
    return False


def _last_pages(all_pages):
    """`SitePages.all` remembered for the last key it was asked with."""
    last: dict = {}

    @functools.wraps(all_pages)
    def remembered(self) -> dict[str, str]:
        key = pages_key(self)
        if last.get("key") != key:
            last.clear()
            last.update(key=key, pages=all_pages(self))
        return dict(last["pages"])

    return remembered


def install() -> None:
    """Remember across rebuilds in this process (idempotent)."""
    global _installed, _BYTECODE
    if _installed:
        return
    _installed = True
    _BYTECODE = MemoryBytecodeCache()
    from material.plugins.blog import plugin as blog_plugin
    from material.plugins.blog import structure as blog_structure
    from mkdocs.utils import meta

    from catalyst import safety
    from catalyst.content import loader
    from catalyst.email import build as email_build
    from catalyst.email import webcopy
    from catalyst.site import feeds, memo_files, mkdocs_memo, pages

    blog_structure.yaml = _YamlMemo(blog_structure.yaml)
    meta.yaml = _YamlMemo(meta.yaml)  # every other page's front matter, as MkDocs reads it
    blog_plugin.readtime = functools.lru_cache(maxsize=None)(blog_plugin.readtime)
    loader.read_document = _file_memo(loader.read_document)
    loader.validate = _document_memo(loader.validate)
    jinja2.FileSystemLoader.list_templates = _installed_templates(
        jinja2.FileSystemLoader.list_templates)
    safety.clean = _by_text_digest(safety.clean)  # text in, text out
    # Each issue's site copy and its feed entry: from the (frozen) rendered email and settings.
    webcopy.site_copy = feeds.site_copy = _by_value(webcopy.site_copy)
    feeds.content_html = _by_value(feeds.content_html)
    email_build.cached = memo_files.email_entries(email_build.cached)
    pages.SitePages.all = _last_pages(pages.SitePages.all)
    # The blog rewrites its generated view sources, and we the emails' site copies, on every
    # build: a file that would get the same bytes is left as it is.
    save = blog_plugin.BlogPlugin._save_to_file
    blog_plugin.BlogPlugin._save_to_file = lambda self, path, text: _skip_same(
        functools.partial(save, self), touch=False)(path, text)
    blog_plugin.copy_file = _copy_changed(blog_plugin.copy_file)
    webcopy.write_atomic = _skip_same(webcopy.write_atomic, touch=True)
    # MkDocs' and Material's own per-file work (posts, URLs, dates), and compiled templates
    mkdocs_memo.install(share_templates=jinja_env)


def jinja_env(env) -> None:
    """Give a Jinja environment the remembered compiled templates (serve only)."""
    if _BYTECODE is not None:
        env.bytecode_cache = _BYTECODE
