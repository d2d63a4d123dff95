"""Shared fixtures: a throwaway copy of the real project to build, break and check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The benchmark (scripts/benchmark.py) is no part of the package: its generator is imported from
# the source tree.
sys.path.insert(0, str(ROOT / "scripts"))
PROJECT_PARTS = ("mkdocs.yml", "content", "issues", "templates")

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def copy_project(target: Path) -> Path:
    """Copy the repository's content, issues, templates and mkdocs.yml into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the real project in a temp dir; tests may edit it freely."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def settings(project: Path):
    from catalyst.settings import load_settings

    return load_settings(project / "mkdocs.yml")


def mkdocs_build(config_file: Path, site_dir: Path) -> subprocess.CompletedProcess:
    """Run the real `mkdocs build --strict`, as an editor or CI would."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file),
         "-d", str(site_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real repository built once with `mkdocs build --strict` into a temp dir."""
    target = tmp_path_factory.mktemp("site") / "site"
    result = mkdocs_build(ROOT / "mkdocs.yml", target)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return target


@pytest.fixture(scope="session")
def chromium():
    """The test session's one headless Chromium (Debian's, as `catalyst.email.browser` starts it),
    shared by every browser test and closed when the session ends.

    Playwright's sync API runs an event loop in the thread while it is open: a browser fixture
    per module, each with its own `sync_playwright()`, failed with "Playwright Sync API inside
    the asyncio loop" whenever one module's was still open as the next one's started.
    """
    from catalyst.email import browser

    try:
        with browser.chromium() as running:
            yield running
    except browser.BrowserError as error:
        pytest.fail(f"{error} (.ci/install-browser installs it)", pytrace=False)


def pytest_collection_modifyitems(items):
    # A test that uses the shared Chromium is a browser test, marked or not: `-m "not browser"`
    # leaves it out (see the README's Tests section).
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
