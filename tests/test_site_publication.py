"""The site read as a publication: post cards, bylines, subscribe prompts, share images,
image dimensions, the issue page without docs chrome, and the footer (built with real MkDocs)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from catalyst.site import sharecard
from conftest import mkdocs_build

STEM = "how-might-learner-centered-systems-promote-relationships-and-teamwork"
POST = f"blog/2023/06/{STEM}/index.html"
SITE = "https://catalyst.example.org/"


def soup_of(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "lxml")


def test_blog_index_category_and_archive_show_post_cards_with_names(built_site):
    pages = ["blog/index.html", "blog/category/leadership/index.html",
             "blog/archive/2023/index.html"]
    for page in pages:
        card = soup_of(built_site, page).select_one("article.catalyst-post-card")
        assert card is not None, page
        image = card.select_one(".catalyst-post-card__image img")
        assert (image["width"], image["height"]) == ("1200", "630")
        assert card.select_one(".catalyst-post-card__authors").get_text(strip=True) == (
            "Devin Vodicka"
        )
        assert card.find("time").get_text(strip=True) == "June 1, 2023"
        assert "Relationships are at the heart" in card.get_text()


def test_a_post_has_its_byline_under_its_title_and_a_subscribe_prompt_at_its_end(built_site):
    soup = soup_of(built_site, POST)
    article = soup.select_one("article.md-content__inner")
    h1 = article.find("h1")
    byline = h1.find_next_sibling()
    assert "catalyst-byline" in byline["class"]
    text = byline.get_text(" ", strip=True)
    assert text.startswith("By Devin Vodicka") and "June 1, 2023" in text and "min read" in text
    prompt = article.select_one("aside.catalyst-subscribe-prompt")
    subscribe = urljoin(SITE + POST, prompt.find("a", string="Subscribe")["href"])
    assert subscribe == SITE + "#subscribe"
    assert prompt.find_next_sibling(["p", "div", "table"]) is None  # nothing after it


def test_a_post_shares_an_image_drawn_from_its_title(built_site):
    soup = soup_of(built_site, POST)
    image = soup.find("meta", property="og:image")["content"]
    assert image == f"{SITE}assets/share/{STEM}.png"
    assert soup.find("meta", attrs={"name": "twitter:image"})["content"] == image
    card = Image.open(built_site / "assets/share" / f"{STEM}.png")
    assert card.size == sharecard.SIZE
    assert card.getpixel((5, 5)) == (0x1B, 0x36, 0x5D)  # Catalyst's navy


def test_a_post_with_an_image_shares_its_first_image(project, tmp_path):
    post = next((project / "content/blog/posts").glob("*.md"))
    text = post.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    post.write_text(
        f"{head}\n---\n{body.replace('<!-- more -->', '')}\n"
        "![The studio](../../assets/images/design39-design-studio.png)\n",
        encoding="utf-8",
    )
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    soup = soup_of(tmp_path / "site", POST)
    assert soup.find("meta", property="og:image")["content"] == (
        f"{SITE}assets/images/design39-design-studio.png"
    )
    assert not (tmp_path / "site/assets/share").exists()


def test_every_local_image_of_every_page_has_its_dimensions(built_site):
    checked = 0
    for page in built_site.rglob("index.html"):
        for img in BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find_all("img"):
            src = img.get("src", "")
            if src.startswith(("http", "data:")) or src.endswith(".svg"):
                continue
            assert img.get("width") and img.get("height"), f"{page}: {img}"
            checked += 1
    assert checked >= 5


def test_the_issue_page_has_no_table_of_contents_and_ends_with_a_subscribe_prompt(built_site):
    soup = soup_of(built_site, "issues/2023-06/index.html")
    # Material keeps the sidebar's markup, hidden: no table of contents shows.
    assert soup.select_one(".md-sidebar--secondary").has_attr("hidden")
    assert soup.select_one("aside.catalyst-subscribe-prompt") is not None
    studio = soup.find("img", src="../../assets/images/design39-design-studio.png")
    assert (studio["width"], studio["height"]) == ("600", "338")


def test_the_footer_offers_subscribing_issues_and_feeds_and_keeps_the_guide_apart(built_site):
    links = soup_of(built_site, "index.html").select("nav.catalyst-footer-links a")
    named = {a.get_text(strip=True): a for a in links}
    assert list(named)[:7] == ["Subscribe by email", "Every issue", "The blog", "Issues RSS",
                               "Issues JSON feed", "Blog RSS", "Blog JSON feed"]
    for feed in ("feed_rss_issues.xml", "feed_json_issues.json", "feed_rss_created.xml",
                 "feed_json_created.json"):
        assert (built_site / feed).is_file()
        assert feed in {a["href"] for a in named.values()}
    guide = named["For editors"]
    assert guide["class"] == ["catalyst-footer-editors"] and guide["rel"] == ["nofollow"]


def test_share_cards_are_drawn_in_the_font_that_ships_with_the_package(monkeypatch):
    from PIL import ImageFont

    opened = []
    real = ImageFont.truetype

    def recording(font, *args, **kwargs):
        opened.append((Path(font), kwargs.get("layout_engine")))
        return real(font, *args, **kwargs)

    monkeypatch.setattr(ImageFont, "truetype", recording)
    sharecard._font.cache_clear()
    try:
        first = sharecard._render("A title that wraps over more than one line of the card", "L")
    finally:
        sharecard._font.cache_clear()
    assert opened and {path for path, _ in opened} == {sharecard.FONT_FILE}
    assert {engine for _, engine in opened} == {ImageFont.Layout.BASIC}  # with raqm or not
    package = Path(sharecard.__file__).parent
    assert sharecard.FONT_FILE.parent == package / "fonts" and sharecard.FONT_FILE.is_file()
    licence = (package / "fonts/OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    # Drawn again from nothing (no store, fresh faces): the same bytes.
    assert sharecard._render("A title that wraps over more than one line of the card", "L") == (
        first
    )


@pytest.mark.slow
def test_two_builds_draw_byte_identical_share_cards(tmp_path):
    from conftest import copy_project

    cards = []
    for name in ("one", "two"):
        project = copy_project(tmp_path / name)  # each with its own empty build/ store
        result = mkdocs_build(project / "mkdocs.yml", project / "site")
        assert result.returncode == 0, result.stderr
        assert list((project / "build/share-images").glob("*.png"))  # drawn in this build
        cards.append(sorted((project / "site/assets/share").glob("*.png")))
    one, two = cards
    assert [p.name for p in one] == [p.name for p in two] == [f"{STEM}.png"]
    assert one[0].read_bytes() == two[0].read_bytes()


def test_a_profile_does_not_repeat_a_link_its_text_makes(built_site):
    article = soup_of(built_site, "catalyzers/contessa-orr/index.html").select_one("article")
    hrefs = [a["href"] for a in article.find_all("a", href=True)]
    # The text links her story and her X account: no "Links" list repeats them.
    assert hrefs.count("https://x.com/ContessaOrr4") == 1
    assert hrefs.count("https://example.org/stories/logan-county-impact-story") == 1
    assert [h.get_text(strip=True) for h in article.find_all("h2")] == []


def test_a_profile_lists_the_accounts_its_text_does_not_link(project, tmp_path):
    profile = project / "content/catalyzers/contessa-orr.md"
    text = profile.read_text(encoding="utf-8")
    linked = "and follow her on social at [@ContessaOrr4](https://x.com/ContessaOrr4)"
    assert linked in text
    text = text.replace(linked, "and more")
    text = text.replace("  twitter: ContessaOrr4\n", "  twitter: ContessaOrr4\n  linkedin: c-orr\n")
    profile.write_text(text, encoding="utf-8")
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    article = soup_of(tmp_path / "site", "catalyzers/contessa-orr/index.html").select_one("article")
    [heading] = [h for h in article.find_all("h2") if h.get_text(strip=True).rstrip("¶") == "Links"]
    listed = {a["href"]: a.get_text(strip=True) for a in heading.find_next("ul").find_all("a")}
    assert listed == {"https://x.com/ContessaOrr4": "@ContessaOrr4 on X (Twitter)",
                      "https://www.linkedin.com/in/c-orr": "Contessa Orr on LinkedIn"}
