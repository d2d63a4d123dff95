"""The site's generated pages, as Markdown, from the model: a pure function of the content.

Resources, catalyzers, the issue archive, each issue's page and the home page's
generated block are rendered here from Jinja2 templates in `templates/pages/`. The
MkDocs plugin only registers the results as files, so another generator could use
them as they are.

Front matter reaches the Markdown in three ways, and only these (`catalyst.safety`):
every `{{ value }}` is plain text, shown as typed (HTML-escaped, and every character
Markdown or `attr_list` would read written as an entity: a title `Trust { onclick=... }`
stays text); URLs go through `url()`/`link()`/`resource_href()`, which check the scheme
and percent-encode what could end a link; Markdown fields (`body`, `summary`, `text`,
`intro`) are marked `| safe` and stay Markdown. The plugin then sanitises the HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from urllib.parse import parse_qs, urlsplit

import jinja2
import markupsafe

from catalyst import safety, urls
from catalyst.content.events import date_label, resource_when
from catalyst.content.library import Library
from catalyst.content.schema import KIND_LABELS, RESOURCE_KINDS, Catalyzer, Issue, Resource
from catalyst.settings import Settings

KIND_ICONS = {
    "blog-post": "material-post-outline",
    "video": "material-play-circle-outline",
    "podcast": "material-podcast",
    "article": "material-newspaper-variant-outline",
    "report": "material-file-chart-outline",
    "book": "material-book-open-page-variant-outline",
    "tool": "material-tools",
    "event": "material-calendar-star",
    "webinar": "material-presentation-play",
    "recording": "material-play-box-multiple-outline",
}
KIND_PLURALS = {
    "blog-post": "Blog posts",
    "video": "Videos",
    "podcast": "Podcasts",
    "article": "Articles",
    "report": "Reports",
    "book": "Books",
    "tool": "Tools",
    "event": "Events",
    "webinar": "Webinars",
    "recording": "Webinar recordings",
}

RESOURCES_PAGE, CATALYZERS_PAGE, ISSUES_PAGE = urls.ARCHIVES
HOME_MARKER = "<!-- catalyst:home -->"
# The templates `SitePages.all` renders (the serve memo reads them and what they include).
ALL_TEMPLATES = ("resources.md.j2", "catalyzers.md.j2", "issues.md.j2", "catalyzer.md.j2",
                 "issue.md.j2")


def issue_page(issue: Issue) -> str:
    return urls.issue_source(issue.month)


def issue_email(issue: Issue) -> str:
    """Where the site keeps the issue's email copy, written beside its page after the build."""
    return urls.web_copy(issue.month)


def issue_image(issue: Issue) -> tuple[str, str] | None:
    """The issue's first image and its alt text: the picture a shared link shows."""
    for section in issue.sections:
        blocks = getattr(section, "items", None) if section.kind == "highlights" else [section]
        for block in blocks or ():
            if getattr(block, "image", None):
                return block.image, block.image_alt
    return None


def catalyzer_page(catalyzer: Catalyzer) -> str:
    return urls.catalyzer_source(catalyzer.slug)


def generated_pages(library: Library) -> set[str]:
    """The pages `SitePages.all()` renders, as source URIs, without rendering them."""
    pages = {RESOURCES_PAGE, CATALYZERS_PAGE, ISSUES_PAGE}
    pages |= {catalyzer_page(c) for c in library.published_catalyzers()}
    pages |= {issue_page(i) for i in library.published_issues()}
    return pages


def upcoming_note(when: dt.datetime) -> markupsafe.Markup:
    """The mark a preview puts on what readers cannot see yet, inline (cards, eyebrows)."""
    moment = when.astimezone(dt.UTC)
    text = f"{moment:%B} {moment.day}, {moment.year}, {moment:%H:%M} UTC"
    return markupsafe.Markup(
        '<span class="catalyst-upcoming">Upcoming: goes live on '
        f'<time datetime="{moment.isoformat()}">{text}</time></span>'
    )


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() for p in (parts[:1] + parts[1:][-1:]))


def first_paragraph(markdown: str) -> str:
    """The opening paragraph of an editor's Markdown, still Markdown: a teaser's text."""
    return markdown.strip().split("\n\n", 1)[0]


