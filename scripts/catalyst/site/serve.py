"""`catalyst serve`: the live preview, rebuilt in one process that keeps what a save did not change.

It is `mkdocs serve` (MkDocs' own LiveReloadServer, URLs and reload script, and every plugin
event) with a different builder. `mkdocs serve` empties the site folder and writes every file
again on each save; at ten years of content that alone takes seconds. Here each rebuild is a
full MkDocs build of a freshly loaded config, so what the preview shows is what a build would
write, but:

- pages come from the page cache (incremental.py), and a page whose cached HTML is already in
  the site folder is neither read nor written again (`Written`);
- the site folder is not emptied: files a rebuild did not produce are removed after it;
- static files are copied only when their source is newer (MkDocs' own `dirty` test);
- pure, repeated work is remembered across rebuilds (`memo.py`);
- changes are noticed by inotify rather than by scanning every file twice a second;
- each rebuild has plugin instances of its own, started up and shut down around it, as a
  `catalyst build` does: `mkdocs serve` keeps one instance of a plugin with start-up or
  shut-down hooks for the whole session, and mkdocs-rss-plugin (1.19) gathers its pages in a
  list it empties only at start-up, so from the first save on every post was listed twice in
  the served feeds, then three times, and the list grew by a site's worth of posts a save;
- the cycle collector runs once between rebuilds rather than all through them (`_Collector`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import click

log = logging.getLogger("mkdocs.plugins.catalyst")


class Written:
    """What each page of the site folder holds (its page cache key), remembered across builds,
    with the search entries that go with it."""

    def __init__(self):
        self.keys: dict[str, str] = {}
        self.search: dict[str, list] = {}
        self.conversions: dict[str, tuple] = {}  # the page cache's, kept in memory
        self.outputs: set[str] = set()  # the files of the last build

    def holds(self, path: str, key: str) -> bool:
        return self.keys.get(path) == key and os.path.exists(path)

    def remember(self, path: str, key: str, search: list) -> None:
        self.keys[path] = key
        self.search[key] = search

    def forget_all_but(self, used: set[str]) -> None:
        """Keep what the last build used, so memory holds one site's worth, not a history."""
        self.search = {k: v for k, v in self.search.items() if k in used}
        self.conversions = {k: v for k, v in self.conversions.items() if k in used}


@contextlib.contextmanager
def _no_clean(site_dir: str, written: Written):
    """Keep the site folder during a build; afterwards remove what the build did not produce:
    files older than the build that no file of the build is written to. Every writer that
    leaves a file holding the same bytes as it is renews its time (the web copies, the
    emails' images), and the build's start is read from the file system's own clock, which
    can lag `time.time()` by a tick."""
    from mkdocs import utils
    from mkdocs.structure.files import Files

    clean, copy_static = utils.clean_directory, Files.copy_static_files
    started = _file_clock(site_dir)
    utils.clean_directory = lambda directory: None

    def copy_changed(self, dirty=False, **kwargs):
        return copy_static(self, True, **kwargs)  # copy a file only if its source is newer

    Files.copy_static_files = copy_changed
    built: dict = {}
    try:
        yield built
    finally:
        utils.clean_directory, Files.copy_static_files = clean, copy_static
    outputs = built.get("outputs", set())
    if outputs != written.outputs:  # with the same files, every other output was produced
        _remove_stale(Path(site_dir), started, outputs)
    written.outputs = outputs


def _file_clock(site_dir: str) -> float:
    """The time the file system gives a file made now, beside the site folder."""
    with tempfile.NamedTemporaryFile(dir=Path(site_dir).parent, prefix=".catalyst-") as mark:
        return os.fstat(mark.fileno()).st_mtime


def _remove_stale(site: Path, started: float, outputs: set[str]) -> None:
    for path in sorted(site.rglob("*"), reverse=True):  # files before their folders
        with contextlib.suppress(OSError):
            if path.is_dir():
                if not any(path.iterdir()):
                    path.rmdir()
            elif str(path) not in outputs and path.stat().st_mtime < started:
                path.unlink()


