"""Emails on request: one issue's or many, from the cache when nothing they are made from
changed, rendered anew otherwise, and written to files.

They render in this process, one after the other: one takes about 25 ms and most come from
the cache, so a pool of worker processes did not pay for itself (scripts/benchmark.py). A
site build has them rendered ahead (`render_ahead`): while MkDocs writes the pages on this
core, a process of their own renders what the cache lacks on another, into the cache (at L,
120 emails: about 9 s of a cold build's 55 s).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from pathlib import Path

from catalyst.content.library import Library
from catalyst.email.budget import budget, image_budget, within_budget
from catalyst.email.cache import cache_key, cached, holds_key, shared_inputs, store
from catalyst.email.compose import render
from catalyst.email.rendered import RenderedEmail
from catalyst.errors import EmailError, Problem
from catalyst.files import write_atomic
from catalyst.settings import Settings


def build(settings: Settings, library: Library, month: str, *, cache: bool = True) -> RenderedEmail:
    """The email of issue `month` (YYYY-MM), from the cache when none of its inputs changed.

    An email over `email_max_kb` is an EmailError (see `within_budget`): no command writes,
    uploads or publishes it.
    """
    if not cache:
        return within_budget(settings, library, render(settings, library, month)[0])
    key = cache_key(settings, library, month)
    email = cached(settings, month, key)
    if email is None:
        email, files = render(settings, library, month)
        store(settings, key, email, files)
    return within_budget(settings, library, email)


def build_all(settings: Settings, library: Library, months: list[str]) -> dict[str, RenderedEmail]:
    """Many issues' emails, month -> email, from the cache or rendered anew. The first error
    is raised."""
    results = _build_many(settings, library, months)
    for outcome in results.values():
        if isinstance(outcome, EmailError):
            raise outcome
    for email in results.values():
        within_budget(settings, library, email)
    return results


def _build_many(
    settings: Settings, library: Library, months: list[str]
) -> dict[str, RenderedEmail | EmailError]:
    results: dict[str, RenderedEmail | EmailError] = {}
    keys: dict[str, str] = {}
    shared = shared_inputs(settings, library)
    for month in months:
        try:
            keys[month] = cache_key(settings, library, month, shared)
        except EmailError as error:
            results[month] = error
            continue
        email = cached(settings, month, keys[month])
        if email is not None:
            results[month] = email
    misses = [m for m in months if m not in results]
    outcomes = {month: _try_render((settings, library, month)) for month in misses}
    for month, outcome in outcomes.items():
        if isinstance(outcome, EmailError):
            results[month] = outcome
            continue
        email, files = outcome
        store(settings, keys[month], email, files)
        results[month] = email
    return {month: results[month] for month in months}


class Ahead:
    """Emails being rendered into the cache by a process of their own (`render_ahead`)."""

    def __init__(self, process) -> None:
        self._process = process

    def wait(self) -> None:
        """Until the process is done. What it could not render, `build_all` renders here (its
        errors included): the cache holds only whole, finished entries (`store` is atomic)."""
        self._process.join()

    def cancel(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


AHEAD_MIN = 8  # emails to render, at the least, for a process of their own to pay


def render_ahead(settings: Settings, library: Library, months: list[str]) -> Ahead | None:
    """Start rendering those of `months`' emails the cache lacks on another core (a process
    that loads the same content at the same moment), or None when there are fewer than
    AHEAD_MIN or one core. The process is spawned, not forked: a fork beside another thread
    (`mkdocs serve`) is unsafe, and a forked copy of a build's memory is copied again page by
    page as each side's reference counts write to it."""
    misses = _misses(settings, library, months)
    if len(misses) < AHEAD_MIN or _cores() < 2:
        return None
    process = multiprocessing.get_context("spawn").Process(
        target=_into_cache,
        args=(settings, misses, library.preview, library.now),
        name="catalyst-emails",
        daemon=True,
    )
    process.start()
    return Ahead(process)


def _misses(settings: Settings, library: Library, months: list[str]) -> list[str]:
    """The months whose cache entry is missing or for other inputs."""
    try:
        shared = shared_inputs(settings, library)
        keys = {month: cache_key(settings, library, month, shared) for month in months}
    except EmailError:
        return []  # build_all gives the error
    return [month for month in months if not holds_key(settings, month, keys[month])]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _into_cache(settings: Settings, months: list[str], preview: bool, now) -> None:
    from catalyst.content import loader

    logging.disable(logging.CRITICAL)  # this build's messages are the parent's to give
    try:
        library, _ = loader.load(settings, preview=preview, now=now)
        _build_many(settings, library, months)
    except Exception:  # noqa: BLE001 - the parent renders (and reports) what is missing
        os._exit(1)


def _try_render(args) -> tuple[RenderedEmail, dict] | EmailError:
    try:
        return render(*args)
    except EmailError as error:
        return error


def write(rendered: RenderedEmail, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write `YYYY-MM.html` and `YYYY-MM.txt` into `out_dir`, each atomically."""
    out = Path(out_dir)
    html_path = out / f"{rendered.month}.html"
    text_path = out / f"{rendered.month}.txt"
    write_atomic(html_path, rendered.html)
    write_atomic(text_path, rendered.text)
    return html_path, text_path


def budget_problems(settings: Settings, library: Library) -> list[Problem]:
    """Each issue whose email is over budget (see `budget`), or cannot be built at all."""
    problems: list[Problem] = []
    issues = sorted(library.issues.values(), key=lambda i: i.month)
    outcomes = _build_many(settings, library, [i.month for i in issues])
    for issue in issues:
        outcome = outcomes[issue.month]
        if isinstance(outcome, EmailError):
            problems.append(Problem(outcome.path, outcome.line, f"email: {outcome.message}"))
            continue
        problem = budget(settings, library, outcome)
        if problem is not None:
            problems.append(problem)
        problems += image_budget(settings, library, outcome)
    return problems
