"""The monthly email: one Issue to Mailchimp-ready HTML and its plain-text part.

Owns the Jinja2 environment on `templates/email/` (autoescaped HTML, StrictUndefined,
one macro per section kind), every URL in the email (absolute https, `.md` sources
resolved to their pages, UTM parameters on links into the site), premailer inlining
with the head-only `<style>` kept intact, the text part wrapped at 78 columns, the
copy published on the site with the merge tags made to work, the size budget, and
the cache that lets an unchanged issue skip all of this.

Nothing here prints; errors are `EmailError`s naming the file to fix.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import hashlib
import ipaddress
import json
import logging
import multiprocessing
import os
import posixpath
import re
import tempfile
import textwrap
import threading
import traceback
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

import jinja2
import markupsafe

from . import __version__, images, render, safety
from .config import Settings
from .errors import CatalystError
from .model import KIND_LABELS, Catalyzer, Issue, Library, Post, Problem, Resource
from .modes import follow_umask
from .render import markdown_to_html, markdown_to_text

LANG = "en"
COLUMN = 600  # px: the email's single column
GUTTER = 24  # px: left and right padding of every cell
CONTENT_WIDTH = COLUMN - 2 * GUTTER
TEXT_WIDTH = 78  # columns of the plain-text part
STYLE_MAX_BYTES = 16 * 1024  # Gmail ignores a <style> block larger than this
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# Invisible characters after the preview text, so inboxes do not pull body text into the
# snippet: combining grapheme joiner, zero-width non-joiner, no-break space.
PREHEADER_PADDING = markupsafe.Markup("&#847;&zwnj;&nbsp;" * 100)
MERGE_TAG = re.compile(render.MERGE_TAG)
TEMPLATE_DIR = "email"
CACHE_VERSION = 2  # 2: RenderedEmail.images, prepared images
POOL_MIN_PER_JOB = 4  # emails each worker process should have to render, by default

_URL_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*(["'])(.*?)\1""", re.IGNORECASE)
_URL_ATTRIBUTE_PARTS = re.compile(r"""(\b(?:href|src)\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_LIST_PREFIX = re.compile(r"^(\s*(?:> |[-*] |\d+\. )*)")


class EmailError(CatalystError):
    """An email cannot be built; `path` and `line` say where to look."""

    def __init__(self, path: str, message: str, line: int = 1):
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


@dataclasses.dataclass(frozen=True)
class RenderedEmail:
    """One issue's finished email: the HTML (with Mailchimp merge tags) and the text part."""

    month: str
    html: str
    text: str
    subject: str
    preview_text: str
    # (image as written, prepared file name, bytes) of each local image: see catalyst.images.
    images: tuple = ()


# ---------------------------------------------------------------------------- URLs


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where a piece of Markdown was written: `source` for messages, `page` (a path inside
    content/, as MkDocs sees it) for resolving relative links the way the site does."""

    source: str
    page: str


class Links:
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
            return Origin(owner.source, f"issues/{owner.month}.md")
        if isinstance(owner, Catalyzer):
            return Origin(owner.source, f"catalyzers/{owner.slug}.md")
        if isinstance(owner, (Resource, Post)):
            return Origin(owner.source, self.settings.docs_uri(owner.source))
        raise TypeError(f"no origin for {owner!r}")

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
        return self.tag(self.site + item.url)

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
        if suffix not in IMAGE_SUFFIXES:
            raise EmailError(
                self.origin(owner).source,
                f"image '{path}' must be PNG or JPG (email clients need them)",
            )
        return url

    def image(self, path: str, owner, slot: int = CONTENT_WIDTH) -> dict:
        """An image's `src`, `width` and `height` (None: unknown) for a slot `slot` px wide.
        A local image is prepared for the email by catalyst.images (resized, compressed)."""
        src = self.src(path, owner)  # refuses what is not PNG or JPEG, for every image
        file = self._local_file(path, owner)
        if file is None:
            return {"src": src, "width": slot, "height": None}  # remote: it fills the slot
        self.files[str(file)] = hashlib.sha256(file.read_bytes()).hexdigest()
        try:
            prepared = images.prepare(self.settings, file, slot)
        except images.ImageError as error:
            raise EmailError(self.origin(owner).source, f"image: {error}") from None
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
            raise EmailError(origin.source, f"image '{path}' not found (looked for {file})")
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
            raise EmailError(
                origin.source,
                f"{what} '{url}': the email uses only https:// addresses (and mailto: for links)",
            )
        if not parts.path:
            # `#anchor` or `?query` alone: the place on this issue's page.
            return urljoin(self.site + self.issue.url, url)
        local = self._local(unquote(parts.path), origin.page)
        target = self.pages.get(local)
        if target is None:
            target = _page_path(local, self.settings) if local.endswith(".md") else local
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
                shown = self.image(element.get("src"), owner)
                element.set("src", shown["src"])
                element.set("width", str(shown["width"]))
                if shown["height"]:
                    element.set("height", str(shown["height"]))
                element.set("class", "fluid")
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
    pages = {f"{name}/index.md": f"{name}/" for name in ("resources", "catalyzers", "issues")}
    for post in library.posts.values():
        pages[settings.docs_uri(post.source)] = post.url
    for catalyzer in library.catalyzers.values():
        pages[f"catalyzers/{catalyzer.slug}.md"] = catalyzer.url
    for issue in library.issues.values():
        pages[f"issues/{issue.month}.md"] = issue.url
    for resource in library.resources.values():
        post = library.post_for(resource)
        pages[settings.docs_uri(resource.source)] = post.url if post else resource.url
    return pages


def _page_path(source: str, settings: Settings) -> str:
    """MkDocs' URL for any other Markdown page in content/."""
    stem = source[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return f"{stem}/" if settings.use_directory_urls else f"{stem}.html"


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


# ---------------------------------------------------------------------------- rendering


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
    )
    return env


def _context(settings: Settings, library: Library, issue: Issue, links: Links) -> dict:
    def md(text: str, owner) -> markupsafe.Markup:
        return markupsafe.Markup(markdown_to_html(text, rewrite=links.rewrite(owner)))

    def md_text(text: str, owner) -> str:
        return markdown_to_text(text, rewrite=links.rewrite(owner))

    def resource_href(resource: Resource) -> str:
        post = library.post_for(resource)
        return links.page(post) if post else links.href(resource.url, resource)

    return {
        "issue": issue,
        "settings": settings,
        "library": library,
        "month_label": f"{issue.month_name} {issue.month[:4]}",
        "view_url": links.page(issue),
        "site_home": links.tag(settings.site_url),
        "head_css": markupsafe.Markup(_read_template(settings, "head.css")),
        "preheader_padding": PREHEADER_PADDING,
        "md": md,
        "md_text": md_text,
        "href": links.href,
        "src": links.src,
        "shown": links.image,
        "page": links.page,
        "resource_href": resource_href,
        "catalyzer_for": lambda section: library.catalyzer_for(issue, section),
    }


def _read_template(settings: Settings, name: str) -> str:
    path = settings.templates_dir / TEMPLATE_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EmailError(_shown(settings, path), "template file missing") from None


def _render_template(settings: Settings, name: str, context: dict, issue: Issue) -> str:
    env = _environment(settings.templates_dir)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        path = _shown(settings, Path(error.filename or name))
        raise EmailError(path, error.message or str(error), error.lineno) from None
    except jinja2.TemplateError as error:
        # StrictUndefined: name the template line that asked for the missing value.
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.endswith(".j2"):
                path = _shown(settings, Path(frame.filename))
                raise EmailError(
                    path, f"{error} (rendering {issue.source})", frame.lineno or 1
                ) from None
        raise EmailError(issue.source, f"{name}: {error}") from None


def _shown(settings: Settings, path: Path) -> str:
    try:
        return path.resolve().relative_to(settings.root).as_posix()
    except ValueError:
        return path.as_posix()


def _inline_css(html: str, css: str) -> str:
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


def _check_urls(html: str, issue: Issue, settings: Settings) -> None:
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


def _check_style(html: str, settings: Settings) -> None:
    styles = _STYLE.findall(html)
    size = sum(len(s.encode("utf-8")) for s in styles)
    if len(styles) != 1 or size > STYLE_MAX_BYTES:
        path = _shown(settings, settings.templates_dir / TEMPLATE_DIR / "head.css")
        raise EmailError(
            path,
            f"the email must keep exactly one <style> of at most {STYLE_MAX_BYTES} bytes "
            f"(found {len(styles)}, {size} bytes): move inlinable rules to email.css",
        )


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap every line at `width`, continuing list items and quotes under themselves.
    A word longer than the line (a URL) stays whole: breaking it would break the link."""
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        prefix = _LIST_PREFIX.match(line).group(1)
        hang = re.sub(r"[^>\s]", " ", prefix)
        lines.extend(
            textwrap.wrap(
                line[len(prefix) :],
                width,
                initial_indent=prefix,
                subsequent_indent=hang,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def _tidy_text(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return wrap_text(text) + "\n"


def _render(settings: Settings, library: Library, month: str) -> tuple[RenderedEmail, dict]:
    """Build one email from scratch; also return the local files it read (for the cache)."""
    issue = _issue(settings, library, month)
    links = Links(settings, library, issue)
    context = _context(settings, library, issue, links)
    html = _render_template(settings, "issue.html.j2", context, issue)
    html = _inline_css(html, _read_template(settings, "email.css"))
    _check_urls(html, issue, settings)
    _check_style(html, settings)
    text = _tidy_text(_render_template(settings, "issue.txt.j2", context, issue))
    email = RenderedEmail(
        month=issue.month,
        html=html,
        text=text,
        subject=issue.subject,
        preview_text=issue.preview_text,
        images=tuple(links.images),
    )
    return email, links.files


def _issue(settings: Settings, library: Library, month: str) -> Issue:
    issue = library.issues.get(month)
    if issue is None:
        known = ", ".join(sorted(library.issues)) or "none"
        path = _shown(settings, settings.issues_dir / f"{month}.md")
        raise EmailError(path, f"no issue {month} (issues: {known})")
    return issue


# ---------------------------------------------------------------------------- the cache


@functools.cache  # the code a process runs does not change under it
def _toolchain() -> dict:
    """What else shapes the output: our code and the libraries that render it."""
    code = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        code.update(module.name.encode() + b"\0" + module.read_bytes())
    versions = {
        name: metadata.version(name)
        for name in (
            "premailer", "cssutils", "lxml", "jinja2", "markdown", "pymdown-extensions", "nh3",
            "pillow",
        )
    }
    return {"catalyst": __version__, "code": code.hexdigest(), "libraries": versions}


def shared_inputs(settings: Settings, library: Library) -> str:
    """A digest of what every issue's email is made from: code, settings, page URLs and
    templates. Computed once per build, so keys cost O(issue), not O(library), each."""
    folder = settings.templates_dir / TEMPLATE_DIR
    templates = {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    inputs = {
        "format": CACHE_VERSION,
        "toolchain": _toolchain(),
        "settings": {f.name: str(getattr(settings, f.name)) for f in dataclasses.fields(settings)},
        "pages": page_urls(settings, library),
        "templates": templates,
    }
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cache_key(
    settings: Settings, library: Library, month: str, shared: str | None = None
) -> str:
    """A digest of everything an issue's email is made from (images are checked apart).
    `shared` is `shared_inputs(settings, library)`, when the caller has it already."""
    issue = _issue(settings, library, month)
    resources: dict = {}
    catalyzers: dict = {}
    for section in issue.sections:
        for slug in getattr(section, "items", []) if section.kind == "resources" else []:
            resource = library.resources.get(slug)
            if resource is not None:
                post = library.post_for(resource)
                resources[slug] = [
                    resource.model_dump(mode="json"),
                    post.model_dump(mode="json") if post else None,
                ]
        if section.kind == "catalyzer":
            person = library.catalyzer_for(issue, section)
            if person is not None:
                catalyzers[person.slug] = person.model_dump(mode="json")
    inputs = {
        "shared": shared or shared_inputs(settings, library),
        "issue": issue.model_dump(mode="json"),
        "resources": resources,
        "catalyzers": catalyzers,
    }
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cache_dir(settings: Settings) -> Path:
    return settings.build_dir / "cache" / "email"


def _cached(settings: Settings, month: str, key: str) -> RenderedEmail | None:
    path = cache_dir(settings) / f"{month}.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if entry.get("key") != key:
        return None
    for name, digest in entry.get("files", {}).items():
        try:
            if hashlib.sha256(Path(name).read_bytes()).hexdigest() != digest:
                return None
        except OSError:
            return None
    try:
        return RenderedEmail(**entry["email"])
    except (KeyError, TypeError):
        return None


def _store(settings: Settings, key: str, email: RenderedEmail, files: dict) -> None:
    entry = {"key": key, "files": files, "email": dataclasses.asdict(email)}
    write_atomic(cache_dir(settings) / f"{email.month}.json", json.dumps(entry))


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` beside `path` and rename it into place: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        follow_umask(handle)  # mkstemp's 0600 would hide the site from a web server
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- public API


def build(settings: Settings, library: Library, month: str, *, cache: bool = True) -> RenderedEmail:
    """The email of issue `month` (YYYY-MM), from the cache when none of its inputs changed.

    An email over `email_max_kb` is an EmailError (see `within_budget`): no command writes,
    uploads or publishes it.
    """
    if not cache:
        return within_budget(settings, library, _render(settings, library, month)[0])
    key = cache_key(settings, library, month)
    email = _cached(settings, month, key)
    if email is None:
        email, files = _render(settings, library, month)
        _store(settings, key, email, files)
    return within_budget(settings, library, email)


def build_all(
    settings: Settings, library: Library, months: list[str], jobs: int | None = None
) -> dict[str, RenderedEmail]:
    """Many issues' emails, month -> email; cache misses are rendered on `jobs` worker
    processes (default: every core; 0: in this process). The first error is raised."""
    results = _build_many(settings, library, months, jobs)
    for outcome in results.values():
        if isinstance(outcome, EmailError):
            raise outcome
    for email in results.values():
        within_budget(settings, library, email)
    return results


def _build_many(
    settings: Settings, library: Library, months: list[str], jobs: int | None
) -> dict[str, RenderedEmail | EmailError]:
    results: dict[str, RenderedEmail | EmailError] = {}
    keys: dict[str, str] = {}
    shared = shared_inputs(settings, library)
    for month in months:
        try:
            keys[month] = cache_key(settings, library, month, shared)
        except EmailError as error:
            results[month] = error
            continue
        email = _cached(settings, month, keys[month])
        if email is not None:
            results[month] = email
    misses = [m for m in months if m not in results]
    if jobs is None:
        # A worker only pays off with a few emails to render (one takes ~25 ms warm).
        jobs = min(os.cpu_count() or 1, len(misses) // POOL_MIN_PER_JOB)
        jobs = jobs if jobs > 1 else 0
    jobs = min(jobs, len(misses))
    if jobs == 0 or len(misses) <= 1:
        rendered = map(_try_render, [(settings, library, m) for m in misses])
        outcomes = dict(zip(misses, rendered, strict=True))
    else:
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=_pool_context(),
            initializer=_worker_init,
            initargs=(settings, library),
        ) as pool:
            chunk = max(1, len(misses) // (jobs * 4))
            rendered = pool.map(_worker_render, misses, chunksize=chunk)
            outcomes = dict(zip(misses, rendered, strict=True))
    for month, outcome in outcomes.items():
        if isinstance(outcome, EmailError):
            results[month] = outcome
            continue
        email, files = outcome
        _store(settings, keys[month], email, files)
        results[month] = email
    return {month: results[month] for month in months}


def _pool_context():
    """fork when this process runs no other thread: workers start at once with every module
    imported, and the main module is not run again. Beside threads (`mkdocs serve`) fork is
    unsafe, so forkserver (whose workers import the main module: it must be guarded)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _try_render(args) -> tuple[RenderedEmail, dict] | EmailError:
    try:
        return _render(*args)
    except EmailError as error:
        return error


_WORKER: dict = {}


def _worker_init(settings: Settings, library: Library) -> None:
    _WORKER.update(settings=settings, library=library)


def _worker_render(month: str) -> tuple[RenderedEmail, dict] | EmailError:
    return _try_render((_WORKER["settings"], _WORKER["library"], month))


def write(rendered: RenderedEmail, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write `YYYY-MM.html` and `YYYY-MM.txt` into `out_dir`, each atomically."""
    out = Path(out_dir)
    html_path = out / f"{rendered.month}.html"
    text_path = out / f"{rendered.month}.txt"
    write_atomic(html_path, rendered.html)
    write_atomic(text_path, rendered.text)
    return html_path, text_path


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
    html = _relative_to_copy(html, settings, site_copy_path(rendered.month))
    # The issue's page is the one to index; this copy is for looking at the email.
    return html.replace(
        '<meta charset="utf-8">',
        '<meta charset="utf-8">\n<meta name="robots" content="noindex">',
        1,
    )


def site_copy_path(month: str) -> str:
    """Where the site keeps an issue's web copy, from the site's top (pages.issue_email)."""
    return f"issues/{month}/email.html"


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
    path = Path(site_dir) / site_copy_path(rendered.month)
    write_atomic(path, site_copy(rendered, settings))
    return path


def size_kb(rendered: RenderedEmail) -> float:
    return len(rendered.html.encode("utf-8")) / 1024


def budget(settings: Settings, library: Library, email: RenderedEmail) -> Problem | None:
    """The size rule, in one place: an error above `email_max_kb`, a warning above
    `email_warn_kb` (Gmail clips messages over 102 KB), at the issue's file; else None."""
    size = size_kb(email)
    if size <= settings.email_warn_kb and size <= settings.email_max_kb:
        return None
    issue = library.issues.get(email.month)
    source = issue.source if issue is not None and issue.source else (
        _shown(settings, settings.issues_dir / f"{email.month}.md"))
    advice = (
        f"email is {size:.1f} KB; Gmail clips messages over 102 KB, so keep it under "
        f"{settings.email_max_kb} KB (shorten the letter or leave a section to the site)"
    )
    level = "error" if size > settings.email_max_kb else "warning"
    return Problem(source, 1, advice, level)


def image_budget(settings: Settings, library: Library, email: RenderedEmail) -> list[Problem]:
    """The prepared images' budgets (catalyst.images), at the issue's file."""
    issue = library.issues.get(email.month)
    source = issue.source if issue is not None and issue.source else (
        _shown(settings, settings.issues_dir / f"{email.month}.md"))
    return images.budget_problems(settings, source, [tuple(i) for i in email.images])


def within_budget(settings: Settings, library: Library, email: RenderedEmail) -> RenderedEmail:
    """`email` if it is within `email_max_kb` and its images within theirs, else an
    EmailError naming the issue's file."""
    problem = budget(settings, library, email)
    if problem is not None and problem.level == "error":
        raise EmailError(problem.path, problem.message, problem.line)
    for problem in image_budget(settings, library, email):
        raise EmailError(problem.path, problem.message, problem.line)
    return email


def budget_problems(settings: Settings, library: Library) -> list[Problem]:
    """Each issue whose email is over budget (see `budget`), or cannot be built at all."""
    problems: list[Problem] = []
    issues = sorted(library.issues.values(), key=lambda i: i.month)
    outcomes = _build_many(settings, library, [i.month for i in issues], None)
    for issue in issues:
        outcome = outcomes[issue.month]
        if isinstance(outcome, EmailError):
            problems.append(Problem(outcome.path, outcome.line, f"email: {outcome.message}"))
            continue
        problem = budget(settings, library, outcome)
        if problem is not None:
            problems.append(problem)
        problems += image_budget(settings, library, outcome)
    return problems


def month_named(settings: Settings, library: Library, name: str) -> str:
    """`YYYY-MM` as given, or `latest`: the library's newest published issue (the newest
    that is not a draft, sent or not, in a preview library: `catalyst email` uses one)."""
    if name != "latest":
        return _issue(settings, library, name).month
    latest = library.latest_issue()
    if latest is None:
        raise EmailError(_shown(settings, settings.issues_dir), "no published issue yet")
    return latest.month
