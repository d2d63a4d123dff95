"""What `catalyst serve` remembers across rebuilds: results of pure functions of a file or a text.

Each rebuild of the preview is a full build, so without these it would parse every post's
front matter, every content file and every post's HTML (for its reading time) again, and
compile every theme template again, for one saved file. Each memo is keyed on all of its
function's input (the text itself, or a file's path with its size and modification time)
and hands out a fresh copy of mutable results, so a rebuild sees exactly what a cold
build would. They are installed in the serve process only; `catalyst build` runs each
function once per file anyway.
"""

from __future__ import annotations

import copy
import functools
import os

import jinja2.bccache

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

    from catalyst.content import loader
    from catalyst.email import webcopy

    blog_structure.yaml = _YamlMemo(blog_structure.yaml)
    meta.yaml = _YamlMemo(meta.yaml)  # every other page's front matter, as MkDocs reads it
    blog_plugin.readtime = functools.lru_cache(maxsize=None)(blog_plugin.readtime)
    loader.read_document = _file_memo(loader.read_document)
    # The blog rewrites its generated view sources, and we the emails' site copies, on every
    # build: a file that would get the same bytes is left as it is.
    save = blog_plugin.BlogPlugin._save_to_file
    blog_plugin.BlogPlugin._save_to_file = lambda self, path, text: _skip_same(
        functools.partial(save, self), touch=False)(path, text)
    blog_plugin.copy_file = _copy_changed(blog_plugin.copy_file)
    webcopy.write_atomic = _skip_same(webcopy.write_atomic, touch=True)


def jinja_env(env) -> None:
    """Give a Jinja environment the remembered compiled templates (serve only)."""
    if _BYTECODE is not None:
        env.bytecode_cache = _BYTECODE
