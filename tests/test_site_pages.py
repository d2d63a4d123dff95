"""Generated pages as content grows: a new month moves the home page on and links the pages.

A copy of the project gets a July 2023 issue and catalyzer; the real build must then lead
the home page with July, link June and July both ways with previous/next, and show each
generated page under its own tab.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from catalyst.site.pages import SitePages
from conftest import mkdocs_build

JULY_ISSUE = """\
---
month: 2023-07
title: Learning out of school
subject: "Catalyst: learning out of school"
preview_text: What a summer of learning beyond the classroom taught us.
sections:
  - kind: catalyzer
    heading: Learner-Centered Catalyzer
    intro: Each month in Catalyst we celebrate a learner-centered catalyzer.
---

The editor's July letter.
"""

JULY_CATALYZER = """\
---
name: Ada Example
role: Teacher
location: Example City, ST
month: 2023-07
---

A fixture's profile: one paragraph about a made-up teacher.
"""


@pytest.fixture(scope="module")
def two_months(tmp_path_factory) -> Path:
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("two-months") / "project")
    (project / "issues/2023-07.md").write_text(JULY_ISSUE, encoding="utf-8")
    (project / "content/catalyzers/ada-example.md").write_text(JULY_CATALYZER, encoding="utf-8")
    site = project / "site"
    result = mkdocs_build(project / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    return site


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "lxml")


def test_the_home_page_leads_with_the_newest_issue_and_catalyzer(two_months):
    home = soup(two_months, "")
    latest = home.select_one(".catalyst-latest")
    assert latest.select_one("h2").get_text(strip=True).rstrip("¶") == "Learning out of school"
    assert "July 2023" in latest.get_text()
    email = latest.find("a", string="View the email")
    assert email["href"] == "issues/2023-07/email.html"
    assert (two_months / email["href"]).is_file()
    heading = home.select_one("#catalyzer-of-the-month").get_text(strip=True).rstrip("¶")
    assert heading == "July’s Learner-Centered Catalyzer"
    assert home.select_one(".catalyst-person .catalyst-initials").get_text() == "AE"


def test_issue_pages_link_older_and_newer_in_order(two_months):
    june = soup(two_months, "issues/2023-06").select_one("nav.catalyst-pager")
    july = soup(two_months, "issues/2023-07").select_one("nav.catalyst-pager")
    assert june.select_one("a[rel=next]")["href"] == "../2023-07/"
    assert june.select_one("a[rel=prev]") is None
    assert july.select_one("a[rel=prev]")["href"] == "../2023-06/"
    assert july.select_one("a[rel=next]") is None
    assert "Older issue" in july.select_one("a[rel=prev]").get_text()
    assert "June 2023: Trust and connectedness" in july.select_one("a[rel=prev]").get_text()


def test_catalyzer_pages_link_older_and_newer_in_order(two_months):
    orr = soup(two_months, "catalyzers/contessa-orr").select_one("nav.catalyst-pager")
    ada = soup(two_months, "catalyzers/ada-example").select_one("nav.catalyst-pager")
    assert orr.select_one("a[rel=next]")["href"] == "../ada-example/"
    assert ada.select_one("a[rel=prev]")["href"] == "../contessa-orr/"
    grid = soup(two_months, "catalyzers").select(".catalyst-people h2 a:not(.headerlink)")
    assert [a.get_text() for a in grid] == ["Ada Example", "Contessa Orr"]


@pytest.mark.parametrize(
    ("page", "folder"),
    [
        ("index.md", "."),
        ("issues/index.md", "issues"),
        ("issues/2023-06.md", "issues/2023-06"),
        ("catalyzers/contessa-orr.md", "catalyzers/contessa-orr"),
    ],
)
def test_raw_links_start_from_the_folder_mkdocs_writes_the_page_to(settings, page, folder):
    pages = SitePages(library=None, settings=settings)
    assert pages.page_dir(page) == folder


@pytest.mark.parametrize(
    ("path", "tab"),
    [
        ("issues/2023-07", "Issues"),
        ("issues/2023-06", "Issues"),
        ("catalyzers/ada-example", "Catalyzers"),
    ],
)
def test_generated_pages_show_their_tab_as_current(two_months, path, tab):
    active = soup(two_months, path).select_one(".md-tabs__item--active .md-tabs__link")
    assert active.get_text(strip=True) == tab


def test_issue_and_catalyzer_pages_stay_out_of_every_pages_nav(two_months):
    # Each page renders the whole nav: a page per issue in it would grow every page.
    home = soup(two_months, "")
    hrefs = [a.get("href", "") for a in home.select("nav.md-nav a")]
    assert not any("issues/2023-0" in h or "catalyzers/contessa-orr" in h for h in hrefs)
    assert any(h.rstrip("/").endswith("issues") for h in hrefs)


def test_the_link_check_knows_exactly_the_pages_the_plugin_generates(settings):
    from catalyst.content import loader as content
    from catalyst.site.pages import generated_pages

    library, _ = content.load(settings)
    assert generated_pages(library) == set(SitePages(library, settings).all())
