"""Building the static site with MkDocs, atomically: a failed build leaves `site/` as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from catalyst import diagnose
from catalyst.content.model import Problem
from catalyst.errors import CatalystError
from catalyst.files import follow_umask


class BuildError(CatalystError):
    """The build failed; `problems` are its messages, each at its file and line if known."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = sum(p.level == "error" for p in problems)
        warnings = len(problems) - errors
        if warnings and not errors:
            self.summary = f"the build failed: {warnings} warning(s) in strict mode"
        else:
            self.summary = f"the build failed: {errors} error(s), {warnings} warning(s)"
        super().__init__("\n".join([*map(_line, problems), self.summary]))


def _line(problem: Problem) -> str:
    return str(problem) if problem.path else f"{problem.level}: {problem.message}"


def build_site(
    config_file: Path,
    site_dir: Path | None = None,
    *,
    strict: bool = True,
    progress: Callable[[int, int], None] | None = None,
    preview: bool = False,
) -> Path:
    """Build the site into `site_dir` (default: mkdocs.yml's site_dir) and return it.

    MkDocs writes into a fresh temporary folder beside the target; only a build that
    finished without error (and, if strict, without warning) replaces the old site.
    A failed build raises BuildError with every message MkDocs, a template or a plugin
    gave, each at the file and line to fix (see `catalyst.diagnose`).
    What is live is decided at `model.build_now()`; a `preview` also shows what is
    upcoming, marked, as `mkdocs serve` does: never deploy one.
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build

    config_file = Path(config_file)
    _fresh_plugins()
    try:
        config, _ = diagnose.load_config(config_file, strict=strict)
    except diagnose.ConfigProblems as error:
        raise BuildError(error.problems) from None
    target = Path(site_dir or config.site_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    follow_umask(staging, folder=True)  # it becomes site/: mkdtemp's 0700 would hide it
    config.site_dir = str(staging)
    catalyst = config.plugins.get("catalyst")
    if catalyst is not None:
        catalyst.progress = progress
        catalyst.preview = preview
    with diagnose.LogRecords() as log:
        try:
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
            if strict and log.records:
                raise BuildError(_problems(log.records, None, config, config_file))
        except BuildError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        except Exception as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildError(_problems(log.records, error, config, config_file)) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _replace(staging, target)
    return target


def _fresh_plugins() -> None:
    """New plugin instances for this build. MkDocs keeps the ones with startup or shutdown
    hooks for the life of the process (for `mkdocs serve`), but a build here starts and shuts
    them down itself, and Material's blog plugin cannot shut down twice (it removes its temp
    folder): a second build in one process would fail on a leftover."""
    from mkdocs.config.base import get_schema
    from mkdocs.config.defaults import MkDocsConfig

    for _, option in get_schema(MkDocsConfig):
        cache = getattr(option, "plugin_cache", None)
        if isinstance(cache, dict):
            cache.clear()


def _problems(records, error, config, config_file: Path) -> list[Problem]:
    sources = diagnose.Sources.of(config, config_file)
    found = diagnose.build_problems(records, error, sources)
    if not found:  # nothing said why: say what stopped it
        text = str(error) if error is not None else ""
        found = [Problem("", 0, text or "the build failed without a message")]
    return found


def _replace(staging: Path, target: Path) -> None:
    """Swap the new site in with renames, so readers never see half of one."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
