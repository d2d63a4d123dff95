"""Where everything is: content folders and file names, and the source path and URL of every
page the site has (posts, issues, catalyzers, archives, each issue's email web copy).

Sources are paths inside `docs_dir`, as MkDocs names files; URLs are paths from the site's top,
as MkDocs makes them from sources (`use_directory_urls`). A post's URL is derived from the blog
plugin's own settings in mkdocs.yml (`blog_dir`, `post_url_format`, `post_url_date_format`),
so the email links where the blog puts the post; a format this module cannot derive is a
ConfigError naming it, never a wrong link.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

from catalyst.errors import ConfigError

# Content folders, inside docs_dir; issues live in their own folder (settings.issues_dir), and
# are pages of the site at issues/YYYY-MM.md.
POSTS_DIR = "blog/posts"
RESOURCES_DIR = "resources"
CATALYZERS_DIR = "catalyzers"
ISSUES_DIR = "issues"
# The generated archive pages.
RESOURCES_PAGE = f"{RESOURCES_DIR}/index.md"
CATALYZERS_PAGE = f"{CATALYZERS_DIR}/index.md"
ISSUES_PAGE = f"{ISSUES_DIR}/index.md"
ARCHIVES = (RESOURCES_PAGE, CATALYZERS_PAGE, ISSUES_PAGE)
# Inside build_dir: the page cache's entries (site/pagecache.py).
PAGE_CACHE_DIR = "cache/pages"
# What an image may be: email clients show PNG and JPEG.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# A month, as issues and catalyzers name it, and an issue's file name.
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ISSUE_FILE = re.compile(r"^\d{4}-\d{2}\.md$")

# The blog plugin's defaults (material/plugins/blog/config.py).
BLOG_DEFAULTS = {"blog_dir": "blog", "post_url_format": "{date}/{slug}",
                 "post_url_date_format": "yyyy/MM/dd"}
# The date fields of a Babel pattern this module can turn into strftime's.
_DATE_FIELDS = {"yyyy": "%Y", "MM": "%m", "dd": "%d"}
_DATE_PATTERN = re.compile(r"yyyy|MM|dd|[/._-]")
_URL_FIELDS = re.compile(r"\{(\w*)\}")


class Layout(Protocol):
    """What a page's URL depends on: MkDocs' `use_directory_urls` and the blog's post path
    (`post_template`). `catalyst.settings.Settings` has both; this module needs no more."""

    use_directory_urls: bool
    post_template: str


def post_template(blog: dict) -> str:
    """The source path of a post's page as a `str.format` template over `date` and `slug`,
    from the blog plugin's options; a ConfigError for a format that cannot be derived."""
    options = {**BLOG_DEFAULTS, **{k: v for k, v in blog.items() if v is not None}}
    url_format, date_format = options["post_url_format"], options["post_url_date_format"]
    fields = set(_URL_FIELDS.findall(url_format))
    if not fields <= {"date", "slug"} or "slug" not in fields:
        raise ConfigError(
            f"mkdocs.yml: blog post_url_format {url_format!r}: catalyst derives post URLs "
            "from {date} and {slug} only (each post's URL must be known to link it)"
        )
    if _DATE_PATTERN.sub("", date_format):
        raise ConfigError(
            f"mkdocs.yml: blog post_url_date_format {date_format!r}: catalyst derives post "
            "URLs from yyyy, MM and dd separated by / . _ or - only"
        )
    strftime = _DATE_PATTERN.sub(lambda m: _DATE_FIELDS.get(m.group(0), m.group(0)), date_format)
    path = url_format.replace("{date}", "{date:" + strftime + "}")
    return f"{options['blog_dir'].strip('/')}/{path}.md"


def page_url(settings: Layout, source: str) -> str:
    """MkDocs' URL for the Markdown page `source` (a path inside docs_dir)."""
    stem = source[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return f"{stem}/" if settings.use_directory_urls else f"{stem}.html"


def post_source(settings: Layout, published: dt.date, slug: str) -> str:
    """Where the blog plugin places a post's page (a generated source path)."""
    return settings.post_template.format(date=published, slug=slug)


def post_url(settings: Layout, post) -> str:
    return page_url(settings, post_source(settings, post.published, post.key))


def issue_source(month: str) -> str:
    return f"{ISSUES_DIR}/{month}.md"


def issue_url(settings: Layout, month: str) -> str:
    return page_url(settings, issue_source(month))


def catalyzer_source(slug: str) -> str:
    return f"{CATALYZERS_DIR}/{slug}.md"


def catalyzer_url(settings: Layout, slug: str) -> str:
    return page_url(settings, catalyzer_source(slug))


def web_copy(month: str) -> str:
    """Where the site keeps an issue's email web copy, from the site's top: beside the issue's
    page, written after the build."""
    return f"{ISSUES_DIR}/{month}/email.html"



def event_calendar(slug: str) -> str:
    """An event resource's iCalendar file, from the site's top (site.calendar writes it)."""
    return f"{RESOURCES_DIR}/{slug}.ics"
