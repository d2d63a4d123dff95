"""The editor-facing checks: every rule over every file, as a list of Problems.

The content model's rules (schema, references, images, alt text), placeholders left
by `catalyst new`, internal links and images, the content HTML policy (`safety`), email
size budgets and, on request, external links. Nothing here prints: the CLI shows the problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from . import content, emails, links, safety
from .config import Settings
from .model import Library, Problem
from .pages import generated_pages
from .scaffold import PLACEHOLDER

_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER) + r"\s*(.*)")


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


def placeholders(library: Library, texts: list[tuple[str, str, str]]) -> list[Problem]:
    """`TODO:` markers: a warning in a draft, an error in anything readers would see."""
    drafts = {
        item.source
        for group in (library.posts, library.resources, library.catalyzers, library.issues)
        for item in group.values()
        if item.draft
    }
    problems = []
    for text, shown, _ in texts:
        for number, line in links.prose_lines(text):
            match = _PLACEHOLDER.search(line)
            if not match:
                continue
            field = line.split(":", 1)[0].strip(" -") if ":" in line[: match.start()] else "text"
            # The rest of the line, less the YAML quoting around a placeholder value.
            what = match.group(1).strip().rstrip("'\"").replace("''", "'") or "a value"
            if shown in drafts:
                problems.append(Problem(shown, number, f"{field}: placeholder: {what}", "warning"))
            else:
                problems.append(
                    Problem(shown, number, f"{field}: placeholder left in a published file: {what}")
                )
    return problems


def run(
    settings: Settings,
    *,
    external: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Problem]:
    """Every problem in the project, errors and warnings, sorted by file and line."""
    library, problems = content.load(settings)
    files = source_files(settings)
    # Each file read once for the checks that scan its text: (text, shown, uri).
    texts = [(path.read_text(encoding="utf-8"), shown, uri) for path, shown, uri in files]
    problems += placeholders(library, texts)
    site = links.Site(library, settings, generated_pages(library) | {"index.md"})
    problems += links.internal_problems(texts, site)
    problems += safety.content_problems(settings, library, texts)
    if not _errors(problems):  # emails of broken content would only repeat its errors
        problems += emails.budget_problems(settings, library)
    if external:
        cache = links.LinkCache(settings.build_dir / "cache" / "links.json")
        problems += links.external_problems(files, cache, progress=progress)
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.level, p.message))


def _errors(problems: list[Problem]) -> bool:
    return any(p.level == "error" for p in problems)