class _Collector:
    """What follows a build, taken off the save's path: shutting its plugins down and
    Python's cycle collector. This process holds a whole site (the page cache's
    conversions, the memos, the build under way); at the default threshold a rebuild at L
    starts about 170 collections, some of them of everything: a tenth of its time. So while
    a rebuild runs, young objects are collected every 20,000 allocations rather than 700,
    and half a second after it, once the browser has reloaded, its plugins are shut down
    (Material's blog plugin removes a folder of some 400 files: 0.04-0.5 s) and the build,
    cyclic garbage once it is over, is collected in one pass (`settle`). A save before then
    settles first: memory stays at about one site's worth either way. After the first
    build, what is still alive is the server's own (modules, memos, the page cache in
    memory): it is frozen (`freeze`), so later collections look only at what rebuilds
    make: at L a full collection after a rebuild takes 0.06-0.09 s, not 0.13-0.27 s."""

    IDLE = 0.5  # seconds after a rebuild

    def __init__(self):
        self._lock = threading.Lock()
        self._finished = None  # the config of a build over, its plugins not shut down
        self._timer: threading.Timer | None = None
        self._builds = 0

    @contextlib.contextmanager
    def building(self):
        self.settle()
        self._builds += 1
        thresholds = gc.get_threshold()
        if self._builds > 1:
            gc.set_threshold(20_000, *thresholds[1:])
        try:
            yield
        finally:
            gc.set_threshold(*thresholds)

    def finished(self, config) -> None:
        """`config`'s build is over: settle it after an idle moment (the first build is
        settled by `freeze`, once the server has let it go)."""
        self._finished = config
        if self._builds == 1:
            return
        self._timer = threading.Timer(self.IDLE, self.settle)
        self._timer.daemon = True
        self._timer.start()

    def settle(self) -> None:
        """Shut the last build's plugins down, let the build go and collect it."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()  # nothing if it is the timer that runs this
            config, self._finished = self._finished, None
            if config is None:
                return
            try:
                config.plugins.on_shutdown()
            finally:
                _forget_builds()
                del config
                gc.collect()

    def freeze(self) -> None:
        """Settle, then freeze what is left: called once the first build is let go."""
        self.settle()
        gc.freeze()


def _forget_builds() -> None:
    """Let go of a build that is over, so that it can be freed: MkDocs' own cache of plugin
    instances, and the caches plugins keep on their classes, keyed on one build's objects
    (mkdocs-rss-plugin's `author_name_from_id` is an
    `lru_cache` on a method: its key holds the plugin's view of Material's blog plugin, and
    so the whole build, for the next 128 lookups)."""
    from catalyst.site.build import fresh_plugins

    fresh_plugins()
    with contextlib.suppress(ImportError, AttributeError):
        from mkdocs_rss_plugin.integrations.theme_material_blog_plugin import (
            IntegrationMaterialBlog,
        )

        IntegrationMaterialBlog.author_name_from_id.cache_clear()


class Builder:
    """Builds the site for the server, in this process, from a freshly loaded config."""

    def __init__(self, config_file: str | None, site_dir: str, dev_addr: str | None):
        self.config_file = config_file
        self.site_dir = site_dir
        self.dev_addr = dev_addr
        self.written = Written()
        self.serve_url = ""
        self.collector = _Collector()

    def start(self):
        """A freshly loaded config whose plugins are new and started up."""
        config = self.load()
        config.plugins.on_startup(command="serve", dirty=False)
        return config

    def load(self):
        from mkdocs.config import load_config

        from catalyst.site.build import fresh_plugins

        fresh_plugins()
        options = {"dev_addr": self.dev_addr} if self.dev_addr else {}
        config = load_config(config_file=self.config_file, site_dir=self.site_dir, **options)
        if self.serve_url:
            config.site_url = self.serve_url
        return config

    def __call__(self, config=None) -> None:
        """One build: of `config` (started up) or of a fresh one. Nothing of the build is
        held once it returns, so the collection after it frees the whole build."""
        log.info("Building documentation...")
        with self.collector.building():
            self._build(config or self.start())

    def _build(self, config) -> None:
        from mkdocs.commands.build import build

        from catalyst.site import memo

        memo.install()
        catalyst = config.plugins.get("catalyst")
        if catalyst is not None:
            catalyst.written = self.written
        try:
            with _no_clean(self.site_dir, self.written) as built:
                build(config, serve_url=self.serve_url)
                built["outputs"] = {
                    f.abs_dest_path for f in (catalyst._files if catalyst is not None else [])
                }
        finally:
            self.collector.finished(config)


@click.command(name="serve")
@click.option("-a", "--dev-addr", metavar="IP:PORT",
              help="Where to serve it (default: mkdocs.yml's dev_addr, 127.0.0.1:8000).")
@click.option("-o", "--open", "open_browser", is_flag=True, help="Open it in a browser.")
@click.pass_obj
def command(obj, dev_addr: str | None, open_browser: bool) -> None:
    """Live preview: rebuild on every save, redoing only what the save changed."""
    serve(obj["config_file"], dev_addr, open_browser)


def serve(config_file: str | None, dev_addr: str | None, open_browser: bool = False) -> None:
    """Build the site, serve it, rebuild on every save until interrupted."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    import watchdog.observers
    from mkdocs.livereload import LiveReloadServer, _serve_url

    _log_to_stderr()
    site_dir = tempfile.mkdtemp(prefix="catalyst-serve-")
    builder = Builder(config_file, site_dir, dev_addr)
    config = builder.start()
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path
    builder.serve_url = config.site_url = _serve_url(host, port, mount_path)
    server = LiveReloadServer(builder=builder, host=host, port=port, root=site_dir,
                              mount_path=mount_path)
    # inotify where the system has it: a save is seen at once, and idle costs nothing.
    server.observer = _changes_only(watchdog.observers.Observer())
    server.error_handler = lambda code: _error_page(site_dir, code)
    try:
        builder(config)
        server = _watch(server, config, builder)
        del config  # the first build's: nothing of a finished build is held
        builder.collector.freeze()
        try:
            server.serve(open_in_browser=open_browser)
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
    finally:
        builder.collector.settle()
        shutil.rmtree(site_dir, ignore_errors=True)


