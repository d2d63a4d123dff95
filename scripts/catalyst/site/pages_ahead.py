"""Pages ahead: a cold build's second core does its pages from the last one back.

MkDocs converts every page's Markdown, then renders every page's template, one page after the
other on one core. When a `catalyst build` with two cores starts either loop (incremental.py's
`Session`), it forks: the copy takes the pages from the last one back and does for each what
the build itself would do (MkDocs' `_populate_page`, then `_build_page`), so each result lands
in the page cache under the very key the build looks it up by. The build goes on from the first
page forwards; where the copy has been, it finds the entry and takes it as a warm build does.
Every plugin event still runs in the build's own process, in MkDocs' order, and the files
written are those of a warm build, which the page cache's byte-for-byte tests cover: the copy
can make a build faster, never different. The two meet in the middle: the build says in
shared memory which page it has got to, and the copy stops there (or at the first page it
finds in the cache: then the build is warm, and the copy has nothing to add). The copy
writes cache entries and nothing else (a rendered page stays in its memory), prints nothing,
and is stopped before the build goes on to its next step.

It stays out under `mkdocs serve` and `catalyst serve` (a fork beside the server's threads is
unsafe), with any other thread running, on one core, outside Linux (Windows has no fork; on
macOS a fork is unsafe once system frameworks are loaded), and with fewer pages than the
`pages_ahead` setting (200 by default: below that a fork costs more than it saves; 0 turns it
off).
"""

from __future__ import annotations

import gc
import logging
import mmap
import os
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence

from catalyst.email.ahead import cores

log = logging.getLogger("mkdocs.plugins.catalyst")

_SLOT = struct.Struct("q")
_REACHED, _DONE = 0, _SLOT.size  # offsets in the shared memory: the build's page, the copy's count
_END = 2**62  # "stop": further than any page
STOP_WAIT_SECONDS = 5.0  # for the copy to finish the page it is on before it is killed


def usable(pages: int, least: int) -> bool:
    """Whether a copy would pay for a build of `pages` pages here (see the module's
    docstring); `start` itself refuses to fork beside another thread."""
    return least > 0 and pages >= least and sys.platform.startswith("linux") and cores() >= 2


class Copy:
    """A forked copy of the build doing `items` from the last one back (`start`)."""

    def __init__(self, pid: int, shared: mmap.mmap, positions: dict[int, int]):
        self.pid = pid
        self._shared = shared
        self._positions = positions  # id(item) -> its index
        self._reached = -1
        self.status = 0

    def reached(self, item) -> None:
        """The build has got to `item`: the copy stops before doing it or any before it."""
        index = self._positions.get(id(item))
        if index is not None and index > self._reached:
            self._reached = index
            _SLOT.pack_into(self._shared, _REACHED, index)

    def stop(self) -> int:
        """Stop the copy (it finishes the page it is on) and wait for it; how many it did."""
        if self.pid:
            _SLOT.pack_into(self._shared, _REACHED, _END)
            self._reap(STOP_WAIT_SECONDS)
        return _SLOT.unpack_from(self._shared, _DONE)[0]

    def wait(self) -> int:
        """Wait until the copy has done what it would (not stopped); its exit status."""
        return self._reap(None)

    def _reap(self, timeout: float | None) -> int:
        """The copy's exit status, once it has ended; killed after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.pid:
            finished, status = os.waitpid(self.pid, os.WNOHANG if deadline else 0)
            if finished:
                self.pid, self.status = 0, os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                deadline = None
            else:
                time.sleep(0.005)
        return self.status


class Ahead:
    """A build's use of copies (incremental.Session holds one): a copy for its conversions,
    forked at the first; then one for its templates, forked at the first page's."""

    def __init__(self, least: int):
        self.least = least  # pages, at the least, for a copy (0: never)
        self.loops: set[str] = set()  # the loops a copy was considered for
        self.copy: Copy | None = None
        self.done = 0  # pages the copies did
        self.captured: dict[str, bytes] | None = None  # a copy's pages, kept from site/

    def converting(self, session, config, files, file) -> None:
        """The build converts `file`'s page (incremental.Session.render)."""
        if "convert" not in self.loops:
            self.loops.add("convert")
            self.copy = self._fork(session, *_conversions(session, config, files))
        if self.copy is not None:
            self.copy.reached(file)

    def rendering(self, session, config, doc_files, nav, env, file) -> None:
        """The build renders `file`'s template (incremental.Session.build_page)."""
        if "render" not in self.loops:
            self.loops.add("render")
            render = _templates(self, session, config, doc_files, nav, env)
            self.copy = self._fork(session, doc_files, render)
        if self.copy is not None:
            self.copy.reached(file)

    def stop(self) -> None:
        """The loop is over (or the build failed): the copy stops."""
        copy, self.copy = self.copy, None
        if copy is not None:
            self.done += copy.stop()

    def _fork(self, session, items, do) -> Copy | None:
        if not usable(len(items), self.least):
            return None
        session.store.flush()  # its writer thread ends: no thread beside the fork

        def do_at_once(item) -> bool:
            session.store.at_once = True  # each entry there before the build may look for it
            return do(item)

        return start(items, do_at_once, session.store.flush)


