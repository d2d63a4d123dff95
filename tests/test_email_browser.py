"""The seed email in Debian's headless Chromium: the layout at a phone's and the column's width.

Chromium is `/usr/bin/chromium` (or CATALYST_CHROMIUM), started by `catalyst.browser` with the
project's flags. A missing browser fails these tests: it is never a reason to skip them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from catalyst import browser, content, emails
from catalyst.config import load_settings
from conftest import copy_project

MONTH = "2023-06"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("email-browser") / "project")
    settings = load_settings(project / "mkdocs.yml")
    library, _ = content.load(settings)
    return settings, emails.build(settings, library, MONTH)


@pytest.fixture
def open_at(chromium, seed):
    settings, email = seed
    pages = []

    def open_at(width: int, scheme: str = "light"):
        page = browser.open_email(chromium, email.html, settings, width)
        page.emulate_media(color_scheme=scheme)
        pages.append(page)
        return page

    yield open_at
    for page in pages:
        page.close()


def test_nothing_overflows_a_375px_phone(open_at):
    page = open_at(375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('body *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 375


def test_the_column_is_exactly_600px_in_a_600px_window(open_at):
    page = open_at(600)
    box = page.locator("table.container").bounding_box()
    assert (box["x"], box["width"]) == (0, 600)
    assert page.evaluate("document.documentElement.scrollWidth") == 600


def test_the_column_stays_600px_and_centred_in_a_wide_window(open_at):
    page = open_at(1000)
    box = page.locator("table.container").bounding_box()
    assert (box["x"], box["width"]) == (200, 600)


def test_images_load_from_the_site_and_fit_the_column(open_at):
    page = open_at(375)
    image = page.locator("img[src*='design39']")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 600
    logo = page.locator("img.logo")  # the masthead, prepared at twice its 200px
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 400
    assert image.bounding_box()["width"] <= 375 - 2 * 16


def test_dark_mode_rules_apply_in_a_dark_client(open_at):
    def card(page) -> str:
        return page.locator("td.bg-card").first.evaluate("e => getComputedStyle(e).backgroundColor")

    assert card(open_at(600, "light")) == "rgb(255, 255, 255)"
    assert card(open_at(600, "dark")) == "rgb(15, 28, 46)"  # #0f1c2e, the dark card


def test_the_command_writes_screenshots_at_600_and_375px(seed, tmp_path):
    # In its own process, as editors and CI run it (and apart from this module's browser).
    settings, _ = seed
    catalyst = Path(sys.executable).with_name("catalyst")
    result = subprocess.run(
        [catalyst, "email", MONTH, "--screenshot", "--out", str(tmp_path)],
        cwd=settings.root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for width in (600, 375):
        png = tmp_path / f"{MONTH}-{width}.png"
        assert f"{png.name}  " in result.stdout
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == width
        assert int.from_bytes(data[20:24], "big") > 2000  # the full page, not one screen
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{MONTH}-375.png",
        f"{MONTH}-600.png",
        f"{MONTH}.html",
        f"{MONTH}.txt",
    ]


def test_a_chromium_started_in_process_beside_the_sessions_shares_its_playwright(
    chromium, seed, tmp_path
):
    # Playwright's sync API refuses a second `sync_playwright()` in a thread that runs one
    # ("Sync API inside the asyncio loop"); `browser.chromium()` launches from the running one.
    settings, email = seed
    html_path, _ = emails.write(email, tmp_path)
    [shot] = browser.screenshots(html_path, settings, widths=(375,))
    assert shot.name == f"{MONTH}-375.png"
    assert int.from_bytes(shot.read_bytes()[16:20], "big") == 375
    assert chromium.is_connected()  # the session's browser is still open, and still works
    page = chromium.new_page()
    assert page.evaluate("1 + 1") == 2
    page.close()


def test_a_missing_browser_is_a_clear_error(seed, tmp_path, monkeypatch):
    settings, email = seed
    monkeypatch.setenv("CATALYST_CHROMIUM", str(tmp_path / "no-chromium"))
    html_path, _ = emails.write(email, tmp_path)
    with pytest.raises(browser.BrowserError) as error:
        browser.screenshots(html_path, settings)
    assert str(error.value).startswith(f"Chromium not found at {tmp_path / 'no-chromium'}")
    assert "apt-get install chromium" in str(error.value)
    assert not list(Path(tmp_path).glob("*.png"))


def test_screenshots_without_playwright_say_what_to_install(seed, tmp_path, monkeypatch):
    # An editor's `pip install -e .` has no Playwright: a clear message, not a traceback.
    settings, email = seed
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    html_path, _ = emails.write(email, tmp_path)
    with pytest.raises(browser.BrowserError) as error:
        browser.screenshots(html_path, settings)
    assert "pip install -e '.[preview]'" in str(error.value)
    assert not list(Path(tmp_path).glob("*.png"))
