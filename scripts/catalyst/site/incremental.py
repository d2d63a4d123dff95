"""Incremental builds: a build's use of the page cache, page by page (`Session`).

MkDocs converts every page's Markdown (`Page.render`) and renders every page's template
(`mkdocs.commands.build._build_page`) on every build; at ten years of content that is
two thirds of a build. While a `Session` is active (the catalyst plugin opens one per
build), both steps first look in the page cache (`pagecache.py`) under a key made of
everything their output depends on (`fingerprint.py`):

- a conversion that hits restores the page's content, table of contents, title and
  anchors and replays the warnings the conversion logged; every plugin event around it
  still runs, so plugins see the same page as ever;
- a page whose HTML hits is written from the cache, its search entries are added to the
  search index in the same order, and its `on_page_context`/`on_post_page` events are
  skipped, which is safe only for the handlers we know (search, blog, catalyst): with any
  other handler of those events, pages are rendered as usual.

On a cold `catalyst build` with two cores, a forked copy of the build does pages from the
last one back into the cache while the build works forwards (`pages_ahead.py`).
The hooks into MkDocs that call a session, and their guard, are in `build_hooks.py`.
Rendering a blog excerpt is stateful in Material (its Markdown
instance is reused without a reset, so footnote ids grow from one view to the next);
while a session is active each excerpt starts from a fresh state, so a page never depends
on which other pages were rendered before it.
"""

from __future__ import annotations

import functools
import logging
from pathlib import PurePath

from mkdocs import utils

from catalyst import urls
from catalyst.site import blog_speedups, build_hooks, fingerprint, lazy_excerpts, memo
from catalyst.site.fingerprint import Uncacheable
from catalyst.site.pagecache import Store, digest
from catalyst.site.pages_ahead import Ahead

log = logging.getLogger("catalyst.incremental")


def start(plugin) -> Session | None:
    """The catalyst plugin's build begins (on_config): a session when the page cache is on
    and the hooks are in place (see build_hooks.install); excerpts lazy unless the blog
    speed-ups are off (lazy_excerpts.py); templates remembered under `catalyst serve`."""
    settings = plugin.settings
    lazy_excerpts.use(settings.blog_speedups)
    memo.jinja_env(plugin.site_pages.env)
    if not settings.page_cache or not build_hooks.install():
        return None
    return Session(plugin, settings.build_dir / urls.PAGE_CACHE_DIR)


def env_ready(plugin, env, config, files) -> None:
    """Every page is read (on_env): the session learns the blogs and the search index."""
    if plugin.incremental is not None:
        plugin.incremental.on_env(config, files, blog_speedups.blog_plugins(config))
    memo.jinja_env(env)  # compiled templates kept across rebuilds, under catalyst serve


def finish(plugin) -> None:
    """The pages are written (on_post_build): sweep entries unused for a day."""
    if plugin.incremental is not None:
        plugin.incremental.finish()
    plugin.incremental = None


class _Lookups:
    """The build's Files, recording each lookup a conversion makes (the links it resolves)."""

    def __init__(self, files):
        self._files = files
        self.seen: dict[str, list | None] = {}
        self.other = False

    def get_file_from_path(self, path):
        file = self._files.get_file_from_path(path)
        self.seen[path] = _answer(file)
        return file

    def __getattr__(self, name):
        self.other = True  # anything but a lookup: the conversion is not cached
        return getattr(self._files, name)


def _answer(file) -> list | None:
    return None if file is None else [file.src_uri, file.url, file.inclusion.name]


