"""The feeds of issues: RSS 2.0 and JSON Feed 1.1 of the published issues, beside the blog's.

Readers follow the newsletter in a feed reader, and tools that turn feeds into emails read
it. Each item is one live issue (drafts and issues not live yet at the build's moment never
appear, preview or not), newest first, the latest `LENGTH` of them:

- its title, and its email's subject (RSS: `catalyst:subject`; JSON Feed: `_catalyst`);
- the absolute address of its email's web copy (`urls.web_copy` under `site_url`) as its
  link and id;
- its date: when it is sent (`send_at`), else its month's first day (`publishing.live_at`);
- its preview text as the summary (HTML-escaped in RSS, whose readers take a description for
  HTML; plain text in JSON Feed's `summary`), and the web copy's content as HTML: the email's letter
  and sections (not its preheader, "view in browser" bar, masthead or unsubscribe footer),
  every address absolute, through the site's own sanitiser (`safety.clean`).

The bytes depend on the content only: the channel's dates are the newest issue's, keys and
items come in a fixed order. Both files are written atomically after the build.
"""

from __future__ import annotations

import html
import json
import re
from email.utils import format_datetime
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from catalyst import safety, urls
from catalyst.email.rendered import RenderedEmail
from catalyst.email.webcopy import site_copy
from catalyst.files import write_atomic
from catalyst.settings import Settings

# At the site's top, named like the blog's feeds (mkdocs-rss-plugin's feed_rss_created.xml):
# Material's JavaScript fetches `sitemap.xml` beside every <link rel="alternate">, which must
# be there.
RSS_PATH = "feed_rss_issues.xml"
JSON_PATH = "feed_json_issues.json"
# A year of issues: what a reader subscribing today may want to catch up on.
LENGTH = 12
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_NS = "http://www.w3.org/2005/Atom"
# The subject line has no RSS element of its own: a namespace of ours carries it.
CATALYST_NS = "urn:catalyst:newsletter:1"
# The email's chrome, around its content: none of it is the issue.
_CHROME = ("preheader", "topbar", "masthead", "footer")
# What XML 1.0 cannot carry: controls but tab and newlines, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def feed_urls(settings: Settings) -> dict[str, str]:
    """The two feeds' absolute addresses, by format."""
    return {"rss": settings.site_url + RSS_PATH, "json": settings.site_url + JSON_PATH}


def items(settings: Settings, library, rendered: dict[str, RenderedEmail]) -> list[dict]:
    """The feed's items, newest first: live issues (never drafts, never future ones)."""
    live = [issue for issue in library.issues.values() if library.is_live(issue)]
    live.sort(key=lambda issue: (library.live_at(issue), issue.month), reverse=True)
    found = []
    for issue in live[:LENGTH]:
        email = rendered.get(issue.month)
        if email is None:  # every live issue's email is built; never list one without it
            continue
        address = settings.site_url + urls.web_copy(issue.month)
        found.append(
            {
                "id": address,
                "url": address,
                "page": settings.site_url + urls.issue_url(settings, issue.month),
                "title": issue.title,
                "subject": issue.subject,
                "summary": issue.preview_text,
                "date": library.live_at(issue),
                "html": content_html(site_copy(email, settings), address),
            }
        )
    return found


def content_html(document: str, address: str) -> str:
    """The email web copy's content as an HTML fragment for a feed: the chrome left out,
    every address made absolute against the copy's own `address`, sanitised."""
    root = lxml_html.document_fromstring(document)
    for element in root.xpath("//script | //style"):
        element.drop_tree()
    for name in _CHROME:
        for element in root.find_class(name):
            element.drop_tree()
    root.make_links_absolute(address, resolve_base_href=False)
    # The email's one column is a table of cells (the letter, each section, its button): for
    # a feed reader, their contents one after the other, without the layout around them.
    containers = root.find_class("container")
    if containers:
        parts = containers[0].xpath("./tbody/tr/td | ./tr/td")
    else:
        body = root.find("body")
        parts = [body] if body is not None else []
    fragment = "\n".join(
        (cell.text or "") + "".join(lxml_html.tostring(c, encoding="unicode") for c in cell)
        for cell in parts
    )
    return safety.clean(fragment).strip()


def rss(settings: Settings, entries: list[dict]) -> bytes:
    """RSS 2.0 (with content:encoded and atom:link self), UTF-8, reproducible."""
    nsmap = {"content": CONTENT_NS, "atom": ATOM_NS, "catalyst": CATALYST_NS}
    root = etree.Element("rss", version="2.0", nsmap=nsmap)
    channel = etree.SubElement(root, "channel")
    _text(channel, "title", f"{settings.newsletter_name} issues")
    _text(channel, "link", settings.site_url + urls.page_url(settings, urls.ISSUES_PAGE))
    _text(channel, "description", _description(settings))
    _text(channel, "language", "en")
    if entries:
        newest = format_datetime(entries[0]["date"])
        _text(channel, "pubDate", newest)
        _text(channel, "lastBuildDate", newest)
    etree.SubElement(
        channel, f"{{{ATOM_NS}}}link",
        href=feed_urls(settings)["rss"], rel="self", type="application/rss+xml",
    )
    for entry in entries:
        item = etree.SubElement(channel, "item")
        _text(item, "title", entry["title"])
        _text(item, "link", entry["url"])
        guid = _text(item, "guid", entry["id"])
        guid.set("isPermaLink", "true")
        _text(item, "pubDate", format_datetime(entry["date"]))
        # A reader takes an RSS description for HTML: the plain-text preview, escaped.
        _text(item, "description", html.escape(entry["summary"], quote=False))
        _text(item, f"{{{CONTENT_NS}}}encoded", entry["html"])
        _text(item, f"{{{CATALYST_NS}}}subject", entry["subject"])
        _text(item, f"{{{CATALYST_NS}}}page", entry["page"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def json_feed(settings: Settings, entries: list[dict]) -> bytes:
    """JSON Feed 1.1, UTF-8, keys in a fixed order."""
    feed = {
        "version": JSON_FEED_VERSION,
        "title": f"{settings.newsletter_name} issues",
        "home_page_url": settings.site_url + urls.page_url(settings, urls.ISSUES_PAGE),
        "feed_url": feed_urls(settings)["json"],
        "description": _description(settings),
        "language": "en",
        "items": [
            {
                "id": entry["id"],
                "url": entry["url"],
                "title": entry["title"],
                "summary": entry["summary"],
                "content_html": entry["html"],
                "date_published": entry["date"].isoformat(),
                "_catalyst": {"subject": entry["subject"], "page": entry["page"]},
            }
            for entry in entries
        ],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write(settings: Settings, library, rendered: dict[str, RenderedEmail], site_dir) -> None:
    """Write both feeds into the built site, each atomically."""
    entries = items(settings, library, rendered)
    write_atomic(Path(site_dir) / RSS_PATH, rss(settings, entries))
    write_atomic(Path(site_dir) / JSON_PATH, json_feed(settings, entries))


def _description(settings: Settings) -> str:
    return f"Every monthly issue of {settings.newsletter_name}, as it reached subscribers."


def _text(parent, tag: str, value: str):
    element = etree.SubElement(parent, tag)
    element.text = _xml_safe(value)
    return element


def _xml_safe(value: str) -> str:
    """`value` without the characters XML 1.0 cannot carry (lxml refuses them)."""
    return _NOT_XML.sub("", value)

