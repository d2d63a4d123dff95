"""One issue to its email: the Jinja2 environment on `templates/email/` (autoescaped HTML,
StrictUndefined, one macro per section kind), the context the templates see, and the
render that turns them into a RenderedEmail. Nothing here prints; errors are EmailErrors.
"""

from __future__ import annotations

import traceback
from functools import lru_cache
from pathlib import Path

import jinja2
import markupsafe

from catalyst import urls
from catalyst.content.events import date_label, resource_when
from catalyst.content.library import Library
from catalyst.content.schema import KIND_LABELS, Issue, Resource
from catalyst.email.inline import check_style, check_urls, inline_css
from catalyst.email.links import EmailLinks
from catalyst.email.markdown import markdown_to_html, markdown_to_text
from catalyst.email.rendered import (
    COLUMN,
    CONTENT_WIDTH,
    GUTTER,
    LANG,
    TEMPLATE_DIR,
    TEXT_WIDTH,
    RenderedEmail,
)
from catalyst.email.text import tidy_text
from catalyst.errors import EmailError
from catalyst.settings import Settings

# Invisible characters after the preview text, so inboxes do not pull body text into the
# snippet: combining grapheme joiner, zero-width non-joiner, no-break space.
PREHEADER_PADDING = markupsafe.Markup("&#847;&zwnj;&nbsp;" * 100)


@lru_cache(maxsize=8)
def _environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir / TEMPLATE_DIR)),
        # The HTML is escaped; the text part must not be (it would show `&amp;`).
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        lang=LANG,
        column=COLUMN,
        content_width=CONTENT_WIDTH,
        kind_label=KIND_LABELS,
        rule="-" * TEXT_WIDTH,
        button_width=button_width,
        date_label=date_label,
    )
    return env


# Advance widths of Arial Bold (per 1000 em), the face Outlook draws the VML button's text
# in when Segoe UI is missing; characters not listed count as the widest lower-case letters.
_BOLD_ADVANCE = {
    **dict.fromkeys(" ijlI.,'’:;!|", 278), **dict.fromkeys("ftr()-/", 333),
    **dict.fromkeys("acesvxyzkJ0123456789", 556), **dict.fromkeys("bdghnopqu?FLTZ", 611),
    **dict.fromkeys("EPSVXY", 667), **dict.fromkeys("ABCDHKNRU&", 722),
    **dict.fromkeys("wGOQ", 778), "M": 833, "m": 889, "W": 944,
}
BUTTON_FONT_PX = 16
BUTTON_SLACK = 1.15  # room for a wider bold face (Segoe UI, DejaVu Sans) in the same box


def button_width(text) -> int:
    """One width for the button in every client: the VML button (Outlook) and the HTML one
    both get it, measured from the label's bold advance widths plus the side padding."""
    em = sum(_BOLD_ADVANCE.get(char, 611) for char in str(text)) / 1000
    return int(em * BUTTON_FONT_PX * BUTTON_SLACK + 0.999) + 2 * GUTTER


def _context(settings: Settings, library: Library, issue: Issue, links: EmailLinks) -> dict:
    def md(text: str, owner) -> markupsafe.Markup:
        return markupsafe.Markup(markdown_to_html(text, rewrite=links.rewrite(owner)))

    def md_text(text: str, owner) -> str:
        return markdown_to_text(text, rewrite=links.rewrite(owner))

    def resource_href(resource: Resource) -> str:
        post = library.post_for(resource)
        return links.page(post) if post else links.href(resource.url, resource)

    def calendar_href(resource: Resource) -> str:
        """The event's .ics on the site (site.calendar writes it), absolute."""
        return links.tag(settings.site_url + urls.event_calendar(resource.slug))

    return {
        "issue": issue,
        "settings": settings,
        "library": library,
        "month_label": f"{issue.month_name} {issue.month[:4]}",
        "view_url": links.page(issue),
        "site_home": links.tag(settings.site_url),
        "head_css": markupsafe.Markup(read_template(settings, "head.css")),
        "preheader_padding": PREHEADER_PADDING,
        "md": md,
        "md_text": md_text,
        "href": links.href,
        "src": links.src,
        "shown": links.image,
        "page": links.page,
        "resource_href": resource_href,
        "calendar_href": calendar_href,
        "event_when": resource_when,
        "catalyzer_for": lambda section: library.catalyzer_for(issue, section),
    }


def read_template(settings: Settings, name: str) -> str:
    path = settings.templates_dir / TEMPLATE_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EmailError(settings.shown(path), "template file missing") from None


def _render_template(settings: Settings, name: str, context: dict, issue: Issue) -> str:
    env = _environment(settings.templates_dir)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        path = settings.shown(Path(error.filename or name))
        raise EmailError(path, error.message or str(error), error.lineno) from None
    except jinja2.TemplateError as error:
        # StrictUndefined: name the template line that asked for the missing value.
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.endswith(".j2"):
                path = settings.shown(Path(frame.filename))
                raise EmailError(
                    path, f"{error} (rendering {issue.source})", frame.lineno or 1
                ) from None
        raise EmailError(issue.source, f"{name}: {error}") from None


def render(settings: Settings, library: Library, month: str) -> tuple[RenderedEmail, dict]:
    """Build one email from scratch; also return the local files it read (for the cache)."""
    issue = issue_of(settings, library, month)
    links = EmailLinks(settings, library, issue)
    context = _context(settings, library, issue, links)
    html = _render_template(settings, "issue.html.j2", context, issue)
    html = inline_css(html, read_template(settings, "email.css"))
    check_urls(html, issue, settings)
    check_style(html, settings)
    text = tidy_text(_render_template(settings, "issue.txt.j2", context, issue))
    email = RenderedEmail(
        month=issue.month,
        html=html,
        text=text,
        subject=issue.subject,
        preview_text=issue.preview_text,
        images=tuple(links.images),
    )
    return email, links.files


def issue_of(settings: Settings, library: Library, month: str) -> Issue:
    issue = library.issues.get(month)
    if issue is None:
        known = ", ".join(sorted(library.issues)) or "none"
        path = settings.shown(settings.issues_dir / f"{month}.md")
        raise EmailError(path, f"no issue {month} (issues: {known})")
    return issue


def month_named(settings: Settings, library: Library, name: str) -> str:
    """`YYYY-MM` as given, or `latest`: the library's newest published issue (the newest
    that is not a draft, sent or not, in a preview library: `catalyst email` uses one)."""
    if name != "latest":
        return issue_of(settings, library, name).month
    latest = library.latest_issue()
    if latest is None:
        raise EmailError(settings.shown(settings.issues_dir), "no published issue yet")
    return latest.month