class _Records(logging.Handler):
    """Collects what is logged while a page converts or renders, to replay it on a hit."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[list] = []
        self._seen: set[int] = set()

    def emit(self, record):
        if id(record) not in self._seen:
            self._seen.add(id(record))
            self.records.append([record.name, record.levelno, record.getMessage()])

    def __enter__(self):
        for name in ("", "mkdocs"):
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc):
        for name in ("", "mkdocs"):
            logging.getLogger(name).removeHandler(self)


def _replay(records) -> None:
    for name, level, message in records:
        logging.getLogger(name).log(level, message)


def _known_handlers(config, plugin) -> bool:
    """Whether every on_page_context/on_post_page handler is one a cached page may skip."""
    known = {
        ("material.plugins.search.plugin", "on_page_context"),
        ("material.plugins.blog.plugin", "on_page_context"),
    }
    for event in ("page_context", "post_page"):
        for handler in config.plugins.events[event]:
            owner = getattr(handler, "__self__", None)
            if owner is plugin:
                continue
            if (type(owner).__module__, handler.__name__) not in known:
                return False
    return True


class Session:
    """One build's use of the page cache; the catalyst plugin opens it in on_config."""

    def __init__(self, plugin, folder):
        self.plugin = plugin
        self.store = Store(folder)
        self.templates = True  # until on_env has seen the plugins' handlers
        self.files = self.search = None
        self.render_global: str | None = None  # once every plugin's on_config has run
        self.site: str | None = None  # once every page has been read
        self.blogs: list = []
        # serve.Written: what the site folder holds already, when the folder outlives builds;
        # and then the conversions in memory (key -> entry): a site's worth is a few MB.
        self.written = getattr(plugin, "written", None)
        self.conversions = self.written.conversions if self.written is not None else None
        # Pages done by a copy of the build on a second core (pages_ahead.py); never under a
        # server, which runs threads beside the build.
        serving = self.written is not None or getattr(plugin, "_serving", False)
        self.ahead = Ahead(0 if serving else plugin.settings.pages_ahead)

    # -- Markdown to HTML

    def render(self, page, config, files) -> None:
        if page.markdown is None:
            return build_hooks.original("render")(page, config, files)
        if self.render_global is None:
            level = logging.getLogger("mkdocs").getEffectiveLevel()
            self.render_global = fingerprint.render_key(config, level)
        self.ahead.converting(self, config, files, page.file)
        key = digest(self.render_global, page.file.src_uri, page.file.url,
                     page.file.inclusion.name, page.markdown)
        entry = self.conversions.get(key) if self.conversions is not None else None
        if entry is None:
            entry = self.store.get(key)
        else:
            self.store.keep(key)
        if entry is not None and _lookups_hold(entry[0], files):
            _restore(page, entry[0], entry[1], files)
            if self.conversions is not None:
                self.conversions[key] = entry
            return
        lookups = _Lookups(files)
        with _Records() as records:
            build_hooks.original("render")(page, config, lookups)
        if lookups.other:
            return
        entry = (_conversion(page, lookups, records.records), page.content.encode("utf-8"))
        self.store.put(key, *entry)
        if self.conversions is not None:
            self.conversions[key] = entry

    # -- the page's template

    def on_env(self, config, files, blogs) -> None:
        """All pages are read: the nav's titles are final. Excerpts start afresh each time."""
        self.ahead.stop()
        self.files = files
        self._excerpts: dict[int, str] = {}  # post id -> what a listing shows of it
        self._posts: dict[int, dict] = {}  # post id -> what the blog shows of it
        self._blog_configs: dict[int, str] = {}
        self._page_lists: dict[int, tuple] = {}  # id of a view's list of pages -> its URLs
        # Each blog with the ids of its posts and of its views (index, archive, categories).
        self.blogs = [
            (blog, {id(p) for p in blog.blog.posts},
             {id(v) for v in blog._resolve_views(blog.blog)})
            for blog in blogs if getattr(blog, "blog", None) is not None
        ]
        self.templates = _known_handlers(config, self.plugin)
        self.search = _search_index(config)
        if self.render_global is None:  # no page was converted
            level = logging.getLogger("mkdocs").getEffectiveLevel()
            self.render_global = fingerprint.render_key(config, level)
        for blog, _, _ in self.blogs:
            for post in blog.blog.posts:
                if getattr(post, "excerpt", None) is not None:
                    _fresh_excerpt(post.excerpt)

    def build_page(self, page, config, doc_files, nav, env, excluded) -> None:
        original = build_hooks.original("build_page")
        try:
            if self.site is None:
                self.site = fingerprint.site_key(config, self.files, nav, self.render_global)
        except Uncacheable as why:
            log.debug("catalyst: no page cached: %s", why)
            self.templates = False
            return original(page, config, doc_files, nav, env, False, excluded)
        self.ahead.rendering(self, config, doc_files, nav, env, page.file)
        try:
            key = fingerprint.page_key(self.site, page, excluded, self._blog_view(page))
        except Uncacheable as why:
            log.debug("catalyst: %s not cached: %s", page.file.src_uri, why)
            return original(page, config, doc_files, nav, env, False, excluded)
        path = page.file.abs_dest_path
        if self.written is not None and self.written.holds(path, key):
            self.store.keep(key)  # the site folder holds this very page: nothing to do
            self._done(self.written.search[key])
            return
        entry = self.store.get(key)
        if entry is not None:
            header, html = entry
            _replay(header["logs"])
            if header["written"]:
                utils.write_file(html, path)
            self._done(header["search"], path, key)
            return
        first = len(self.search.entries) if self.search is not None else 0
        with _Records() as records:
            original(page, config, doc_files, nav, env, False, excluded)
        html = _read(path) if self.ahead.captured is None else self.ahead.captured.pop(path, None)
        header = {
            "logs": records.records,
            "written": html is not None,
            "search": self.search.entries[first:] if self.search is not None else [],
        }
        self.store.put(key, header, html or b"")
        if self.written is not None:
            self.written.remember(path, key, header["search"])

    def _done(self, search: list, path: str | None = None, key: str | None = None) -> None:
        """A page taken from the cache: its search entries in the index, one more page done."""
        if self.search is not None:
            self.search.entries.extend(search)
        if self.written is not None and path is not None:
            self.written.remember(path, key, search)
        self.plugin.page_done()

    def _blog_view(self, page) -> dict:
        """What the blog adds to a page: a post's authors and dates, a view's listed posts."""
        for blog, posts, views in self.blogs:
            if id(page) in posts:
                return {"post": self._post(page)}
            if id(blog._resolve_original(page)) in views:
                if id(blog) not in self._blog_configs:  # a digest: 400 views show one config
                    self._blog_configs[id(blog)] = fingerprint.plain_digest(
                        fingerprint.plain(blog.config))
                view = _listing(blog, page, self._excerpt, self._urls)
                return {"view": view, "blog": self._blog_configs[id(blog)]}
        return {}

    def _excerpt(self, post) -> str:
        """What a listing shows of a post, as the digest of its plain form: a listing page's
        key then holds one short string per post listed, once a build per post."""
        if id(post) not in self._excerpts:
            part = fingerprint.excerpt_plain(post, self._post(post))
            self._excerpts[id(post)] = fingerprint.plain_digest(part)
        return self._excerpts[id(post)]

    def _urls(self, pages: list) -> str:
        """The digest of the URLs of a view's pages, once a build per list: the pages of one
        paginated view share it (a hundred URLs for each of a hundred pages, otherwise)."""
        seen = self._page_lists.get(id(pages))
        if seen is None or seen[0] is not pages:
            seen = self._page_lists[id(pages)] = (pages, digest(*[p.url for p in pages]))
        return seen[1]

    def _post(self, post) -> dict:
        """A post's part, once a build: its page and every listing of it ask (all of them
        after every page is read, so it no longer changes)."""
        if id(post) not in self._posts:
            self._posts[id(post)] = fingerprint.post_plain(post)
        return self._posts[id(post)]

    def finish(self) -> None:
        self.ahead.stop()
        self.store.flush()
        # A preview server rebuilds on each save: it forgets what this build did not use;
        # sweeping the folder is for builds.
        removed = self.store.sweep() if self.written is None else 0
        if self.written is not None:
            self.written.forget_all_but(self.store.used)
        store = self.store
        logging.getLogger("mkdocs.plugins.catalyst").info(
            "catalyst: page cache: %d hits, %d misses, %d stored, %d swept; "
            "%d done ahead on a second core",
            store.hits, store.misses, store.writes, removed, self.ahead.done,
        )


