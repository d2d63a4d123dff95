"""What `catalyst serve` remembers across rebuilds of what is read from files: the content
library and the email cache's entries, each kept while every file it comes from keeps its size
and modification time (as `memo._file_memo` does for one document)."""

from __future__ import annotations

import dataclasses
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


def _stamp(settings, preview: bool) -> tuple:
    """Everything `loader.Loader.read_files` reads: the settings, the files the scan finds
    (each with its size and time: documents, the authors file, the images items name) and the
    scan's own problems (links refused)."""
    from catalyst.content import paths

    scan = paths.scan(settings)
    files = tuple((str(path), _stat(path)) for path in scan.files)
    return repr(settings), preview, files, repr(scan.problems)


def content(load):
    """`loader.load(settings, preview=, now=)` whose reading of the files is remembered while
    `_stamp` is the same; each call gets a library of its own (fresh dicts and sets, its own
    moment: the items are frozen and shared), its cross-references checked at that moment."""
    from catalyst.content import loader
    from catalyst.content.publishing import build_now

    last: dict = {}

    @functools.wraps(load)
    def remembered(settings, *, preview: bool = False, now=None):
        now = now or build_now()  # as the Loader does, before reading anything
        stamp = _stamp(settings, preview)  # taken first: a file changed meanwhile shows next time
        if last.get("stamp") != stamp:
            reader = loader.Loader(settings, preview=preview, now=now)
            reader.read_files()
            last.clear()
            last.update(stamp=stamp, library=reader.library, problems=list(reader.problems))
        seen = last["library"]
        library = dataclasses.replace(
            seen, posts=dict(seen.posts), resources=dict(seen.resources),
            catalyzers=dict(seen.catalyzers), issues=dict(seen.issues),
            lines=dict(seen.lines), invalid=set(seen.invalid), now=now, preview=preview,
            _featured=((), (), {}),
        )
        return library, loader.in_order(last["problems"] + library.problems())

    return remembered
