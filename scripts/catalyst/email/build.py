"""Emails on request: one issue's or many, from the cache when nothing they are made from
changed, rendered anew otherwise, and written to files.

They render in this process, one after the other: one takes about 25 ms and most come from
the cache, so a pool of worker processes did not pay for itself (scripts/benchmark.py). A
site build has those the cache lacks rendered ahead, on another core (`email.ahead`).
"""

from __future__ import annotations

import os
from pathlib import Path

from catalyst.content.library import Library
from catalyst.email.budget import budget, image_budget, within_budget
from catalyst.email.cache import cache_key, cached, shared_inputs, store
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
    results = build_many(settings, library, months)
    for outcome in results.values():
        if isinstance(outcome, EmailError):
            raise outcome
    for email in results.values():
        within_budget(settings, library, email)
    return results


def build_many(
    settings: Settings, library: Library, months: list[str]
) -> dict[str, RenderedEmail | EmailError]:
    """Each of `months`' email or its error, from the cache or rendered and stored there."""
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
    outcomes = build_many(settings, library, [i.month for i in issues])
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
