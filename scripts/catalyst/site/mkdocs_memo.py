"""What `catalyst serve` remembers of MkDocs' and Material's own per-file work across rebuilds.

Each rebuild of the preview loads every post again for the blog plugin's `on_files` (read,
front matter, a `PostConfig` validated per post), joins every page's canonical URL, formats
every post's dates with Babel and filters the theme's thousands of files by name. All of it
depends on inputs that a save rarely changes, so under `catalyst serve` (memo.install) each is
remembered, keyed on all of its input, and handed out as fresh objects for what a build
mutates:

- a post (`Post.__init__`): by its file path and bytes, its meta and `PostConfig` kept pickled
  (a fresh copy each build); only posts whose state is plain data (no `links` navigation)
  and that logged nothing; never with the meta plugin on;
- a canonical URL (`Page._set_canonical_url`): by the site URL and the page's URL;
- a date as Material formats it (Babel's `format_date`, `format_datetime`): by the value
  with its type and time zone, the format and the locale;
- the docs folder's and the theme's files (files_memo.py);
- the theme's compiled templates in every Jinja environment MkDocs makes for it
  (`Theme.get_env`; Material makes one for each translated label): memo.py's bytecode cache,
  which Jinja checks against each template's source.

They replace MkDocs and Material code, so each is put in place only while the source of every
function it replaces or relies on is the one it was written against (`EXPECTED`, sha256 of
the source); on any difference that one steps aside with one warning and MkDocs' or
Material's own code runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import os
import pickle

from catalyst.site import files_memo
from catalyst.site.blog_speedups import fingerprints

warn = logging.getLogger("catalyst.mkdocs_memo")  # outside "mkdocs": never fails --strict

# The functions each memo replaces or relies on, with the sha256 of their source (MkDocs 1.6.1,
# Material 9.8.2, Babel 2.19).
EXPECTED = {
    "post": {
        "material.plugins.blog.structure:Post.__init__":
            "8686c4256b6490b766b64bdb28d48ef518d0f559e78ae5f4857954f4458572ba",
        "mkdocs.config.base:Config.__init__":
            "4f334940181ff60f6a04d406869b817691f660d3585bef316d445eaaa75861af",
        "material.plugins.blog.structure.options:DateDict.__init__":
            "259c9f321bbf9d2c1e07d4a577c03258d4e9603b2501d06d0254fc8702b67414",
    },
    "canonical_url": {
        "mkdocs.structure.pages:Page._set_canonical_url":
            "291dbe84a45243b733bb0efc170eb74ff6e644ac4c73b3033435609cad32e50d",
    },
    "dates": {
        "material.plugins.blog.plugin:BlogPlugin._format_date":
            "e9acbf8db8cbf9aa752dbd62fa97cbf1c15bf8a623020c720d9544330fb46ab7",
    },
    "theme_files": {
        "mkdocs.structure.files:Files.add_files_from_theme":
            "0169dd2b1c22ca136924ca9136a97b690ba2711d8896258e5858a237c186a12e",
    },
    "docs_files": {
        "mkdocs.structure.files:get_files":
            "8d8cc69e4d7dc5be70fd6fa89fe2bbde741e067ab92e4ed17fd49629fb76148e",
        "mkdocs.structure.files:File.__init__":
            "c2efeb0d53ef00d3b823eef4d6db3adf7ac97d6d6d8f9d20981bf405c8988e14",
        "mkdocs.structure.files:File._get_dest_path":
            "553e89b375982807c6d811afdee2d925028d8586f97c9e5a9f9020d97ac2af93",
        "mkdocs.commands.build:build":
            "c476b64474acfaa20c08fdedc074238c6521bf320263065ee7de983ebf2032f9",
    },
    "theme_envs": {
        "mkdocs.theme:Theme.get_env":
            "9c26120fb96f9204cb08fe133317f0badb6f9725833c414bd685c6fac9905c83",
    },
}
_installed: dict[str, bool] = {}


def mismatches(expected=None) -> dict[str, list[str]]:
    """For each memo, the functions whose source is not the one it was written against."""
    expected = EXPECTED if expected is None else expected
    found = fingerprints([name for names in expected.values() for name in names])
    return {
        memo: [name for name, digest in names.items() if found[name] != digest]
        for memo, names in expected.items()
    }


def install(expected=None, share_templates=None) -> dict[str, bool]:
    """Put each memo whose code fits in place, once a process; warn once for each that does
    not. Returns which are in place. `share_templates(env)` gives each Jinja environment
    MkDocs makes for the theme the remembered compiled templates (memo.py's)."""
    if share_templates is not None:
        _shared["templates"] = share_templates
    _shared.setdefault("templates", lambda env: None)
    if _installed:
        return dict(_installed)
    patches = {"post": _install_post, "canonical_url": _install_canonical_url,
               "dates": _install_dates, "theme_files": files_memo.install_theme_files,
               "docs_files": files_memo.install_docs_files, "theme_envs": _install_theme_envs}
    for memo, differ in mismatches(expected).items():
        if differ:
            warn.warning("catalyst: serve memo %r off, MkDocs' or Material's own code runs: "
                         "%s differs from the code it was checked against", memo,
                         ", ".join(differ))
            _installed[memo] = False
            continue
        patches[memo]()
        _installed[memo] = True
    return dict(_installed)


# ------------------------------------------------------------------------------ posts

class _NotPlain(Exception):
    """A value the copier does not know: the post is not remembered."""


# Values pickled as they are: the containers and scalars pickle knows, and these immutable
# ones (with datetime's fixed-offset time zones). Anything else: the post is not remembered.
_IMMUTABLE = (dt.date, dt.time, dt.timedelta, dt.tzinfo)
_TIME_MODULES = ("datetime",)  # (YAML's and Material's dates; a ZoneInfo is not plain here)
_OBJECTS: set[type] = set()  # classes kept by their items and attributes: DateDict, PostConfig


def _rebuild(kind: type, items: dict | None, attributes: dict):
    made = kind.__new__(kind)
    if items is not None:
        dict.update(made, items)
    vars(made).update(attributes)
    return made


class _Pickler(pickle.Pickler):
    """Pickles plain data and the `_OBJECTS` (whose own pickling Material's `DateDict` breaks:
    it answers every unknown attribute, `__setstate__` too, with None)."""

    def reducer_override(self, value):
        kind = type(value)
        if kind in _OBJECTS:
            items = dict(dict.items(value)) if isinstance(value, dict) else None
            return _rebuild, (kind, items, vars(value))
        if isinstance(value, _IMMUTABLE) and kind.__module__ in _TIME_MODULES:
            return NotImplemented
        if value is _rebuild or (isinstance(value, type) and value in _OBJECTS) or (  # by name
                callable(value) and getattr(value, "__module__", None) in _TIME_MODULES):
            return NotImplemented
        raise _NotPlain(kind.__qualname__)


def _frozen(value) -> bytes:
    """`value` as bytes that `pickle.loads` turns into a deep copy, sharing what it shares."""
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()


class _Counter(logging.Filter):
    """Counts the records a logger passes while it is attached (and lets them all through)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record) -> bool:
        self.count += 1
        return True


def _read(path: str) -> bytes:
    """A file's bytes (os.read: half the time of open().read() for a post)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(handle, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def _unchanged(path: str, data: bytes) -> bool:
    try:
        return _read(path) == data
    except OSError:
        return False


def _remembered_post_init(original):
    """Material's `Post.__init__` (`original`), its result remembered by the post's path and
    bytes: known bytes give a fresh copy of what `original` made of them."""
    from material.plugins.blog import structure
    from material.plugins.blog.structure.config import PostConfig
    from material.plugins.blog.structure.options import DateDict

    _OBJECTS.update((DateDict, PostConfig))
    remembered: dict[str, tuple[bytes, str, bytes]] = {}

    def __init__(self, file, config):
        path = file.abs_src_path
        if type(self) is not structure.Post or config.plugins.get("material/meta"):
            return original(self, file, config)
        try:
            data = _read(path)
        except (OSError, TypeError):
            return original(self, file, config)
        hit = remembered.get(path)
        if hit is not None and hit[0] == data:
            super(structure.Post, self).__init__(None, file, config)
            self.markdown = hit[1]  # a str: shared as it is
            self.meta, self.config = pickle.loads(hit[2])
            self.excerpt, self.authors, self.categories = None, [], []
            return None
        remembered.pop(path, None)
        counter = _Counter()
        structure.log.addFilter(counter)
        try:
            original(self, file, config)
        finally:
            structure.log.removeFilter(counter)
        try:
            snapshot = _frozen((self.meta, self.config))
        except _NotPlain:
            return None
        if (counter.count == 0 and type(self.markdown) is str
                and (self.excerpt, self.authors, self.categories) == (None, [], [])
                and _unchanged(path, data)):  # what Material read: the file did not change since
            remembered[path] = (data, self.markdown, snapshot)
        return None

    return functools.update_wrapper(__init__, original)


def _install_post() -> None:
    from material.plugins.blog import structure

    structure.Post.__init__ = _remembered_post_init(structure.Post.__init__)


# ------------------------------------------------------------------------ canonical URLs

def _remembered_canonical_url(original):
    """MkDocs' `Page._set_canonical_url` (`original`), remembered by the site URL and the
    page's URL (the two it joins)."""
    remembered: dict[tuple[str, str], tuple] = {}

    def _set_canonical_url(self, base):
        url = self.url
        if not isinstance(base, str) or not base or not isinstance(url, str):
            return original(self, base)
        hit = remembered.get((base, url))
        if hit is None:
            original(self, base)
            if len(remembered) > 50_000:  # a few sites' worth: start again
                remembered.clear()
            hit = remembered[(base, url)] = (self.canonical_url, self.abs_url)
        self.canonical_url, self.abs_url = hit
        return None

    return functools.update_wrapper(_set_canonical_url, original)


def _install_canonical_url() -> None:
    from mkdocs.structure.pages import Page

    Page._set_canonical_url = _remembered_canonical_url(Page._set_canonical_url)


# --------------------------------------------------------------------------------- dates

def _by_date(format_function):
    """Babel's `format_date`/`format_datetime` as Material calls them (a date, a format and a
    locale name, by keyword) remembered by the date's type, value and time zone, the format
    and the locale; any other call is passed on as it is."""
    remembered: dict = {}

    @functools.wraps(format_function)
    def formatted(date=None, *args, **options):
        if (args or set(options) != {"format", "locale"} or type(date) not in (dt.date, dt.datetime)
                or not all(isinstance(v, str) for v in options.values())):
            return format_function(date, *args, **options)
        zone = getattr(date, "tzinfo", None)
        key = (type(date), date.isoformat(), repr(zone), options["format"], options["locale"])
        if key not in remembered:
            if len(remembered) > 100_000:
                remembered.clear()
            remembered[key] = format_function(date, **options)
        return remembered[key]

    return formatted


def _install_dates() -> None:
    from material.plugins.blog import plugin

    plugin.format_date = _by_date(plugin.format_date)
    plugin.format_datetime = _by_date(plugin.format_datetime)


# ----------------------------------------------------------------------------- theme envs

_shared: dict = {}  # what install() was given to share


def _with_bytecode(get_env):
    """`Theme.get_env` whose environments share memo.py's compiled templates."""

    def with_bytecode(self):
        env = get_env(self)
        _shared["templates"](env)
        return env

    return functools.update_wrapper(with_bytecode, get_env)


def _install_theme_envs() -> None:
    from mkdocs.theme import Theme

    Theme.get_env = _with_bytecode(Theme.get_env)