def _plain(value):
    """Jinja's `finalize`: every value a template prints is plain text unless marked safe."""
    if isinstance(value, markupsafe.Markup):
        return value
    return safety.markdown_text(value)


SUBSCRIBE_SLOT = '<div id="catalyst-subscribe"></div>'
"""Where the home page's subscribe form goes: the plugin puts the form in after the page's
HTML is sanitised (content may not hold forms; this one is the site's own)."""


def subscribe_honeypot(url: str | None) -> str | None:
    """Mailchimp's bot trap field is named b_<u>_<id> after the form's own ids."""
    if not url:
        return None
    query = parse_qs(urlsplit(url).query)
    u, list_id = query.get("u", [""])[0], query.get("id", [""])[0]
    return f"b_{u}_{list_id}" if u and list_id else None


class SitePages:
    """Renders every generated page of the site from a Library."""

    def __init__(self, library: Library, settings: Settings):
        self.library = library
        self.settings = settings
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(settings.templates_dir / "pages")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=_plain,
        )
        self.env.filters["indent_md"] = _indent
        self.env.filters["meta"] = _meta
        self.env.filters["first_paragraph"] = first_paragraph
        self.env.filters["quote_md"] = _quote
        self.env.globals.update(
            kind_label=KIND_LABELS,
            kind_icon=KIND_ICONS,
            kind_plural=KIND_PLURALS,
            kinds=RESOURCE_KINDS,
            initials=initials,
            url=safety.markdown_url,
            social_url=social_url,
            subscribe_slot=markupsafe.Markup(SUBSCRIBE_SLOT),
            email_path=issue_email,
            event_when=resource_when,
            date_label=date_label,
            calendar_src=urls.event_calendar,
            issue_image=issue_image,
            settings=settings,
            library=library,
            is_resources=lambda s: s.kind == "resources",
            upcoming=self.upcoming,
            upcoming_banner=self.upcoming_banner,
        )

    # -- the preview's marks: only a preview shows what is not live yet

    def upcoming(self, item) -> markupsafe.Markup:
        """`Upcoming: goes live on <date>` for an item a preview shows early; else nothing."""
        when = self.library.upcoming(item) if self.library.preview else None
        return upcoming_note(when) if when else markupsafe.Markup("")

    def upcoming_banner(self, item) -> markupsafe.Markup:
        """The same mark as a paragraph of its own, under a page's title."""
        note = self.upcoming(item)
        if not note:
            return note
        return markupsafe.Markup(f'<p class="catalyst-upcoming-banner" role="note">{note}</p>')

    # -- where things are, as source paths relative to docs_dir (MkDocs resolves them)

    def src(self, item) -> str:
        if isinstance(item, Issue):
            return issue_page(item)
        if isinstance(item, Catalyzer):
            return catalyzer_page(item)
        return self.settings.docs_uri(item.source)

    def _context(self, page: str) -> dict:
        def link(target) -> markupsafe.Markup:
            """A Markdown link to a source file: MkDocs resolves it and checks it exists.
            (An image given as an absolute URL stays that URL.)"""
            uri = target if isinstance(target, str) else self.src(target)
            if safety.url_scheme(uri) or uri.startswith("//"):
                return safety.markdown_url(uri)
            return safety.markdown_url(posixpath.relpath(uri, posixpath.dirname(page) or "."))

        def href(path: str) -> markupsafe.Markup:
            """A raw link to a file of the built site that MkDocs does not know about."""
            return safety.markdown_url(
                posixpath.relpath(path, self.page_dir(page)) if path else "."
            )

        def resource_href(resource: Resource) -> markupsafe.Markup:
            post = self.library.post_for(resource)
            return link(post) if post else safety.markdown_url(resource.url)

        return {"page": page, "link": link, "href": href, "resource_href": resource_href}

    def page_dir(self, page: str) -> str:
        """The folder of the built site that holds `page`'s HTML, as MkDocs places it."""
        stem, name = posixpath.split(page.removesuffix(".md"))
        if name in ("index", "README") or not self.settings.use_directory_urls:
            return stem or "."
        return posixpath.join(stem, name)

    def render(self, template: str, page: str, **values) -> str:
        return self.env.get_template(template).render(**self._context(page), **values)

    # -- the pages

    def all(self) -> dict[str, str]:
        """src_uri -> Markdown for every generated page."""
        lib = self.library
        pages = {
            RESOURCES_PAGE: self.resources(),
            CATALYZERS_PAGE: self.render(
                "catalyzers.md.j2", CATALYZERS_PAGE, catalyzers=lib.published_catalyzers()
            ),
            ISSUES_PAGE: self.render("issues.md.j2", ISSUES_PAGE, issues=lib.published_issues()),
        }
        for newer, catalyzer, older in _neighbours(lib.published_catalyzers()):
            uri = catalyzer_page(catalyzer)
            pages[uri] = self.render(
                "catalyzer.md.j2", uri, catalyzer=catalyzer, newer=newer, older=older
            )
        for newer, issue, older in _neighbours(lib.published_issues()):
            pages[issue_page(issue)] = self.issue(issue, newer, older)
        return pages

    def resources(self) -> str:
        resources = self.library.published_resources()
        groups = {k: [r for r in resources if r.kind == k] for k in RESOURCE_KINDS}
        groups = {k: v for k, v in groups.items() if v}
        # Each card's place in the newest-first list, for the "all kinds" view.
        ranks = {resource.slug: n for n, resource in enumerate(resources)}
        return self.render(
            "resources.md.j2", RESOURCES_PAGE, resources=resources, groups=groups, ranks=ranks
        )

    def issue(self, issue: Issue, newer: Issue | None = None, older: Issue | None = None) -> str:
        uri = issue_page(issue)
        return self.render(
            "issue.md.j2",
            uri,
            issue=issue,
            newer=newer,
            older=older,
            catalyzer_for=lambda section: self.library.catalyzer_for(issue, section),
            resources=self.library.resources,
        )

    def home(self, page: str = "index.md") -> str:
        lib = self.library
        latest = lib.latest_issue()
        catalyzers = lib.published_catalyzers()
        return self.render(
            "home.md.j2",
            page,
            latest=latest,
            posts=lib.published_posts()[:3],
            catalyzer=catalyzers[0] if catalyzers else None,
            resources=lib.published_resources()[:3],
        )

    def expand_home(self, markdown: str, page: str = "index.md") -> str:
        return markdown.replace(HOME_MARKER, self.home(page))

    def subscribe_form(self) -> str:
        """The subscribe form's HTML (empty without a `subscribe_url`): plain HTML, not
        Markdown, so its values are HTML-escaped only."""
        url = self.settings.subscribe_url
        if not url or not safety.safe_url(url, ("https",)):
            return ""
        honeypot = subscribe_honeypot(url)
        return self.env.get_template("subscribe.html.j2").render(
            action=markupsafe.Markup(markupsafe.escape(url)),
            honeypot=markupsafe.Markup(markupsafe.escape(honeypot)) if honeypot else None,
        )