def _watch(server, config, builder):
    """What `mkdocs serve` watches: the docs, the config file, the plugins' choices (the
    first build's plugins say, as MkDocs asks them after its first build) and `watch`."""
    server.watch(config.docs_dir)
    if config.config_file_path:
        server.watch(config.config_file_path)
    server = config.plugins.on_serve(server, config=config, builder=builder)
    for item in config.watch:
        server.watch(item)
    return server


def _changes_only(observer):
    """An observer whose handlers hear of changes only: inotify also reports files opened and
    closed unwritten, and every build reads every file, which would start the next build."""
    from watchdog.events import EVENT_TYPE_CLOSED_NO_WRITE, EVENT_TYPE_OPENED

    schedule = observer.schedule

    def schedule_changes(handler, path, recursive=False, **kwargs):
        forward = handler.dispatch

        def dispatch(event):
            if event.event_type not in (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE):
                forward(event)

        handler.dispatch = dispatch
        return schedule(handler, path, recursive=recursive, **kwargs)

    observer.schedule = schedule_changes
    return observer


def _log_to_stderr() -> None:
    """MkDocs' messages (INFO and up) on stderr, as `mkdocs serve` shows them."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _error_page(site_dir: str, code: int) -> bytes | None:
    page = Path(site_dir) / f"{code}.html"
    return page.read_bytes() if code in (404, 500) and page.is_file() else None
