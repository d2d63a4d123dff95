"""Every URL in one issue's email: absolute https, `.md` sources resolved to their pages, UTM
parameters on links into the site, and each local image prepared for the email (email.images).
"""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from catalyst import urls
from catalyst.content.library import Library
from catalyst.content.schema import Catalyzer, Issue, Post, Resource
from catalyst.email import images
from catalyst.email.rendered import CONTENT_WIDTH, MERGE_TAG
from catalyst.errors import EmailError
from catalyst.settings import Settings

# A front matter line giving a field its value (`url: ...`, `- image: ...`).
_FIELD = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):\s")


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where a piece of Markdown was written: `source` for messages, `page` (a path inside
    content/, as MkDocs sees it) for resolving relative links the way the site does."""

    source: str
    page: str


class EmailLinks:
    """Every URL in one issue's email: absolute https, UTM-tagged when it leads into the site."""

    def __init__(self, settings: Settings, library: Library, issue: Issue):
        self.settings = settings
        self.library = library
        self.issue = issue
        self.site = settings.site_url
        self.utm = {
            "utm_source": settings.utm_source,
            "utm_medium": "email",
            "utm_campaign": issue.month,
        }
        self.pages = page_urls(settings, library)
        # Local files read while rendering (image sizes): the cache checks them again.
        self.files: dict[str, str] = {}
        self.images: list[tuple[str, str, int]] = []  # see RenderedEmail.images

    def origin(self, owner=None) -> Origin:
        """Where `owner`'s Markdown was written; no owner: the issue's front matter, whose
        paths start at content/'s top."""
        if owner is None:
            return Origin(self.issue.source, "")
        if isinstance(owner, Issue):
            return Origin(owner.source, urls.issue_source(owner.month))
        if isinstance(owner, Catalyzer):
            return Origin(owner.source, urls.catalyzer_source(owner.slug))
        if isinstance(owner, (Resource, Post)):
            return Origin(owner.source, self.settings.docs_uri(owner.source))
        raise TypeError(f"no origin for {owner!r}")

    def error(self, owner, written: str, message: str) -> EmailError:
        """An EmailError at the line of `owner`'s file where `written` is, naming the front
        matter field it is the value of (the first line, when it cannot be found)."""
        source = self.origin(owner).source
        try:
            lines = (self.settings.root / source).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return EmailError(source, message)
        in_front_matter = bool(lines) and lines[0].strip() == "---"
        for number, line in enumerate(lines, 1):
            if number > 1 and in_front_matter and line.strip() == "---":
                in_front_matter = False
            if written and written in line:
                field = _FIELD.match(line) if in_front_matter else None
                return EmailError(source, f"{field[1]}: {message}" if field else message, number)
        return EmailError(source, message)

    def tag(self, url: str) -> str:
        """`url` with the campaign's UTM parameters if it leads into the site."""
        if not url.startswith(self.site):
            return url
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        present = {key for key, _ in query}
        # An editor's own utm_* values win over ours.
        query += [(key, value) for key, value in self.utm.items() if key not in present]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def page(self, item) -> str:
        """The site page of an Issue, Post or Catalyzer, tagged."""
        if isinstance(item, Issue):
            path = urls.issue_url(self.settings, item.month)
        elif isinstance(item, Catalyzer):
            path = urls.catalyzer_url(self.settings, item.slug)
        else:
            path = urls.post_url(self.settings, item)
        return self.tag(self.site + path)

    def href(self, url: str, owner=None) -> str:
        """A link as written by an editor, made absolute and tagged."""
        url = url.strip()
        if MERGE_TAG.fullmatch(url) or url.startswith(("mailto:", "tel:")):
            return url
        return self.tag(self._absolute(url, owner, "link"))

    def src(self, path: str, owner=None) -> str:
        """An image: a path inside content/ (or relative to its Markdown file), or https."""
        url = self._absolute(path.strip(), owner, "image")
        suffix = posixpath.splitext(urlsplit(url).path)[1].lower()
        if suffix not in urls.IMAGE_SUFFIXES:
            raise self.error(
                owner, path, f"image '{path}' must be PNG or JPG (email clients need them)"
            )
        return url

    def image(self, path: str, owner, slot: int = CONTENT_WIDTH) -> dict:
        """An image's `src`, `width` and `height` (None: unknown) for a slot `slot` px wide.
        A local image is prepared for the email by email.images (resized, compressed)."""
        src = self.src(path, owner)  # refuses what is not PNG or JPEG, for every image
        file = self._local_file(path, owner)
        if file is None:
            return {"src": src, "width": slot, "height": None}  # remote: it fills the slot
        self.files[str(file)] = hashlib.sha256(file.read_bytes()).hexdigest()
        try:
            prepared = images.prepare(self.settings, file, slot)
        except images.ImageError as error:
            raise self.error(owner, path, f"image: {error}") from None
        self.files[str(images.store_dir(self.settings) / prepared.name)] = prepared.digest
        self.images.append((path, prepared.name, prepared.size))
        url = f"{self.site}{images.PUBLIC_DIR}/{prepared.name}"
        return {"src": url, "width": prepared.width, "height": prepared.height}

    def _local_file(self, path: str, owner) -> Path | None:
        if urlsplit(path).scheme or path.startswith("//"):
            return None
        origin = self.origin(owner)
        file = self.settings.docs_dir / self._local(unquote(urlsplit(path).path), origin.page)
        if not file.is_file():
            raise self.error(owner, path, f"image '{path}' not found (looked for {file})")
        return file

    def _local(self, path: str, page: str) -> str:
        """A path inside content/ for `path` written on `page` (MkDocs' rule), falling back
        to reading it from content/'s top, as front matter writes image paths."""
        if path.startswith("/"):
            return posixpath.normpath(path.lstrip("/"))
        if page:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
            if joined in self.pages or (self.settings.docs_dir / joined).exists():
                return joined
        return posixpath.normpath(path)

    def _absolute(self, url: str, owner, what: str) -> str:
        origin = self.origin(owner)
        if url.startswith("//"):
            url = "https:" + url
        parts = urlsplit(url)
        if parts.scheme == "https":
            return url
        if parts.scheme:
            raise self.error(
                owner, url,
                f"{what} '{url}': the email uses only https:// addresses (and mailto: for links)",
            )
        if not parts.path:
            # `#anchor` or `?query` alone: the place on this issue's page.
            return urljoin(self.site + urls.issue_url(self.settings, self.issue.month), url)
        local = self._local(unquote(parts.path), origin.page)
        target = self.pages.get(local)
        if target is None:
            target = urls.page_url(self.settings, local) if local.endswith(".md") else local
        absolute = target if urlsplit(target).scheme else self.site + quote(target)
        extra = urlsplit(absolute)
        return urlunsplit(extra._replace(query=parts.query or extra.query, fragment=parts.fragment))

    # -- the Markdown hook: links and images inside editors' Markdown

    def rewrite(self, owner):
        """The hook for `render`: fixes the links, images and headings of `owner`'s Markdown."""

        def visit(element) -> None:
            tag = element.tag
            if tag == "a" and element.get("href"):
                element.set("href", self.href(element.get("href"), owner))
            elif tag == "img" and element.get("src"):
                # An editor's `{ width=160 }` is the image's size; without it, the column's.
                given = element.get("width", "")
                slot = min(int(given), CONTENT_WIDTH) if given.isdigit() and given != "0" else (
                    CONTENT_WIDTH
                )
                shown = self.image(element.get("src"), owner, slot)
                element.set("src", shown["src"])
                element.set("width", str(shown["width"]))
                if shown["height"]:
                    element.set("height", str(shown["height"]))
                # Only an image as wide as the column grows with it on a phone; a smaller one
                # keeps its size (it still shrinks to fit: max-width).
                element.set("class", "fluid" if shown["width"] >= CONTENT_WIDTH else "fixed")
                element.set("alt", element.get("alt", ""))
            elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                # The email's outline is h1 (issue) > h2 (section): an editor's headings
                # sit below them.
                element.tag = f"h{min(int(tag[1]) + 2, 6)}"

        return visit


def page_urls(settings: Settings, library: Library) -> dict[str, str]:
    """Content source (path inside content/) -> its URL path on the site (or an external
    URL), for every Markdown file an editor may link to."""
    # The site's generated index pages: resources/index.md and the like.
    pages = {page: urls.page_url(settings, page) for page in urls.ARCHIVES}
    for post in library.posts.values():
        pages[settings.docs_uri(post.source)] = urls.post_url(settings, post)
    for catalyzer in library.catalyzers.values():
        pages[urls.catalyzer_source(catalyzer.slug)] = urls.catalyzer_url(settings, catalyzer.slug)
    for issue in library.issues.values():
        pages[urls.issue_source(issue.month)] = urls.issue_url(settings, issue.month)
    for resource in library.resources.values():
        post = library.post_for(resource)
        target = urls.post_url(settings, post) if post else resource.url
        pages[settings.docs_uri(resource.source)] = target
    return pages

