"""Emails rendered ahead: while MkDocs writes a site's pages on this core, the emails the
cache lacks render into the cache on another, so the build's `build_all` finds them there.

At L (120 issues) a cold build renders every email, about 9 s of its 55 s on one core. The
emails need only the content and the settings: a process of their own (`python -m
catalyst.email.ahead`, handed them through its standard input) loads the same content at
the same moment and renders them. A new interpreter rather than a fork: a fork beside
another thread (`mkdocs serve`) is unsafe, and a forked copy of a build's memory is copied
again page by page as reference counts are written (measured: 4 s more system time at L).
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

from catalyst.content.library import Library
from catalyst.email.build import build_many
from catalyst.email.cache import cache_key, holds_key, shared_inputs
from catalyst.errors import EmailError
from catalyst.settings import Settings

AHEAD_MIN = 8  # emails to render, at the least, for a process of their own to pay


class Ahead:
    """Emails being rendered into the cache by a process of their own (`render_ahead`)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self._process = process

    def wait(self) -> None:
        """Until the process is done. What it could not render, `build_all` renders here (its
        errors included): the cache holds only whole, finished entries (`store` is atomic)."""
        self._process.wait()

    def cancel(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
        self._process.wait()


def render_ahead(settings: Settings, library: Library, months: list[str]) -> Ahead | None:
    """Start rendering those of `months`' emails the cache lacks on another core, or None
    when fewer than AHEAD_MIN are missing or there is one core."""
    misses = _misses(settings, library, months)
    if len(misses) < AHEAD_MIN or cores() < 2:
        return None
    package = str(Path(__file__).resolve().parents[2])  # this very catalyst, however found
    path = os.pathsep.join(p for p in (package, os.environ.get("PYTHONPATH")) if p)
    process = subprocess.Popen(
        [sys.executable, "-m", "catalyst.email.ahead"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it reports nothing: what it cannot do is done here
        env={**os.environ, "PYTHONPATH": path},
    )
    with process.stdin:
        process.stdin.write(pickle.dumps((settings, misses, library.preview, library.now)))
    return Ahead(process)


def _misses(settings: Settings, library: Library, months: list[str]) -> list[str]:
    """The months whose cache entry is missing or for other inputs."""
    try:
        shared = shared_inputs(settings, library)
        keys = {month: cache_key(settings, library, month, shared) for month in months}
    except EmailError:
        return []  # build_all gives the error
    return [month for month in months if not holds_key(settings, month, keys[month])]


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def main() -> int:
    """The process: (settings, months, preview, now) pickled on standard input, written by
    `render_ahead` (the parent's own objects, never content's)."""
    from catalyst.content import loader

    logging.disable(logging.CRITICAL)  # the build's messages are the parent's to give
    settings, months, preview, now = pickle.load(sys.stdin.buffer)
    library, _ = loader.load(settings, preview=preview, now=now)
    build_many(settings, library, months)
    return 0


if __name__ == "__main__":
    sys.exit(main())
