"""The email as published on the site, beside its issue's page: merge tags made to work for a
reader, and the site's own addresses relative to the copy's place in the built site.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import markupsafe

from catalyst import urls
from catalyst.email.rendered import MERGE_TAG, RenderedEmail
from catalyst.files import write_atomic
from catalyst.settings import Settings

_URL_ATTRIBUTE_PARTS = re.compile(r"""(\b(?:href|src)\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE)


def site_copy(rendered: RenderedEmail, settings: Settings) -> str:
    """The email as published on the site: merge tags replaced by what works for a reader,
    and the site's own addresses relative to the copy's place in the site (see
    `_relative_to_copy`), so its images show before the site is deployed too."""
    replacements = {
        "*|UNSUB|*": _unsubscribe_url(settings),
        "*|UPDATE_PROFILE|*": _update_profile_url(settings),
        "*|LIST:ADDRESSLINE|*": str(markupsafe.escape(settings.address)),
    }
    html = rendered.html
    for tag, value in replacements.items():
        html = html.replace(tag, value)
    # Any other merge tag (an editor's *|FNAME|*) has no reader to fill it in.
    html = MERGE_TAG.sub("", html)
    html = _relative_to_copy(html, settings, urls.web_copy(rendered.month))
    # The page is the one to index; this copy is for looking at the email.
    return html.replace(
        '<meta charset="utf-8">',
        '<meta charset="utf-8">\n<meta name="robots" content="noindex">',
        1,
    )


def _relative_to_copy(html: str, settings: Settings, path: str) -> str:
    """Every href and src into the site (under site_url) made relative to `path`, the copy's
    place in the built site: `../../assets/images/x.png` from `issues/2023-06/email.html`.
    Served from site/ before deployment, from a preview server or from site_url after it,
    the copy's images and links then lead to the same built site it is part of. Outside
    addresses, mailto: and the query and fragment of each address are left as they are."""
    site = settings.site_url
    here = posixpath.dirname(path)

    def relative(match: re.Match) -> str:
        attribute, quote_mark, url = match.groups()
        if not url.startswith(site):
            return match.group(0)
        rest = url[len(site) :]
        split = min((at for at in (rest.find("?"), rest.find("#")) if at >= 0), default=len(rest))
        target, suffix = rest[:split], rest[split:]
        local = posixpath.relpath(target or ".", here)
        if target.endswith("/") or not target:
            local = "./" if local == "." else local + "/"
        return f"{attribute}{quote_mark}{local}{suffix}{quote_mark}"

    return _URL_ATTRIBUTE_PARTS.sub(relative, html)


def _unsubscribe_url(settings: Settings) -> str:
    """Mailchimp's hosted unsubscribe form for the audience of the embedded signup form."""
    if settings.subscribe_url:
        parts = urlsplit(settings.subscribe_url)
        if parts.path.startswith("/subscribe"):
            return str(markupsafe.escape(urlunsplit(parts._replace(path="/unsubscribe"))))
    return _update_profile_url(settings)


def _update_profile_url(settings: Settings) -> str:
    if settings.reply_to:
        subject = quote(f"My {settings.newsletter_name} subscription")
        return str(markupsafe.escape(f"mailto:{settings.reply_to}?subject={subject}"))
    return str(markupsafe.escape(settings.site_url))


def write_site_copy(
    rendered: RenderedEmail, settings: Settings, site_dir: str | os.PathLike
) -> Path:
    """Publish the site copy at `issues/YYYY-MM/email.html` under `site_dir`, atomically."""
    path = Path(site_dir) / urls.web_copy(rendered.month)
    write_atomic(path, site_copy(rendered, settings))
    return path
