"""The editor-facing checks: every rule over every file, as a list of Problems.

The content model's rules (schema, references, images, alt text, symlinks, bounds),
placeholders (`catalyst.content.placeholders`: a `TODO:` left by `catalyst new`, example addresses,
sample ids and images marked as placeholders), internal links and images, the editor
warnings of `lint`, the content HTML policy (`safety`), email size budgets and, on
request, external links. Nothing here prints: the CLI shows the problems.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from catalyst import safety, urls
from catalyst.content import links, lint, paths, placeholders
from catalyst.content import loader as content
from catalyst.content.frontmatter import read_source
from catalyst.email import build as emails
from catalyst.errors import Problem
from catalyst.settings import Settings
from catalyst.site.pages import generated_pages


def source_files(settings: Settings) -> list[tuple[Path, str, str]]:
    """(path, path shown to editors, URI on the site relative to docs_dir) of every page source.

    The files `paths.scan` accepts, as MkDocs sees them: never a symlink's outside target."""
    root, docs, issues = settings.root, settings.docs_dir, settings.issues_dir
    scan = paths.scan(settings)
    found = [
        (path, path.relative_to(root).as_posix(), path.relative_to(docs).as_posix())
        for path in scan.under(docs, ".md")
    ]
    found += [
        (path, path.relative_to(root).as_posix(), urls.issue_source(path.stem))
        for path in scan.under(issues, ".md", recursive=False)
    ]
    return found


def read_texts(files: list[tuple[Path, str, str]]) -> tuple[list[tuple[str, str, str]], list]:
    """(text, shown, uri) of each file, read as the loader reads them, and the problems of
    those that cannot be read (not UTF-8, say), which are then left out of the scans."""
    texts, problems = [], []
    for path, shown, uri in files:
        try:
            texts.append((read_source(path, shown), shown, uri))
        except content.ContentError as error:
            problems += error.problems
    return texts, problems


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
    texts, unreadable = read_texts(files)
    problems += unreadable
    problems += placeholders.problems(
        placeholders.scan(settings, library, texts, config_file), release=release
    )
    problems += lint.problems(library, texts)
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
