"""The one error hierarchy: every error the package raises for a user to fix is a
`CatalystError` (the CLI turns it into a clean message in one place), and a `Problem` is one
thing to fix at its file and line.

Errors that carry several problems (`ProblemsError`: content, build, mkdocs.yml) list each;
the Mailchimp errors live with the scrubbing that keeps the key out of their messages
(`catalyst.mailchimp.api.MailchimpError`), and are CatalystErrors too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """One thing an editor must fix (or, for a warning, should look at)."""

    path: str
    line: int
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message}"

    def shown(self) -> str:
        """As printed: `path:line: level: message`, or `level: message` without a file."""
        return str(self) if self.path else f"{self.level}: {self.message}"


class CatalystError(Exception):
    """Something the user can fix; `str()` is the whole message, exit code 1."""


class ProblemsError(CatalystError):
    """Many problems at once: `problems` lists each; `summary` counts them."""

    def __init__(self, problems: list[Problem], summary: str | None = None):
        self.problems = problems
        self.summary = summary or _count(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        return "\n".join(p.shown() for p in self.problems)


class ConfigError(CatalystError):
    """mkdocs.yml cannot be read or its catalyst options are wrong."""


class ContentError(ProblemsError):
    """The content has problems; `problems` lists every one."""


class ClockError(CatalystError):
    """SOURCE_DATE_EPOCH is set but is not a time."""


class BuildError(ProblemsError):
    """The build failed; `problems` are its messages, each at its file and line if known."""

    def __init__(self, problems: list[Problem]):
        errors = sum(p.level == "error" for p in problems)
        warnings = len(problems) - errors
        if warnings and not errors:
            summary = f"the build failed: {warnings} warning(s) in strict mode"
        else:
            summary = f"the build failed: {errors} error(s), {warnings} warning(s)"
        super().__init__(problems, summary)

    def _message(self) -> str:
        return "\n".join([*(p.shown() for p in self.problems), self.summary])


class EmailError(CatalystError):
    """An email cannot be built; `path` and `line` say where to look."""

    def __init__(self, path: str, message: str, line: int = 1):
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


class ScaffoldError(CatalystError):
    """`catalyst new` cannot make the file asked for."""


class BrowserError(CatalystError):
    """Chromium cannot be found or started for the screenshots."""


class StateFileError(CatalystError):
    """The push's state file cannot be used at all (a folder in its place, unreadable...)."""


def _count(problems: list[Problem]) -> str:
    errors = sum(p.level == "error" for p in problems)
    return f"{errors} error(s), {len(problems) - errors} warning(s)"
