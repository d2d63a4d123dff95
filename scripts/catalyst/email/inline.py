"""The finished HTML: CSS inlined by premailer (the head-only `<style>` kept intact), and the
last guards over what leaves: every URL and tag (safety's policy) and the one `<style>`.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from urllib.parse import urlsplit

from catalyst import safety
from catalyst.content.schema import Issue
from catalyst.email.rendered import MERGE_TAG, TEMPLATE_DIR
from catalyst.errors import EmailError
from catalyst.settings import Settings

STYLE_MAX_BYTES = 16 * 1024  # Gmail ignores a <style> block larger than this


_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def inline_css(html: str, css: str) -> str:
    from premailer import Premailer

    return Premailer(
        html,
        css_text=css,
        # The defaults would break responsive and dark-mode email: keep every !important,
        # fetch nothing, leave our width/height attributes alone (CSS `height:auto` must not
        # become height="auto"), and keep classes for the head-only rules to select.
        strip_important=False,
        allow_network=False,
        allow_loading_external_files=False,
        disable_basic_attributes=["width", "height"],
        remove_classes=False,
        # cssutils' validation knows no mso-* or -webkit-* property and would warn about each
        # (they are meant); it is also most of the inlining time.
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
    ).transform()


def check_urls(html: str, issue: Issue, settings: Settings) -> None:
    """The last guard, over the finished HTML (after premailer) parsed as a browser would,
    Outlook's conditional comments included: no script, frame, object, form or meta
    refresh, no event handler, and every URL (href, src, srcset, action, background,
    poster, CSS url()...), entities decoded and invisible characters removed, is https,
    mailto, tel or a merge tag."""
    allowed = tuple(f"{scheme}:" for scheme in safety.EMAIL_SCHEMES if scheme != "https")
    allowed += ("https://",)
    if _is_preview(settings.site_url):
        # `mkdocs serve` sets site_url to its own http:// address: the preview's copy of
        # the email links to the preview. The email that is sent is built from mkdocs.yml.
        allowed += (settings.site_url,)

    def url_problem(url: str) -> str | None:
        if MERGE_TAG.fullmatch(url.strip()) or safety.visible(url).lower().startswith(allowed):
            return None
        return f"'{url}' is not an absolute https:// address"

    problems = safety.document_problems(html, url_problem)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise EmailError(issue.source, problems[0] + more)


def _is_preview(site_url: str) -> bool:
    """An http:// site_url on this machine or the local network (a preview server)."""
    parts = urlsplit(site_url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def check_style(html: str, settings: Settings) -> None:
    styles = _STYLE.findall(html)
    size = sum(len(s.encode("utf-8")) for s in styles)
    if len(styles) != 1 or size > STYLE_MAX_BYTES:
        path = settings.shown(settings.templates_dir / TEMPLATE_DIR / "head.css")
        raise EmailError(
            path,
            f"the email must keep exactly one <style> of at most {STYLE_MAX_BYTES} bytes "
            f"(found {len(styles)}, {size} bytes): move inlinable rules to email.css",
        )
