"""The size rule, in one place: an email above `email_max_kb` is an error (no command writes,
uploads or publishes it), above `email_warn_kb` a warning (Gmail clips at 102 KB).
"""

from __future__ import annotations

from catalyst.content.library import Library
from catalyst.email import images
from catalyst.email.rendered import RenderedEmail
from catalyst.errors import EmailError, Problem
from catalyst.settings import Settings


def size_kb(rendered: RenderedEmail) -> float:
    return len(rendered.html.encode("utf-8")) / 1024


def budget(settings: Settings, library: Library, email: RenderedEmail) -> Problem | None:
    """The size rule, in one place: an error above `email_max_kb`, a warning above
    `email_warn_kb` (Gmail clips messages over 102 KB), at the issue's file; else None."""
    size = size_kb(email)
    if size <= settings.email_warn_kb and size <= settings.email_max_kb:
        return None
    issue = library.issues.get(email.month)
    source = issue.source if issue is not None and issue.source else (
        settings.shown(settings.issues_dir / f"{email.month}.md"))
    advice = (
        f"email is {size:.1f} KB; Gmail clips messages over 102 KB, so keep it under "
        f"{settings.email_max_kb} KB (shorten the letter or leave a section to the site)"
    )
    level = "error" if size > settings.email_max_kb else "warning"
    return Problem(source, 1, advice, level)


def image_budget(settings: Settings, library: Library, email: RenderedEmail) -> list[Problem]:
    """The prepared images' budgets (email.images), at the issue's file."""
    issue = library.issues.get(email.month)
    source = issue.source if issue is not None and issue.source else (
        settings.shown(settings.issues_dir / f"{email.month}.md"))
    return images.budget_problems(settings, source, [tuple(i) for i in email.images])


def within_budget(settings: Settings, library: Library, email: RenderedEmail) -> RenderedEmail:
    """`email` if it is within `email_max_kb` and its images within theirs, else an
    EmailError naming the issue's file."""
    problem = budget(settings, library, email)
    if problem is not None and problem.level == "error":
        raise EmailError(problem.path, problem.message, problem.line)
    for problem in image_budget(settings, library, email):
        raise EmailError(problem.path, problem.message, problem.line)
    return email
