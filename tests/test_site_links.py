"""A crawl of the built site: every internal link and image resolves, and every page shares well.

Internal means relative, root-relative, or absolute under `site_url` (canonical URLs, Open
Graph images, the sitemap and the feeds all name the site by its public address). A link's
`#fragment` must name an element of its target page. Nothing the site loads by itself
(scripts, styles, images, icons, frames) may come from another host.
"""

from __future__ import annotations

import functools
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT


@functools.cache
def site_url() -> str:
    # mkdocs.yml carries !!python/name tags: read just the one plain key.
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    value = yaml.safe_load(re.search(r"^site_url:.*$", text, re.M).group(0))["site_url"]
    return value if value.endswith("/") else value + "/"


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@functools.cache
def parse(file: Path) -> BeautifulSoup:
    return BeautifulSoup(file.read_text(encoding="utf-8"), "lxml")


def page_url(site: Path, file: Path) -> str:
    """The public URL of a built file (the 404 page is served at the root, whatever the path)."""
    return urljoin(site_url(), file.relative_to(site).as_posix())


def target_file(site: Path, url: str) -> Path | None:
    """The file of the built site that an internal URL names, or None if it is outside."""
    path = urlsplit(url).path
    root = urlsplit(site_url()).path
    if not path.startswith(root):
        return None
    relative = unquote(path[len(root) :])
    file = site / relative
    if relative == "" or relative.endswith("/") or file.is_dir():
        file = file / "index.html"
    return file


