"""The publication's layout, measured in Chromium (issue 14's leftovers): positions and
computed styles read from the rendered page, not from the CSS source.

- the home page's three column rules on one line when a column's heading wraps;
- the home page's links in two styles only: item titles (one style for posts, the catalyzer
  and resources) and the "All ... →" links;
- the issue page's sections (the announcement box first) as wide as the letter above them;
- the resources' cards filling the row when there are few of them;
- "Blog" once in the blog's sidebar;
- the footer's social links, from `extra.social`, shown when set (and nothing when not).
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

import test_site_browser
from conftest import copy_project, mkdocs_build
from test_site_browser import Visit

# The built site served on 127.0.0.1, shared with the page-by-page browser tests.
site_url = test_site_browser.site_url

pytestmark = pytest.mark.browser

RULES = """() => [...document.querySelectorAll('.catalyst-columns > section > h2')].map(h => {
  const box = h.getBoundingClientRect();
  return {bottom: box.bottom, height: box.height, text: h.textContent.trim()};
})"""
STYLE = """(elements) => elements.map(a => {
  const s = getComputedStyle(a);
  return [s.color, s.fontFamily, s.fontWeight, s.fontSize, s.textDecorationLine].join(' | ');
})"""


@pytest.fixture
def visit(chromium, site_url):
    """Open tabs on the built site (test_site_browser.Visit); closed after the test."""
    tabs: list[Visit] = []

    def open_tab(**options) -> Visit:
        tabs.append(Visit(chromium, site_url, **options))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.close()


def edges(page, selector: str) -> list[tuple[float, float]]:
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.left, b.right]; })",
    )


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_home_columns_rules_line_up_when_a_heading_wraps(visit, width):
    tab = visit(width=width, scheme="light")
    tab.open("")
    headings = tab.page.evaluate(RULES)
    assert len(headings) == 3
    heights = sorted(h["height"] for h in headings)
    # The catalyzer's heading takes two lines at these widths, the others one: the case.
    assert heights[-1] > 1.5 * heights[0], headings
    bottoms = [h["bottom"] for h in headings]
    assert max(bottoms) - min(bottoms) < 0.5, headings


def test_the_home_pages_links_come_in_two_styles(visit):
    tab = visit(width=1280, scheme="light")
    tab.open("")
    page = tab.page
    columns = page.locator(".catalyst-columns")
    titles = columns.locator("h3 a:not(.headerlink)")
    # A post, the catalyzer and each resource, each titled by an h3 link.
    names = [name.strip() for name in titles.all_inner_texts()]
    assert "Contessa Orr" in names
    assert "Leading the way to trust and connectedness" in names
    assert len(names) >= 4
    title_styles = set(titles.evaluate_all(STYLE))
    more_styles = set(columns.locator(".catalyst-more").evaluate_all(STYLE))
    every_link = set(columns.locator("a:not(.headerlink)").evaluate_all(STYLE))
    assert len(title_styles) == 1, title_styles
    assert len(more_styles) == 1, more_styles
    assert every_link == title_styles | more_styles


@pytest.mark.parametrize("width", [1280, 375])
def test_the_issue_pages_sections_are_as_wide_as_its_letter(visit, width):
    tab = visit(width=width, scheme="light")
    tab.open("issues/2023-06/")
    page = tab.page
    [(letter_left, letter_right)] = edges(page, ".catalyst-letter")
    text = edges(page, ".catalyst-letter > p")
    sections = edges(page, ".catalyst-section")
    assert page.locator(".catalyst-announcement").count() == 1
    assert sections and text
    for left, right in text + sections:
        assert abs(left - letter_left) < 0.5 and abs(right - letter_right) < 0.5


def test_the_blog_sidebar_names_the_blog_once(visit):
    tab = visit(width=1280, scheme="light")
    tab.open("blog/")
    sidebar = tab.page.locator(".md-sidebar--primary")
    assert sidebar.is_visible()
    lines = [line.strip() for line in sidebar.inner_text().splitlines() if line.strip()]
    assert lines.count("Blog") == 1, lines
    assert "Archive" in lines and "Categories" in lines


def test_a_short_list_of_resources_fills_the_row_and_a_lone_card_stays_a_card(visit):
    tab = visit(width=1280, scheme="light")
    tab.open("resources/")
    page = tab.page
    [(left, right)] = edges(page, ".md-content__inner")
    cards = [box for box in edges(page, ".grid.cards > ul > li") if box[1] > box[0]]
    assert len(cards) == 2
    covered = max(r for _, r in cards) - min(lo for lo, _ in cards)
    assert covered >= 0.95 * (right - left), (cards, left, right)  # not two thirds of it
    page.get_by_role("button", name="Videos (1)").click()
    page.wait_for_timeout(200)
    [lone] = [box for box in edges(page, ".grid.cards > ul > li") if box[1] > box[0]]
    assert lone[1] - lone[0] <= 0.55 * (right - left)


# ---------------------------------------------------------------------------- social links

SOCIAL = """\
  social:
    - icon: fontawesome/brands/linkedin
      link: https://www.linkedin.com/company/catalyst-example
      name: Catalyst on LinkedIn
    - icon: fontawesome/brands/mastodon
      link: https://mastodon.example/@catalyst
    - icon: fontawesome/solid/envelope
      link: mailto:catalyst@example.org
      name: Write to Catalyst
    - icon: fontawesome/brands/x-twitter
      link: "javascript:alert(1)"
      name: Not a link
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def social_site(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("social") / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  social: []\n" in text  # shipped empty: no invented accounts
    config.write_text(text.replace("  social: []\n", SOCIAL), encoding="utf-8")
    site = project / "site"
    result = mkdocs_build(config, site)
    assert result.returncode == 0, result.stderr
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", site
    server.shutdown()
    server.server_close()


def test_the_footer_shows_no_social_links_until_accounts_are_set(built_site):
    from bs4 import BeautifulSoup

    for page in ("index.html", "blog/index.html", "issues/2023-06/index.html"):
        soup = BeautifulSoup((built_site / page).read_text(encoding="utf-8"), "lxml")
        assert soup.select(".md-footer .md-social, .md-footer .md-social__link") == []


@pytest.mark.parametrize("width", [1280, 375])
def test_social_links_from_the_config_show_in_the_footer(chromium, social_site, width):
    url, _ = social_site
    tab = Visit(chromium, url, width=width, scheme="light")
    try:
        tab.open("")
        page = tab.page
        links = page.locator(".md-footer .md-social a")
        found = [(a.get_attribute("href"), a.get_attribute("aria-label")) for a in links.all()]
        assert found == [
            ("https://www.linkedin.com/company/catalyst-example", "Catalyst on LinkedIn"),
            ("https://mastodon.example/@catalyst", "mastodon.example"),
            ("mailto:catalyst@example.org", "Write to Catalyst"),
        ]  # the javascript: one is left out
        assert links.nth(1).get_attribute("rel") == "noopener me"
        for link in links.all():
            assert link.is_visible() and link.locator("svg").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert tab.outside == []
    finally:
        tab.close()


def test_a_social_link_that_is_not_https_or_mailto_is_left_out(social_site):
    _, site = social_site
    html = Path(site / "index.html").read_text(encoding="utf-8")
    assert "javascript:" not in html
