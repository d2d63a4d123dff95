"""The feeds of issues (catalyst.site.feeds): RSS 2.0 and JSON Feed 1.1 beside the blog's.

The RSS is read by feedparser (the parser feed readers are built on) and by lxml as XML; the
JSON Feed is checked against the 1.1 specification's required fields. Builds are the real
`mkdocs build --strict` of a copy of the project.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from conftest import mkdocs_build

SITE = "https://catalyst.example.org/"
JUNE_COPY = SITE + "issues/2023-06/email.html"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
HOSTILE_TITLE = '</title><script>alert("t")</script> & <b>bold</b> ]]> "quoted"'
HOSTILE_PREVIEW = "<img src=x onerror=alert(1)> & </description><link>https://evil.example/"


def issue(month: str, title: str, *, preview: str = "A month of learning.", extra: str = "",
          body: str = "The editor's letter.") -> str:
    return (
        "---\n"
        f"month: {month}\n"
        f"title: {json.dumps(title)}\n"
        f'subject: "Catalyst: {month}"\n'
        f"preview_text: {json.dumps(preview)}\n"
        f"{extra}"
        "---\n\n"
        f"{body}\n"
    )


def parsed_rss(site: Path):
    feed = feedparser.parse((site / "feed_rss_issues.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    return feed


def json_feed(site: Path) -> dict:
    feed = json.loads((site / "feed_json_issues.json").read_text(encoding="utf-8"))
    # JSON Feed 1.1: version, title and items are required; each item an id and a content.
    assert feed["version"] == JSON_FEED_VERSION
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item.get("content_html") or item.get("content_text")
    return feed


def test_the_rss_of_issues_reads_in_a_feed_parser(built_site):
    feed = parsed_rss(built_site)
    assert feed.feed.title == "Catalyst issues"
    assert feed.feed.link == SITE + "issues/"
    [item] = feed.entries
    assert item.title == "Trust and connectedness"
    assert item.link == JUNE_COPY and item.id == JUNE_COPY
    assert item.published == "Thu, 01 Jun 2023 00:00:00 +0000"  # no send_at: its month
    assert item.summary.startswith("Why connectedness matters for staff too")
    content = BeautifulSoup(item.content[0].value, "lxml")
    headings = [h.get_text(strip=True) for h in content.find_all(["h1", "h2"])]
    assert headings == ["Trust and connectedness", "Now booking 2023-24 partnerships!",
                        "Partner spotlight: Design39", "Resources", "Learner-Centered Catalyzer"]
    # The email's chrome is not the issue: no preheader, browser link or unsubscribe footer.
    text = content.get_text(" ", strip=True)
    assert "View this email in your browser" not in text and "Unsubscribe" not in text
    assert text.count("Why connectedness matters for staff too") == 0
    # Every address absolute, so it works in a reader.
    for tag, attribute in (("a", "href"), ("img", "src")):
        for element in content.find_all(tag):
            assert element[attribute].startswith(("https://", "mailto:")), element
    studio = content.find("img")
    assert studio["src"].startswith(SITE + "assets/email/design39-design-studio")
    # The subject line, in our namespace (feedparser keeps unknown elements).
    root = etree.parse(str(built_site / "feed_rss_issues.xml")).getroot()
    ns = {"catalyst": "urn:catalyst:newsletter:1", "atom": "http://www.w3.org/2005/Atom"}
    assert root.xpath("//item/catalyst:subject/text()", namespaces=ns) == [
        "Catalyst: learner-centered leadership begins with trust"
    ]
    assert root.xpath("//channel/atom:link[@rel='self']/@href", namespaces=ns) == [
        SITE + "feed_rss_issues.xml"
    ]


def test_the_json_feed_of_issues_has_what_the_spec_requires(built_site):
    feed = json_feed(built_site)
    assert feed["feed_url"] == SITE + "feed_json_issues.json"
    assert feed["home_page_url"] == SITE + "issues/"
    [item] = feed["items"]
    assert item["id"] == item["url"] == JUNE_COPY
    assert item["title"] == "Trust and connectedness"
    assert item["date_published"] == "2023-06-01T00:00:00+00:00"
    assert item["_catalyst"]["subject"] == (
        "Catalyst: learner-centered leadership begins with trust"
    )
    assert item["_catalyst"]["page"] == SITE + "issues/2023-06/"
    # The same text and HTML as the RSS carries (read as XML: feedparser rewrites HTML).
    [rss_item] = etree.parse(str(built_site / "feed_rss_issues.xml")).getroot().iter("item")
    assert item["summary"] == html.unescape(rss_item.findtext("description"))
    assert item["content_html"] == rss_item.findtext(
        "{http://purl.org/rss/1.0/modules/content/}encoded"
    )


def test_every_page_advertises_the_issue_feeds_in_its_head_and_footer(built_site):
    for page in ("index.html", "issues/index.html", "issues/2023-06/index.html"):
        soup = BeautifulSoup((built_site / page).read_text(encoding="utf-8"), "lxml")
        base = SITE + page.removesuffix("index.html")
        head = {
            link["type"]: urljoin(base, link["href"])
            for link in soup.head.select("link[rel=alternate]")
            if "issues" in link.get("title", "")
        }
        assert head == {"application/rss+xml": SITE + "feed_rss_issues.xml",
                        "application/feed+json": SITE + "feed_json_issues.json"}
        # Material's JavaScript fetches sitemap.xml beside every alternate link's address.
        for link in soup.head.select("link[rel=alternate]"):
            assert urljoin(urljoin(base, link["href"]), "sitemap.xml") == SITE + "sitemap.xml"
        footer = {
            a.get_text(strip=True): urljoin(base, a["href"])
            for a in soup.select("footer nav.catalyst-footer-links a")
        }
        assert footer["Issues RSS"] == SITE + "feed_rss_issues.xml"
        assert footer["Issues JSON feed"] == SITE + "feed_json_issues.json"
        assert footer["Blog RSS"] == SITE + "feed_rss_created.xml"


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory) -> Path:
    """The project with a draft, a future issue, a hostile title and a sent issue."""
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("feeds") / "project")
    issues = project / "issues"
    (issues / "2023-05.md").write_text(
        issue("2023-05", HOSTILE_TITLE, preview=HOSTILE_PREVIEW,
              body='Dear reader, <script>alert("body")</script> <a href="javascript:x()">y</a>'),
        encoding="utf-8",
    )
    (issues / "2023-07.md").write_text(
        issue("2023-07", "A draft of July", extra="draft: true\n"), encoding="utf-8"
    )
    (issues / "2023-04.md").write_text(
        issue("2023-04", "April, sent", extra="send_at: 2023-04-04T09:30:00-04:00\n"),
        encoding="utf-8",
    )
    (issues / "2099-01.md").write_text(issue("2099-01", "From the future"), encoding="utf-8")
    site = project / "site"
    result = mkdocs_build(project / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    return site


@pytest.mark.slow
def test_drafts_and_future_issues_never_appear(mixed_site):
    titles = [entry.title for entry in parsed_rss(mixed_site).entries]
    assert titles == ["Trust and connectedness", HOSTILE_TITLE, "April, sent"]
    assert [i["title"] for i in json_feed(mixed_site)["items"]] == titles
    for name in ("feed_rss_issues.xml", "feed_json_issues.json"):
        data = (mixed_site / name).read_text(encoding="utf-8")
        assert "From the future" not in data and "A draft of July" not in data
        assert "2099-01" not in data and "2023-07" not in data


@pytest.mark.slow
def test_a_sent_issue_is_dated_by_its_send_time(mixed_site):
    april = parsed_rss(mixed_site).entries[-1]
    assert april.published == "Tue, 04 Apr 2023 13:30:00 +0000"
    items = json_feed(mixed_site)["items"]
    assert items[-1]["date_published"] == "2023-04-04T13:30:00+00:00"


@pytest.mark.slow
def test_hostile_titles_and_text_come_out_escaped_and_script_free(mixed_site):
    raw = (mixed_site / "feed_rss_issues.xml").read_bytes()
    root = etree.fromstring(raw)  # well-formed XML whatever the content
    [item] = [i for i in root.iter("item") if i.findtext("link").endswith("2023-05/email.html")]
    assert item.findtext("title") == HOSTILE_TITLE
    # A reader takes the description for HTML: the preview is escaped in it, shown as typed.
    description = item.findtext("description")
    assert html.unescape(description) == HOSTILE_PREVIEW and "<" not in description
    assert BeautifulSoup(description, "lxml").get_text() == HOSTILE_PREVIEW
    assert [e.tag for e in item] == ["title", "link", "guid", "pubDate", "description",
                                     "{http://purl.org/rss/1.0/modules/content/}encoded",
                                     "{urn:catalyst:newsletter:1}subject",
                                     "{urn:catalyst:newsletter:1}page"]
    assert b"<script" not in raw and b"<b>bold" not in raw
    for fragment in (item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded"),
                     next(i for i in json_feed(mixed_site)["items"]
                          if i["title"] == HOSTILE_TITLE)["content_html"]):
        content = BeautifulSoup(fragment, "lxml")
        assert "Dear reader" in content.get_text()
        assert content.find("script") is None
        assert 'alert("body")' not in content.get_text()
        for element in content.find_all(True):
            assert not [a for a in element.attrs if a.lower().startswith("on")], element
            assert not element.get("href", "").lower().startswith("javascript:"), element
        # The title is text in the letter's heading, not markup.
        assert content.find("h1").get_text() == HOSTILE_TITLE


@pytest.mark.slow
def test_the_feeds_are_the_same_bytes_in_two_builds(mixed_site, tmp_path):
    project = mixed_site.parent
    again = tmp_path / "again"
    result = mkdocs_build(project / "mkdocs.yml", again)
    assert result.returncode == 0, result.stderr
    for name in ("feed_rss_issues.xml", "feed_json_issues.json"):
        assert (again / name).read_bytes() == (mixed_site / name).read_bytes(), name


@pytest.mark.slow
def test_a_preview_shows_what_is_upcoming_but_its_feeds_do_not(mixed_site):
    import subprocess
    import sys

    project = mixed_site.parent
    catalyst = Path(sys.executable).with_name("catalyst")
    result = subprocess.run([str(catalyst), "build", "--preview"], cwd=project,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    preview = project / "build/preview"
    assert (preview / "issues/2099-01/index.html").is_file()  # the preview has it, marked
    titles = [entry.title for entry in parsed_rss(preview).entries]
    assert titles == ["Trust and connectedness", HOSTILE_TITLE, "April, sent"]


def test_a_feed_text_keeps_every_character_xml_carries_and_only_those():
    from catalyst.site.feeds import _xml_safe

    kept = "tab\tline\nreturn\r é \ud7ff \ue000 \ufffd \U00010000 \U0010ffff 😀"
    assert _xml_safe(kept) == kept
    assert _xml_safe("a\x00b\x08c\x0bd\x1fe\ud800f\udfffg\ufffeh\uffffi") == "abcdefghi"
