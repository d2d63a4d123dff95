"""Building the static site with MkDocs, atomically: a failed build leaves `site/` as it was."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from catalyst import diagnose
from catalyst.errors import BuildError, Problem
from catalyst.files import replace_tree, staging


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
    What is live is decided at `publishing.build_now()`; a `preview` also shows what is
    upcoming, marked, as `mkdocs serve` does: never deploy one.
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    config_file = Path(config_file)
    fresh_plugins()
    try:
        config, _ = diagnose.load_config(config_file, strict=strict)
    except diagnose.ConfigProblems as error:
        raise BuildError(error.problems) from None
    target = Path(site_dir or config.site_dir).resolve()
    with staging(target) as staged:  # removed if the build fails
        config.site_dir = str(staged)
        catalyst = config.plugins.get("catalyst")
        if catalyst is not None:
            catalyst.progress = progress
            catalyst.preview = preview
        _run(config, config_file, strict)
        replace_tree(staged, target, delete_later=True)  # the old site: not waited for
    return target


def _run(config, config_file: Path, strict: bool) -> None:
    """MkDocs' build of `config`, every message it logs kept: any failure is a BuildError."""
    from mkdocs.commands.build import build

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
            raise
        except Exception as error:
            raise BuildError(_problems(log.records, error, config, config_file)) from None


def fresh_plugins() -> None:
    """New plugin instances for the next build, and nothing of the last build kept. MkDocs
    keeps the plugins with startup or shutdown hooks for the life of the process (for
    `mkdocs serve`), and its options (and the options inside them) hold the last build's
    plugins and config until the next build's are validated. A build here starts and shuts
    its plugins down itself: Material's blog plugin cannot shut down twice (it removes its
    temp folder), so a second build in one process would fail on a leftover, and under
    `catalyst serve` a finished build would stay in memory beside the next one."""
    from mkdocs.config.base import BaseConfigOption, get_schema
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.plugins import PluginCollection

    options = [option for _, option in get_schema(MkDocsConfig)]
    seen: set[int] = set()
    while options:
        option = options.pop()
        if id(option) in seen:
            continue
        seen.add(id(option))
        cache = getattr(option, "plugin_cache", None)
        if isinstance(cache, dict):
            cache.clear()
            option.plugins = PluginCollection()
        if getattr(option, "_config", None) is not None:  # set again by each validation
            option._config = None
        options.extend(v for v in vars(option).values() if isinstance(v, BaseConfigOption))


def _problems(records, error, config, config_file: Path) -> list[Problem]:
    sources = diagnose.Sources.of(config, config_file)
    found = diagnose.build_problems(records, error, sources)
    if not found:  # nothing said why: say what stopped it
        text = str(error) if error is not None else ""
        found = [Problem("", 0, text or "the build failed without a message")]
    return found
