"""The built site in a real browser: Debian's Chromium, driven by Playwright, on 127.0.0.1.

Each reader-facing page is opened at a desktop and a phone width, in the light and the dark
scheme, and must have no serious or critical axe-core violation, no console error, no failed
request, no request to any other host, no layout shift (the layout-shift entries of a
PerformanceObserver sum to 0) and (on the phone) no horizontal scroll. A screenshot
of each is written for review:

    pytest tests/test_site_browser.py        # into build/screenshots/
    CATALYST_SCREENSHOTS=/some/folder pytest tests/test_site_browser.py

axe-core comes bundled with axe-playwright-python and is injected from disk: nothing is
downloaded. Chromium is `/usr/bin/chromium` (`.ci/install-browser`), or CATALYST_CHROMIUM,
started once per test session with the project's flags (the `chromium` fixture, conftest.py).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from conftest import ROOT

SCREENSHOTS = Path(os.environ.get("CATALYST_SCREENSHOTS") or ROOT / "build" / "screenshots")

POST = "blog/2023/06/how-might-learner-centered-systems-promote-relationships-and-teamwork/"
PAGES = {
    "home": "",
    "blog": "blog/",
    "post": POST,
    "resources": "resources/",
    "catalyzers": "catalyzers/",
    "catalyzer": "catalyzers/contessa-orr/",
    "issues": "issues/",
    "issue": "issues/2023-06/",
    "category": "blog/category/leadership/",
    "archive": "blog/archive/2023/",
    "not-found": "no/such/page/",
}
# Sums the page's layout shifts (those not caused by input), as Core Web Vitals counts CLS.
LAYOUT_SHIFT_OBSERVER = """
window.__catalystShift = 0;
window.__catalystShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__catalystShift += entry.value;
    for (const source of entry.sources || []) {
      const node = source.node;
      const name = node && node.nodeType === 1
        ? node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
          + (node.className && typeof node.className === "string"
             ? "." + node.className.trim().split(/\\s+/).join(".") : "")
        : String(node && node.nodeName);
      const r = (rect) => [rect.x, rect.y, rect.width, rect.height].map(Math.round).join(",");
      const when = Math.round(entry.startTime);
      window.__catalystShifts.push(
        `${name} at ${when}ms: ${r(source.previousRect)} -> ${r(source.currentRect)}`);
    }
  }
}).observe({type: "layout-shift", buffered: true});
"""
WIDTHS = {"desktop": 1280, "phone": 375}
# Material's palette: the scheme the page must end up in for each emulated preference.
SCHEMES = {"light": "default", "dark": "slate"}
BLOCKING = ("serious", "critical")

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------------------- fixtures


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves site/ as a static host would: the site's own 404 page for a missing path."""

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="session")
def site_url(built_site):
    handler = functools.partial(_SiteHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def axe():
    return Axe()


class Visit:
    """A browser tab that records what went wrong while a page loaded."""

    def __init__(self, browser, site_url: str, *, width: int, scheme: str, **options):
        self.site_url = site_url
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme, **options
        )
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.outside: list[str] = []
        self.not_found: set[str] = set()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)
        # Nothing may leave 127.0.0.1: note any such request, and stop it.
        self.context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), self._outside)

    def _console(self, message):
        url = message.location.get("url")
        # Chromium logs the 404 of a page it was sent to on purpose: that is the test, not an error.
        if message.type == "error" and url not in self.not_found:
            self.console_errors.append(f"{message.text} ({url})")

    def _request_failed(self, request):
        if request.url not in self.outside:
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response):
        if response.request.is_navigation_request() and response.status == 404:
            self.not_found.add(response.url)
        elif response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")

    def _outside(self, route):
        self.outside.append(route.request.url)
        route.abort()

    def open(self, path: str):
        return self.page.goto(self.site_url + path, wait_until="networkidle")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(chromium, site_url):
    visits = []

    def open_visit(**options) -> Visit:
        v = Visit(chromium, site_url, **options)
        visits.append(v)
        return v

    yield open_visit
    for v in visits:
        v.close()


@functools.cache
def library():
    from catalyst.content import loader as content
    from catalyst.settings import load_settings

    loaded, problems = content.load(load_settings(ROOT / "mkdocs.yml"))
    assert [p for p in problems if p.level == "error"] == []
    return loaded


