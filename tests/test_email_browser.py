"""The seed email in Debian's headless Chromium: the layout at a phone's and the column's width.

Chromium is `/usr/bin/chromium` (or CATALYST_CHROMIUM), started by `catalyst.email.browser` with the
project's flags. A missing browser fails these tests: it is never a reason to skip them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from catalyst.content import loader as content
from catalyst.email import browser
from catalyst.email import build as emails
from catalyst.settings import load_settings
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


# ---------------------------------------------------------------------------- design

SHOTS = Path(
    os.environ.get("CATALYST_SCREENSHOTS") or Path(__file__).resolve().parent.parent / "build"
    / "screenshots"
)
# Outlook.com's dark mode marks the elements whose colours it rewrote with these attributes.
FORCE_DARK = (
    "for (const e of document.querySelectorAll('*')) {"
    " e.setAttribute('data-ogsc', ''); e.setAttribute('data-ogsb', ''); }"
)


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(
        f"e => getComputedStyle(e).getPropertyValue('{prop}')"
    )


@pytest.mark.parametrize("width", (600, 375))
@pytest.mark.parametrize("scheme", ("light", "dark", "forced-dark"))
def test_screenshots_of_the_email_in_each_scheme(open_at, width, scheme):
    page = open_at(width, "light" if scheme == "light" else "dark")
    if scheme == "forced-dark":
        page.evaluate(FORCE_DARK)
    shot = SHOTS / f"email-{width}-{scheme}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert int.from_bytes(data[16:20], "big") == width
    # The card is dark in both dark schemes, white in the light one.
    card = style(page, "td.bg-card", "background-color")
    assert (card == "rgb(255, 255, 255)") == (scheme == "light")


def test_section_labels_stay_smaller_than_item_titles_and_do_not_grow_on_a_phone(open_at):
    sizes = {}
    for width in (600, 375):
        page = open_at(width)
        label = float(style(page, "h2.label", "font-size").removesuffix("px"))
        title = float(style(page, "h3.h3", "font-size").removesuffix("px"))
        assert label < title
        sizes[width] = label
    assert sizes[600] == sizes[375] == 13


def test_a_600px_window_gets_the_desktop_layout_and_599px_the_phone_one(open_at):
    assert style(open_at(600), "td.cell", "padding-left") == "24px"
    assert style(open_at(599), "td.cell", "padding-left") == "16px"


def test_in_dark_mode_the_caption_stays_muted_and_the_button_is_readable(open_at):
    page = open_at(600, "dark")
    body = style(page, ".prose p:not(.caption)", "color")
    caption = style(page, "p.caption", "color")
    assert caption == "rgb(169, 184, 189)" != body  # #a9b8bd, the muted colour
    card = style(page, "td.bg-card", "background-color")
    fill = style(page, "a.button", "background-color")
    assert contrast(fill, card) >= 3, (fill, card)  # the button stands out of the card
    assert contrast(style(page, "a.button", "color"), fill) >= 4.5  # its label reads


def test_sections_are_evenly_spaced_and_the_button_sits_near_its_text(open_at):
    page = open_at(600)
    gaps = page.evaluate(
        """() => {
        // From the bottom of each section's last line to the next section's heading.
        return [...document.querySelectorAll('h2')].map(h => {
            const cell = h.closest('td');
            const before = cell.parentElement.previousElementSibling.querySelector('td');
            const last = [...before.querySelectorAll('p, a.button, div.item, img')].pop();
            return Math.round(h.getBoundingClientRect().top - last.getBoundingClientRect().bottom);
        });
    }"""
    )
    assert len(gaps) == 4
    assert set(gaps) == {48}, gaps
    text = page.locator("td.cell-before-button p").last.bounding_box()
    button = page.locator("a.button").bounding_box()
    assert round(button["y"] - (text["y"] + text["height"])) == 24


def test_the_outlook_button_is_as_wide_as_the_html_button(open_at, seed):
    _, email = seed
    page = open_at(600)
    measured = page.locator("a.button").bounding_box()["width"]
    vml = re.search(r"v:roundrect[^>]*width:(\d+)px", email.html)
    assert vml and int(vml.group(1)) == round(measured)
    # The label fits on one line inside it.
    assert page.locator("a.button").bounding_box()["height"] == 48


def test_blocked_images_show_styled_alt_text(open_at):
    page = open_at(600)
    for selector in ("img.fluid", "img.logo"):
        assert style(page, selector, "font-family")
        assert style(page, selector, "font-size") in ("14px", "28px")
    assert style(page, "img.logo", "color") == "rgb(255, 255, 255)"  # white on the navy band
    assert style(page, "img.fluid", "color") == "rgb(82, 96, 109)"  # #52606d, the muted grey