def is_internal(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel", "javascript", "data"):
        return False
    if not parts.scheme and not parts.netloc:
        return True
    return url.startswith(site_url())


# What each element refers to: links a reader follows, and things the page loads itself.
FOLLOWED = [("a", "href"), ("link[rel~=canonical]", "href"), ("link[rel~=alternate]", "href")]
LOADED = [
    ("img", "src"),
    ("script[src]", "src"),
    ("link[rel~=stylesheet]", "href"),
    ("link[rel~=icon]", "href"),
    ("link[rel~=apple-touch-icon]", "href"),
    ("iframe", "src"),
    ("source", "src"),
    ("meta[property='og:image']", "content"),
    ("meta[name='twitter:image']", "content"),
    ("meta[property='og:url']", "content"),
]


def references(site: Path, file: Path):
    """(kind, raw value, absolute URL) for every reference in a built page."""
    soup = parse(file)
    base = page_url(site, file)
    for kind, pairs in (("followed", FOLLOWED), ("loaded", LOADED)):
        for selector, attribute in pairs:
            for element in soup.select(selector):
                value = element.get(attribute)
                if value is None:
                    continue
                yield kind, value, urljoin(base, value.strip())


def ids_of(file: Path) -> set[str]:
    soup = parse(file)
    return {e["id"] for e in soup.select("[id]")} | {e["name"] for e in soup.select("a[name]")}


# ---------------------------------------------------------------------------- the crawl


def test_every_internal_link_and_image_resolves(built_site):
    broken = []
    checked = 0
    for file in html_files(built_site):
        where = file.relative_to(built_site).as_posix()
        for kind, value, url in references(built_site, file):
            if not is_internal(url):
                continue
            target = target_file(built_site, url)
            checked += 1
            if target is None or not target.is_file():
                broken.append(f"{where}: {value} ({kind}) does not resolve")
                continue
            fragment = unquote(urlsplit(url).fragment)
            if fragment and target.suffix == ".html" and fragment not in ids_of(target):
                broken.append(f"{where}: {value}: no #{fragment} in {target.name}")
    assert broken == []
    assert checked > 200  # the crawl really walked the site


def test_nothing_the_pages_load_comes_from_another_host(built_site):
    outside = [
        f"{file.relative_to(built_site)}: {value}"
        for file in html_files(built_site)
        for kind, value, url in references(built_site, file)
        if kind == "loaded" and urlsplit(url).scheme in ("http", "https")
        and not url.startswith(site_url())
    ]
    assert outside == []
    # No web fonts either: no CSS of the site imports or points at a font host.
    for css in built_site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, css
        assert not re.search(r"@import\s+url\(\s*['\"]?https?:", text), css


def test_every_image_has_alt_text(built_site):
    missing = [
        f"{file.relative_to(built_site)}: {img.get('src')}"
        for file in html_files(built_site)
        for img in parse(file).select("img")
        if img.get("alt") is None
    ]
    assert missing == []


def test_the_sitemap_and_feeds_name_pages_that_exist(built_site):
    sitemap = BeautifulSoup((built_site / "sitemap.xml").read_text(), "xml")
    locations = [loc.get_text(strip=True) for loc in sitemap.select("url > loc")]
    for path in ("", "blog/", "resources/", "catalyzers/", "issues/", "issues/2023-06/"):
        assert site_url() + path in locations
    feed = BeautifulSoup((built_site / "feed_rss_created.xml").read_text(), "xml")
    items = [link.get_text(strip=True) for link in feed.select("item > link")]
    assert items, "the feed has no posts"
    for url in locations + items:
        target = target_file(built_site, url)
        assert target is not None and target.is_file(), url


# ---------------------------------------------------------------------------- sharing


def meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.select_one(f"meta[property='{key}']") or soup.select_one(f"meta[name='{key}']")
    return tag.get("content") if tag else None


READER_PAGES = [
    "index.html",
    "blog/index.html",
    "blog/2023/06/how-might-learner-centered-systems-promote-relationships-and-teamwork/index.html",
    "resources/index.html",
    "catalyzers/index.html",
    "catalyzers/contessa-orr/index.html",
    "issues/index.html",
    "issues/2023-06/index.html",
    "404.html",
]


def test_every_page_has_open_graph_and_twitter_card_meta(built_site):
    pages = [f for f in html_files(built_site) if f.name in ("index.html", "404.html")]
    assert {p.relative_to(built_site).as_posix() for p in pages} >= set(READER_PAGES)
    for file in pages:
        soup = parse(file)
        where = file.relative_to(built_site)
        title = meta(soup, "og:title")
        assert title and title == meta(soup, "twitter:title"), where
        assert meta(soup, "og:description"), where
        assert meta(soup, "og:description") == meta(soup, "twitter:description"), where
        assert meta(soup, "twitter:card") == "summary_large_image", where
        assert meta(soup, "og:site_name") == "Catalyst", where
        image = meta(soup, "og:image")
        assert image and image.startswith(site_url()) and image == meta(soup, "twitter:image")
        assert target_file(built_site, image).is_file(), f"{where}: {image}"
        assert meta(soup, "og:image:alt"), where
        if file.name != "404.html":
            canonical = soup.select_one("link[rel=canonical]")["href"]
            assert canonical == page_url(built_site, file).removesuffix("index.html"), where
            assert meta(soup, "og:url") == canonical, where


def test_a_page_shares_its_own_image_or_the_sites_card(built_site):
    issue = parse(built_site / "issues/2023-06/index.html")
    assert meta(issue, "og:image") == site_url() + "assets/images/design39-design-studio.png"
    assert meta(issue, "og:image:alt").startswith("Design39 Learning Experience Designers")
    home = parse(built_site / "index.html")
    assert meta(home, "og:image") == site_url() + "assets/images/social-card.png"
    assert (meta(home, "og:image:width"), meta(home, "og:image:height")) == ("1200", "630")
    from PIL import Image

    with Image.open(built_site / "assets/images/social-card.png") as card:
        assert card.size == (1200, 630)


def test_posts_are_articles_and_titles_are_not_doubled(built_site):
    post = parse(built_site / READER_PAGES[2])
    assert meta(post, "og:type") == "article"
    assert meta(post, "article:published_time").startswith("2023-06-01")
    assert post.title.get_text() == (
        "How might learner-centered systems promote relationships and teamwork? - Catalyst"
    )
    home = parse(built_site / "index.html")
    assert meta(home, "og:type") == "website"
    assert home.title.get_text() == meta(home, "og:title")
    assert not home.title.get_text().endswith("- Catalyst")


@pytest.mark.parametrize("page", READER_PAGES)
def test_the_head_links_the_feeds_favicon_and_touch_icon(built_site, page):
    soup = parse(built_site / page)
    feeds: dict[str, str] = {}
    for link in soup.select("link[rel=alternate][type]"):
        feeds.setdefault(link["type"], link["href"])  # the first: posts by creation date
    base = page_url(built_site, built_site / page)
    assert urljoin(base, feeds["application/rss+xml"]) == site_url() + "feed_rss_created.xml"
    assert urljoin(base, feeds["application/feed+json"]) == (
        site_url() + "feed_json_created.json"
    )
    icon = soup.select_one("link[rel=icon]")["href"]
    assert posixpath.basename(icon) == "favicon.svg"
    assert soup.select_one("link[rel=apple-touch-icon]") is not None


def test_the_404_page_is_friendly_and_works_from_any_depth(built_site):
    soup = parse(built_site / "404.html")
    assert soup.title.get_text() == "Page not found - Catalyst"
    assert soup.select_one("article h1").get_text(strip=True) == "We couldn’t find that page"
    # Served for any missing path, so its links and assets are absolute from the site root.
    root = urlsplit(site_url()).path
    for _kind, value, url in references(built_site, built_site / "404.html"):
        if is_internal(url) and not value.startswith(("#", "http")):
            assert value.startswith(root), value
