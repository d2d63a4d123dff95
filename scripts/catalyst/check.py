"""The editor-facing checks: every rule over every file, as a list of Problems.

The content model's rules (schema, references, images, alt text), placeholders
(`catalyst.placeholders`: a `TODO:` left by `catalyst new`, example addresses, sample ids and
images marked as placeholders), internal links and images, email size budgets and, on request,
external links. Nothing here prints: the CLI shows the problems.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import content, emails, links, placeholders
from .config import Settings
from .model import Problem
from .pages import generated_pages


def source_files(settings: Settings) -> list[tuple[Path, str, str]]:
    """(path, path shown to editors, URI on the site relative to docs_dir) of every page source."""
    root, docs = settings.root, settings.docs_dir
    found = [
        (path, path.relative_to(root).as_posix(), path.relative_to(docs).as_posix())
        for path in sorted(docs.rglob("*.md"))
    ]
    if settings.issues_dir.is_dir():
        found += [
            (path, path.relative_to(root).as_posix(), f"issues/{path.name}")
            for path in sorted(settings.issues_dir.glob("*.md"))
        ]
    return found


def run(
    settings: Settings,
    *,
    external: bool = False,
    release: bool = False,
    progress: Callable[[int, int], None] | None = None,
    config_file: Path | None = None,
) -> list[Problem]:
    """Every problem in the project, errors and warnings, sorted by file and line.

    `release`: placeholders in anything that would be published are errors, not warnings.
    """
    # Everything that is not a draft, live or upcoming: the content is checked as it will
    # be, not as today's site shows it (links that would break for a while are flagged).
    library, problems = content.load(settings, preview=True)
    files = source_files(settings)
    # Each file read once for the checks that scan its text: (text, shown, uri).
    texts = [(path.read_text(encoding="utf-8"), shown, uri) for path, shown, uri in files]
    problems += placeholders.problems(
        placeholders.scan(settings, library, texts, config_file), release=release
    )
    site = links.Site(library, settings, generated_pages(library) | {"index.md"})
    problems += links.internal_problems(texts, site)
    if not _errors(problems):  # emails of broken content would only repeat its errors
        problems += emails.budget_problems(settings, library)
    if external:
        cache = links.LinkCache(settings.build_dir / "cache" / "links.json")
        problems += links.external_problems(files, cache, progress=progress)
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.level, p.message))


def _errors(problems: list[Problem]) -> bool:
    return any(p.level == "error" for p in problems)
