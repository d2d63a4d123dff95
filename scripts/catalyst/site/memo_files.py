"""What `catalyst serve` remembers across rebuilds of what comes from several files: the email
cache's entries, each kept while every file it comes from keeps its size and modification time
(as `memo._file_memo` does for one document)."""

from __future__ import annotations

import functools
import json
import os


def _stat(path) -> tuple | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def email_entries(cached):
    """`email.cache.cached(settings, month, key)` remembered while its entry file and every
    file the entry lists (the email's prepared images) keep their size and modification time:
    otherwise each save reads and parses 120 entries and hashes their images again. The
    email is frozen, so it is shared; a miss (None) is never remembered."""
    from catalyst.email import cache

    remembered: dict = {}

    @functools.wraps(cached)
    def entry(settings, month, key):
        path = cache.cache_dir(settings) / f"{month}.json"
        stat = _stat(path)
        hit = remembered.get(str(path))
        if hit is not None and hit[:2] == (key, stat) and all(
            _stat(name) == seen for name, seen in hit[2]
        ):
            return hit[3]
        try:  # what the entry lists, as it was before `cached` reads it (a later change shows)
            listed = json.loads(path.read_text(encoding="utf-8")).get("files", {})
            files = tuple((name, _stat(name)) for name in listed)
        except (OSError, ValueError, AttributeError):
            files = None
        email = cached(settings, month, key)
        if email is not None and files is not None and _stat(path) == stat:
            remembered[str(path)] = (key, stat, files, email)
        else:
            remembered.pop(str(path), None)
        return email

    return entry