def _neighbours(items: list) -> list[tuple]:
    """(newer, item, older) for each item of a newest-first list."""
    padded = [None, *items, None]
    return list(zip(padded[:-2], items, padded[2:], strict=True))


def social_url(network: str, handle: str) -> markupsafe.Markup | None:
    """The profile URL of a handle on a network the pages link to, or None."""
    base = {
        "twitter": "https://x.com/",
        "x": "https://x.com/",
        "linkedin": "https://www.linkedin.com/in/",
    }.get(network)
    if base is None:
        return None
    return safety.markdown_url(base + safety.path_segment(str(handle).lstrip("@")))


def _meta(value) -> markupsafe.Markup:
    """A front-matter value, quoted as JSON (valid YAML). The plugin HTML-escapes every
    page's front matter before the theme prints it (`safety.escape_meta`)."""
    return markupsafe.Markup(json.dumps(str(value), ensure_ascii=False))


def _indent(text, width: int = 4) -> markupsafe.Markup:
    """Indent a block for a Markdown list item; plain text is made plain (one line),
    Markup (Markdown marked safe) is kept as is."""
    pad = " " * width
    if not isinstance(text, markupsafe.Markup):
        text = safety.markdown_text(text)
    return markupsafe.Markup(
        "\n".join(pad + line if line.strip() else "" for line in text.splitlines())
    )


def _quote(text) -> markupsafe.Markup:
    """Markdown (marked safe) as a Markdown block quote: every line behind `> `."""
    return markupsafe.Markup("\n".join(f"> {line}".rstrip() for line in str(text).splitlines()))