def _conversions(session, config, files) -> tuple[list, Callable[[object], bool]]:
    """The pages MkDocs converts, in its order, and how the copy converts one: as MkDocs'
    build does; False when it was in the cache already."""
    from mkdocs.commands.build import _populate_page
    from mkdocs.structure.files import InclusionLevel
    from mkdocs.structure.pages import Page

    def convert(file) -> bool:
        if file.page is None:  # a page outside the nav, as MkDocs' build makes it
            Page(None, file, config)
        hits = session.store.hits
        _populate_page(file.page, config, files)
        return session.store.hits == hits

    return files.documentation_pages(inclusion=InclusionLevel.is_included), convert


def _templates(ahead: Ahead, session, config, doc_files, nav, env) -> Callable[[object], bool]:
    """How the copy renders a page: as the build does, the HTML kept in memory, not written
    to site/; False when it was in the cache already."""
    from mkdocs import utils

    def render(file) -> bool:
        if ahead.captured is None:
            captured = ahead.captured = {}

            def write_file(content: bytes, path: str) -> None:
                captured[path] = content

            utils.write_file = write_file  # in the copy's memory only: it never returns
        hits = session.store.hits
        session.build_page(file.page, config, doc_files, nav, env, file.inclusion.is_excluded())
        return session.store.hits == hits

    return render


def start(items: Sequence, do: Callable[[object], bool], ready: Callable[[], None]) -> Copy | None:
    """Fork a copy that calls `do(item)` for `items` from the last one back, until the build
    has reached that item (`Copy.reached`) or `do` returns False (the item was done already);
    then `ready()` (the copy's cache entries written) and it exits. None, and no fork, beside
    another thread (it may hold a lock the copy would wait on for ever), or if the fork failed."""
    if threading.active_count() > 1:
        log.debug("catalyst: no copy for pages ahead: another thread is running")
        return None
    shared = mmap.mmap(-1, 2 * _SLOT.size)
    _SLOT.pack_into(shared, _REACHED, -1)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    parent = os.getpid()
    gc.freeze()  # the copy's collector leaves the build's objects (and their pages) alone
    try:
        pid = os.fork()
    except OSError as error:
        log.debug("catalyst: no copy for pages ahead: %s", error)
        return None
    finally:
        if os.getpid() == parent:
            gc.unfreeze()
    if pid == 0:
        _copy(shared, items, do, ready, parent)  # never returns
    return Copy(pid, shared, {id(item): index for index, item in enumerate(items)})


def _copy(shared, items, do, ready, parent) -> None:
    code = 1
    try:
        _silence()
        done = 0
        for index in range(len(items) - 1, -1, -1):
            if _SLOT.unpack_from(shared, _REACHED)[0] >= index or os.getppid() != parent:
                break
            if not do(items[index]):
                break
            done += 1
            _SLOT.pack_into(shared, _DONE, done)
        ready()
        code = 0
    except BaseException:  # noqa: BLE001 - the build does whatever the copy did not
        pass
    finally:
        os._exit(code)


def _silence() -> None:
    """The copy says nothing: its messages are the build's to give, when it does the page.
    Its streams go nowhere, at the descriptor (what MkDocs' logging writes to) and above
    (streams a test or a wrapper put in their place); the page cache's recorder still hears."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    nowhere = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - until the copy exits
    sys.stdout = sys.stderr = nowhere
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler):
                handler.stream = nowhere  # not setStream: its flush would write the build's
