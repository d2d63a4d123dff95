"""Every URL the package makes for a page (`catalyst.urls`) leads to a page of the built site,
and a blog URL format it cannot derive is refused, not guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalyst import urls
from catalyst.content import loader
from catalyst.email.links import page_urls
from catalyst.errors import ConfigError
from catalyst.settings import load_settings
from conftest import ROOT


def resolves(site: Path, url: str) -> bool:
    """A URL path of the site names a built file (a folder URL: its index.html)."""
    if url.endswith("/") or url == "":
        return (site / url / "index.html").is_file()
    return (site / url).is_file()


def test_every_generated_url_resolves_in_the_built_site(built_site):
    settings = load_settings(ROOT / "mkdocs.yml")
    library, problems = loader.load(settings)
    assert [p for p in problems if p.level == "error"] == []
    made = {
        "archive": [urls.page_url(settings, page) for page in urls.ARCHIVES],
        "post": [urls.post_url(settings, post) for post in library.published_posts()],
        "issue": [urls.issue_url(settings, i.month) for i in library.published_issues()],
        "web copy": [urls.web_copy(i.month) for i in library.published_issues()],
        "catalyzer": [
            urls.catalyzer_url(settings, c.slug) for c in library.published_catalyzers()
        ],
    }
    assert all(made.values()), {kind: len(found) for kind, found in made.items()}
    missing = [(kind, url) for kind, found in made.items() for url in found
               if not resolves(built_site, url)]
    assert missing == []
    # The email's map of every page an editor may link to agrees, for what is published.
    shown = {urls.issue_source(i.month) for i in library.published_issues()}
    shown |= {settings.docs_uri(p.source) for p in library.published_posts()}
    for source, url in page_urls(settings, library).items():
        if source in shown:
            assert resolves(built_site, url), (source, url)


@pytest.mark.parametrize("blog, message", [
    ({"post_url_format": "{categories}/{slug}"}, "post_url_format '{categories}/{slug}'"),
    ({"post_url_format": "{date}"}, "post_url_format '{date}'"),
    ({"post_url_date_format": "MMMM yyyy"}, "post_url_date_format 'MMMM yyyy'"),
])
def test_a_post_url_format_that_cannot_be_derived_is_a_config_error(blog, message):
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        urls.post_template(blog)


def test_post_urls_follow_the_blog_plugins_options():
    assert urls.post_template({}) == "blog/{date:%Y/%m/%d}/{slug}.md"
    template = urls.post_template({"blog_dir": "news", "post_url_date_format": "yyyy-MM"})
    assert template == "news/{date:%Y-%m}/{slug}.md"
