"""The page cache on disk: content-addressed entries under build/cache/pages, written atomically.

An entry is named by the digest of everything its content was made from (see
`fingerprint.py`), so an entry is either right or never looked up: nothing is ever
invalidated, only swept. Each entry is one file: a JSON header (what the build needs
besides the text: a page's table of contents, its search entries, the warnings it logged)
then the text itself (the HTML). Reading a damaged or foreign entry is a miss, never an error.

After a build that finished, `sweep` removes the entries that build did not use and that
no build used for a day, so the cache holds about one site's worth per kind of build
(`catalyst build` and `catalyst serve` differ in their site URL, hence in every page).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from catalyst.files import write_atomic

# Bump when an entry's layout or meaning changes: old entries are then never read.
FORMAT = b"catalyst-page-cache 1\n"
KEEP_UNUSED_SECONDS = 24 * 3600
# Entries are touched when used, at most this often, so `sweep` can tell them from stale ones.
TOUCH_AFTER_SECONDS = 3600


def digest(*parts: str | bytes) -> str:
    """A short, stable name for a tuple of strings (sha256, hex, 32 characters)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


class Store:
    """Entries in one folder, two levels deep (ab/abcdef...) to keep folders small."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()
        self.hits = self.misses = self.writes = 0
        self._now = time.time()
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []
        self.at_once = False  # write each entry before `put` returns, not on a thread

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> tuple[dict, bytes] | None:
        """The entry's header and body, or None when there is none (or it cannot be read)."""
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
                mtime = os.fstat(handle.fileno()).st_mtime
        except OSError:
            self.misses += 1
            return None
        entry = _parse(data)
        if entry is None:
            self.misses += 1
            return None
        self.used.add(key)
        self.hits += 1
        if self._now - mtime > TOUCH_AFTER_SECONDS:
            with contextlib.suppress(OSError):
                os.utime(path)
        return entry

    def keep(self, key: str) -> None:
        """Count an entry as used without reading it (its content is known to be in place)."""
        self.used.add(key)
        self.hits += 1

    def put(self, key: str, header: dict, body: bytes) -> None:
        """Write an entry atomically (a reader sees the whole entry or none), on a thread of
        its own: its file-system calls overlap the build's work. `flush` waits for them."""
        blob = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        data = b"".join([FORMAT, len(blob).to_bytes(8, "little"), blob, body])
        self.used.add(key)
        self.writes += 1
        if self.at_once:
            write_atomic(self._path(key), data)
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="catalyst-page-cache")
        self._pending.append(self._writer.submit(write_atomic, self._path(key), data))

    def flush(self) -> None:
        """Wait until every entry put is written; the first that could not be is raised."""
        writer, self._writer = self._writer, None
        pending, self._pending = self._pending, []
        if writer is not None:
            writer.shutdown(wait=True)
        for written in pending:
            written.result()

    def sweep(self) -> int:
        """Remove entries this build did not use and no build used for a day; return how many."""
        removed = 0
        limit = self._now - KEEP_UNUSED_SECONDS
        for folder in self.folder.glob("??"):
            for path in folder.iterdir():
                if path.name in self.used:
                    continue
                with contextlib.suppress(OSError):
                    stale = path.name.endswith(".tmp") or path.stat().st_mtime < limit
                    if stale:
                        path.unlink()
                        removed += 1
        return removed


def _parse(data: bytes) -> tuple[dict, bytes] | None:
    if not data.startswith(FORMAT):
        return None
    start = len(FORMAT) + 8
    size = int.from_bytes(data[len(FORMAT):start], "little")
    try:
        header = json.loads(data[start:start + size])
    except ValueError:
        return None
    if not isinstance(header, dict):
        return None
    return header, data[start + size:]
