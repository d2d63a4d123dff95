"""Building the static site with MkDocs, atomically: a failed build leaves `site/` as it was."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from .errors import CatalystError


class BuildError(CatalystError):
    pass


class _Collect(logging.Handler):
    """Counts MkDocs warnings so a strict build can fail on them, as `mkdocs build --strict`."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def build_site(
    config_file: Path,
    site_dir: Path | None = None,
    *,
    strict: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Build the site into `site_dir` (default: mkdocs.yml's site_dir) and return it.

    MkDocs writes into a fresh temporary folder beside the target; only a build that
    finished without error (and, if strict, without warning) replaces the old site.
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    try:
        try:
            config = load_config(str(config_file), strict=strict)
        except ConfigurationError as error:
            raise BuildError(f"{config_file}: {error}") from None
        target = Path(site_dir or config.site_dir).resolve()
        _delete_old_sites(target)  # left by earlier builds, while this one works
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        config.site_dir = str(staging)
        catalyst = config.plugins.get("catalyst")
        if catalyst is not None:
            catalyst.progress = progress
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
            if strict and collect.messages:
                raise BuildError(
                    f"{len(collect.messages)} warning(s) in strict mode:\n"
                    + "\n".join(collect.messages)
                )
        except (Abort, PluginError) as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildError(str(error)) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            config.plugins.on_shutdown()
        _replace(staging, target)
        return target
    finally:
        logger.removeHandler(collect)


def _replace(staging: Path, target: Path) -> None:
    """Swap the new site in with renames, so readers never see half of one."""
    if target.exists():
        old = tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent)
        os.replace(target, old)  # onto the empty folder just made: a unique name
    os.replace(staging, target)
    _delete_old_sites(target)


def _delete_old_sites(target: Path) -> None:
    """Delete swapped-out sites in the background. On a slow disk, deleting a ten-year site
    takes longer than building one from the page cache, and nobody needs to wait for it:
    what the process has not deleted when it exits, the next build deletes."""

    def delete():
        for old in target.parent.glob(f".{target.name}.old-*"):
            shutil.rmtree(old, ignore_errors=True)

    threading.Thread(target=delete, name="catalyst-old-sites", daemon=True).start()