def _listing(blog, page, excerpt, urls) -> dict:
    """The posts a blog index, archive or category page lists (as BlogPlugin._render picks);
    `excerpt(post)` and `urls(pages)` give digests."""
    posts, index = page.posts, None
    if blog._config_pagination(page):
        index = page.pages.index(page)
        step = blog._config_pagination_per_page(page)
        posts = page.posts[index * step:index * step + step]
    return {
        "posts": [excerpt(p) for p in posts if p.excerpt],
        "count": len(page.posts),
        "index": index,
        "pages": urls(page.pages),
    }


def _fresh_excerpt(excerpt) -> None:
    if getattr(excerpt, "_catalyst_fresh", False):
        return
    render = excerpt.render  # Material's, or blog_speedups' head-only one

    def render_fresh(page, separator):
        excerpt.md.reset()
        return render(page, separator)

    excerpt.render = render_fresh
    excerpt._catalyst_fresh = True


def _search_index(config):
    from material.plugins.search.plugin import SearchPlugin

    for plugin in config.plugins.values():
        if isinstance(plugin, SearchPlugin) and plugin.config.enabled:
            return plugin.search_index
    return None


def _lookups_hold(header: dict, files) -> bool:
    known = files.src_uris  # what get_file_from_path looks in, by normalised path
    return all(_answer(known.get(_normal(p))) == a for p, a in header["lookups"].items())


@functools.lru_cache(maxsize=65536)
def _normal(path: str) -> str:
    return PurePath(path).as_posix()  # as Files.get_file_from_path normalises it


def _conversion(page, lookups: _Lookups, records: list) -> dict:
    links = page.links_to_anchors
    return {
        "title": page._title_from_render,
        "toc": _toc_tokens(page.toc),
        "anchors": sorted(page.present_anchor_ids or ()),
        "links": None if links is None else {f.src_uri: a for f, a in links.items()},
        "lookups": lookups.seen,
        "logs": records,
    }


def _restore(page, header: dict, body: bytes, files) -> None:
    from mkdocs.structure.toc import get_toc

    _replay(header["logs"])
    page.content = body.decode("utf-8")
    page.toc = get_toc(header["toc"])
    page._title_from_render = header["title"]
    page.present_anchor_ids = set(header["anchors"])
    links = header["links"]
    if links is not None:  # files.get_file_from_path, its path normalised once a process
        known = files.src_uris
        page.links_to_anchors = {known.get(_normal(s)): a for s, a in links.items()}


def _toc_tokens(toc) -> list:
    return [
        {"name": a.title, "id": a.id, "level": a.level, "children": _toc_tokens(a.children)}
        for a in toc
    ]


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