def blocking_violations(results: dict) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


# ---------------------------------------------------------------------------- every page


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_self_contained(visit, axe, name, width, scheme):
    pixels = WIDTHS[width]
    tab = visit(width=pixels, scheme=scheme)
    tab.context.add_init_script(LAYOUT_SHIFT_OBSERVER)
    response = tab.open(PAGES[name])
    page = tab.page
    # Scroll through the page, so lazy images load where a reader would meet them.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    page.evaluate("window.scrollTo(0, 0)")
    shift = page.evaluate("window.__catalystShift")
    shifted = page.evaluate("window.__catalystShifts")
    page.wait_for_timeout(600)  # Material's tabs fade back in at the top: let them finish

    assert response.status == (404 if name == "not-found" else 200)
    assert page.get_attribute("body", "data-md-color-scheme") == SCHEMES[scheme], (
        "the page did not switch to the emulated colour scheme"
    )

    results = axe.run(page).response
    shot = SCREENSHOTS / f"{name}-{pixels}-{scheme}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    _record_axe(name, pixels, scheme, results)

    assert blocking_violations(results) == []
    assert tab.console_errors == []
    assert tab.failed == []
    assert tab.outside == [], "the page reached outside 127.0.0.1"
    if pixels <= 375:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= pixels, f"{scroll_width}px wide: it scrolls sideways"
    assert shift == 0, f"cumulative layout shift {shift:.6f}: {shifted}"


def _record_axe(name: str, width: int, scheme: str, results: dict) -> None:
    """Keep each run's axe findings (every impact) beside the screenshots, for reviewers."""
    counts: dict[str, int] = {}
    for violation in results["violations"]:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + 1
    report = {
        "page": PAGES[name] or "/",
        "width": width,
        "scheme": scheme,
        "axe": results["testEngine"]["version"],
        "violations_by_impact": counts,
        "violations": [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
            for v in results["violations"]
        ],
    }
    folder = SCREENSHOTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}-{width}-{scheme}.json").write_text(json.dumps(report, indent=2) + "\n")


# ---------------------------------------------------------------------------- behaviour


def test_the_palette_toggle_switches_scheme_and_is_remembered(visit):
    tab = visit(width=1280, scheme="light")
    tab.open("")
    page = tab.page
    assert page.get_attribute("body", "data-md-color-scheme") == "default"
    page.locator("label[title='Switch to dark mode']").click()
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    tab.open("resources/")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"


def test_a_request_to_another_host_is_caught_and_stopped(visit):
    # The guard the page tests rely on: a request off 127.0.0.1 is recorded, never sent.
    tab = visit(width=1280, scheme="light")
    tab.open("")
    tab.page.evaluate(
        "() => new Promise(done => { const img = new Image(); img.onerror = done;"
        " img.src = 'https://example.org/pixel.png'; })"
    )
    assert tab.outside == ["https://example.org/pixel.png"]
    assert tab.failed == []


def test_resources_filter_by_kind_with_javascript(visit):
    tab = visit(width=1280, scheme="light")
    tab.open("resources/")
    page = tab.page
    buttons = page.locator("nav.catalyst-filters button")
    assert buttons.all_inner_texts() == ["All (2)", "Blog posts (1)", "Videos (1)"]
    assert buttons.first.get_attribute("aria-pressed") == "true"
    # One grid, in the library's newest-first order.
    titles = page.locator(".catalyst-all-kinds > ul > li strong a").all_inner_texts()
    assert titles == [r.title for r in library().published_resources()]
    assert page.locator(".catalyst-kind-group").evaluate_all(
        "groups => groups.every(g => g.hidden)"
    )

    page.get_by_role("button", name="Videos (1)").click()
    visible = page.locator(".catalyst-all-kinds > ul > li:visible")
    assert visible.count() == 1
    assert visible.locator(".catalyst-kind").inner_text() == "VIDEO"
    assert page.get_by_role("button", name="Videos (1)").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("status").inner_text() == "Showing 1 of 2 resources: Videos"

    page.get_by_role("button", name="All (2)").click()
    assert page.locator(".catalyst-all-kinds > ul > li:visible").count() == 2


