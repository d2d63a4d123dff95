"""Headless Chromium for looking at an email: screenshots at given widths, layout measures.

Drives Debian's `chromium` through Playwright (Playwright's own browser downloads do not
work here). Requests for the site's URLs are answered from content/, so the images show;
every other request is refused, so a look at an email never touches the network.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from catalyst.email import images
from catalyst.errors import BrowserError
from catalyst.files import write_atomic
from catalyst.settings import Settings

# The flags the project runs Chromium with everywhere; Playwright adds --headless and a
# fresh --user-data-dir of its own for every launch.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
WIDTHS = (600, 375)
HEIGHT = 900



def chromium_path() -> Path:
    """Debian's Chromium (`CATALYST_CHROMIUM` overrides where it is)."""
    named = os.environ.get("CATALYST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    path = Path(named)
    if not path.is_file():
        raise BrowserError(
            f"Chromium not found at {path}: install it with `apt-get install chromium` "
            "(or set CATALYST_CHROMIUM to its path)"
        )
    return path


# The Playwright this thread started and is running, if any. Playwright's sync API runs an
# event loop in the thread, and a second `sync_playwright()` started inside it fails ("Sync API
# inside the asyncio loop"): a `chromium()` nested in another one launches from the same one.
_running = threading.local()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium, closed on the way out; it may be nested in another one."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise BrowserError(
            "screenshots drive Chromium through Playwright, which is not installed: "
            "pip install -e '.[preview]'"
        ) from None

    executable = chromium_path()
    with ExitStack() as stack:
        playwright = getattr(_running, "playwright", None)
        if playwright is None:
            playwright = stack.enter_context(sync_playwright())
            _running.playwright = playwright
            stack.callback(delattr, _running, "playwright")
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable),
                args=list(CHROMIUM_FLAGS),
                chromium_sandbox=False,
                headless=True,
            )
        except Error as error:
            raise BrowserError(f"Chromium at {executable} did not start: {error}") from None
        try:
            yield browser
        finally:
            browser.close()


def open_email(browser, html: str, settings: Settings, width: int, height: int = HEIGHT):
    """A page of `browser` showing `html` in a window `width` pixels wide."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.route("**/*", lambda route: _answer(route, settings))
    page.set_content(html, wait_until="load")
    return page


def _answer(route, settings: Settings) -> None:
    url = route.request.url
    if not url.startswith(settings.site_url):
        route.abort()
        return
    path = unquote(urlsplit(url).path).removeprefix(urlsplit(settings.site_url).path)
    folder = settings.docs_dir
    if path.startswith(images.PUBLIC_DIR + "/"):  # prepared email images, before publishing
        folder, path = images.store_dir(settings), path[len(images.PUBLIC_DIR) + 1 :]
    file = (folder / path).resolve()
    if file.is_file() and file.is_relative_to(folder):
        route.fulfill(path=str(file))
    else:
        route.fulfill(status=404, body="")


def screenshots(
    html_path: Path, settings: Settings, widths: tuple[int, ...] = WIDTHS
) -> list[Path]:
    """Full-page PNGs of the email at each width, written beside it as `<name>-<width>.png`."""
    html = Path(html_path).read_text(encoding="utf-8")
    written = []
    with chromium() as browser:
        for width in widths:
            page = open_email(browser, html, settings, width)
            target = html_path.with_name(f"{html_path.stem}-{width}.png")
            write_atomic(target, page.screenshot(full_page=True))
            page.close()
            written.append(target)
    return written
