"""The editor-facing checks: every rule over every file, as a list of Problems."""

from __future__ import annotations

from . import content
from .config import Settings
from .model import Problem


def run(settings: Settings) -> list[Problem]:
    """Every problem in the project, errors and warnings, sorted by file and line."""
    _, problems = content.load(settings)
    return problems