def test_a_link_to_one_kind_opens_the_resources_filtered(visit):
    tab = visit(width=375, scheme="dark")
    tab.open("resources/#blog-post")
    page = tab.page
    visible = page.locator(".catalyst-all-kinds > ul > li:visible .catalyst-kind")
    assert visible.all_inner_texts() == ["BLOG POST"]


def test_resources_are_grouped_lists_without_javascript(visit):
    tab = visit(width=1280, scheme="light", java_script_enabled=False)
    tab.open("resources/")
    page = tab.page
    assert page.locator("nav.catalyst-filters button").count() == 0
    links = page.locator("nav.catalyst-filters a")
    assert links.all_inner_texts() == ["Blog posts (1)", "Videos (1)"]
    assert [links.nth(i).get_attribute("href") for i in range(2)] == ["#blog-post", "#video"]
    headings = page.locator(".catalyst-kind-group h2").all_inner_texts()
    assert [h.replace("¶", "").strip() for h in headings] == ["Blog posts", "Videos"]
    assert page.locator(".catalyst-kind-group .grid.cards li:visible").count() == 2


def test_the_home_page_is_a_landing_page_generated_from_content(visit):
    tab = visit(width=1280, scheme="light")
    tab.open("")
    page = tab.page
    latest = page.locator(".catalyst-latest")
    assert latest.locator("h2").inner_text().strip() == "Trust and connectedness"
    assert "Design39's Design Studios" in latest.inner_text()
    assert latest.get_by_role("link", name="Read the issue").get_attribute("href") == (
        "issues/2023-06/"
    )
    assert latest.get_by_role("link", name="View the email").get_attribute("href") == (
        "issues/2023-06/email.html"
    )
    assert page.get_by_role("heading", name="June’s Learner-Centered Catalyzer").count() == 1
    assert page.get_by_role("link", name="Contessa Orr").get_attribute("href") == (
        "catalyzers/contessa-orr/"
    )
    assert page.locator(".catalyst-person .catalyst-initials").inner_text() == "CO"
    assert page.locator(".catalyst-resource-list li").count() == 2
    form = page.locator("form.catalyst-subscribe")
    assert form.get_by_label("Email address").get_attribute("type") == "email"
    # Material's own sidebars and table of contents are hidden: it is not a document.
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert not page.locator(".md-sidebar--secondary").is_visible()


def test_the_web_copy_of_the_email_shows_its_images_from_the_built_site(visit):
    # Served from site/ on 127.0.0.1, nothing mapped: the copy's images must come from the
    # built site itself, as before deployment (an image at site_url would be refused here).
    tab = visit(width=1280, scheme="light")
    assert tab.open("issues/2023-06/email.html").status == 200
    images = tab.page.locator("img")
    assert images.count() >= 1
    loaded = images.evaluate_all("all => all.map(i => [i.src, i.complete && i.naturalWidth])")
    assert [src for src, width in loaded if not width] == []
    assert all(src.startswith(tab.site_url) for src, _ in loaded)
    assert tab.outside == [] and tab.failed == []


def test_resource_tags_show_on_cards_and_filter_by_topic(visit):
    tab = visit(width=1280, scheme="light")
    tab.open("resources/")
    page = tab.page
    tags = {
        card.locator("a").first.inner_text(): card.locator(".catalyst-tag").all_inner_texts()
        for card in page.locator(".catalyst-all-kinds li").all()
    }
    assert tags == {
        "How might learner-centered systems promote relationships and teamwork?": [
            "collaboration", "systems"],
        "Leading the way to trust and connectedness": ["leadership"],
    }
    topics = page.locator("nav.catalyst-topics button")
    assert topics.all_inner_texts() == ["#collaboration", "#leadership", "#systems"]
    topics.nth(1).click()
    visible = page.locator(".catalyst-all-kinds li:visible a").first
    assert page.locator(".catalyst-all-kinds li:visible").count() == 1
    assert visible.inner_text() == "Leading the way to trust and connectedness"
    assert topics.nth(1).get_attribute("aria-pressed") == "true"
    assert page.locator("nav.catalyst-filters button").first.get_attribute("aria-pressed") == (
        "false"
    )
    assert page.locator(".catalyst-filter-status").inner_text() == (
        "Showing 1 of 2 resources on leadership"
    )
    page.locator("nav.catalyst-filters button").first.click()  # All
    assert page.locator(".catalyst-all-kinds li:visible").count() == 2
