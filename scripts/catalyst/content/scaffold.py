"""New content files with valid front matter: `catalyst new post|resource|catalyzer|issue`.

What the editor gave becomes real values; what they did not is a marked placeholder
(`TODO: ...`) in a file marked `draft: true`, so the file passes `catalyst check` at once
(drafts are never shown to readers or subscribers) and the check lists what is left to fill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from catalyst import urls
from catalyst.content import safeyaml
from catalyst.content.fields import zone_name
from catalyst.content.library import Library
from catalyst.content.publishing import build_now
from catalyst.content.schema import RESOURCE_KINDS, SLUG_MAX, slugify
from catalyst.errors import ScaffoldError
from catalyst.files import write_atomic
from catalyst.settings import Settings

PLACEHOLDER = "TODO:"
KINDS = ("post", "resource", "catalyzer", "issue")
# A folder's index.md is its page, not an item of it: the loader and MkDocs skip it as one.
RESERVED_SLUGS = frozenset({"index"})

# What each kind asks an editor for, in order; the first is what names the file.
FIELDS = {
    "post": ("title", "description", "author", "category"),
    "resource": ("title", "kind", "summary", "url"),
    # What `--kind event` (or webinar) asks for besides.
    "event": ("starts", "ends", "timezone", "location", "registration"),
    "catalyzer": ("name", "role", "location", "month"),
    "issue": ("month", "title", "subject", "preview_text"),
}



@dataclass(frozen=True)
class NewFile:
    path: Path
    text: str
    draft: bool


def todo(what: str) -> str:
    return f"{PLACEHOLDER} {what}"


def _after(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year:04d}-{number:02d}"


def next_month(library: Library, today: dt.date | None = None) -> str:
    """The month a new issue is for: the one after the latest issue that is not a draft, or
    this month when that one is past (or there is none); a month with a file already (a draft
    started earlier) is skipped."""
    today = today or build_now().date()
    current = f"{today:%Y-%m}"
    published = sorted(m for m, issue in library.issues.items() if not issue.draft)
    month = _after(published[-1]) if published else current
    month = max(month, current)
    while month in library.issues:
        month = _after(month)
    return month


def _front_matter(meta: dict, body: str, notes: dict[str, str] | None = None) -> str:
    """The file's text; `notes` are comments put after a top-level key's line."""
    text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=96)
    lines = text.splitlines()
    for key, note in (notes or {}).items():
        lines = [f"{line}  # {note}" if line.startswith(f"{key}:") else line for line in lines]
    text = "\n".join(lines) + "\n"
    return f"---\n{text}---\n\n{body.strip()}\n"


def plan(kind: str, values: dict, library: Library, settings: Settings) -> NewFile:
    """The file `catalyst new KIND` would write, from the values the editor gave."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    for key, value in values.items():
        if isinstance(value, str) and any(ord(c) < 32 or ord(c) == 127 for c in value):
            option = f"--{key.replace('_', '-')}"
            raise ScaffoldError(f"{option} must be one line of text, without control characters")
    if values.get("month") and not urls.MONTH.match(values["month"]):
        raise ScaffoldError(f"--month {values['month']!r} is not a month written YYYY-MM")
    if values.get("timezone"):
        try:
            zone_name(values["timezone"])
        except ValueError as error:
            raise ScaffoldError(f"--timezone: {error}") from None
    if kind == "post":
        new = _post(values, settings)
    elif kind == "resource":
        new = _resource(values, settings)
    elif kind == "catalyzer":
        new = _catalyzer(values, library, settings)
    elif kind == "issue":
        new = _issue(values, library, settings)
    else:
        raise ScaffoldError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    # Whatever the values, the file lands in its own folder of the repository.
    home = settings.issues_dir if kind == "issue" else settings.docs_dir
    if not new.path.resolve().is_relative_to(home.resolve()):
        raise ScaffoldError(f"{new.path} is outside {home}: not writing it")
    return new


def bounded_slug(text: str, limit: int = SLUG_MAX) -> str:
    """The slug of `text`, cut at a word boundary to at most `limit` characters."""
    slug = slugify(text)
    if len(slug) <= limit:
        return slug
    head = slug[: limit + 1]  # one more: a hyphen there means a word ends at the limit
    cut = head.rsplit("-", 1)[0] if "-" in head else ""
    return (cut or slug[:limit]).strip("-")


def _named(values: dict, key: str, kind: str) -> tuple[str, str]:
    title = values.get(key)
    if not title:
        raise ScaffoldError(f"a new {kind} needs its {key} (--{key.replace('_', '-')})")
    slug = bounded_slug(title)
    if not slug:
        raise ScaffoldError(f"--{key} {title!r} gives an empty slug; use letters or digits")
    if slug in RESERVED_SLUGS:
        raise ScaffoldError(
            f"--{key} {title!r} would make {slug}.md, the folder's own page, not a {kind}: "
            "choose another"
        )
    return title, slug


def _post(values: dict, settings: Settings) -> NewFile:
    title, slug = _named(values, "title", "post")
    allowed = settings.blog_categories
    if values.get("category") and allowed and values["category"] not in allowed:
        raise ScaffoldError(
            f"--category {values['category']!r} is not one of the blog's categories_allowed "
            f"(mkdocs.yml): {', '.join(allowed)}"
        )
    today = values.get("date") or build_now().date()
    meta = {
        "date": today,
        "authors": [values.get("author") or _first_author(settings)],
        "categories": [values["category"]] if values.get("category") else [],
        "slug": slug,
        "description": values.get("description") or todo("one or two sentences for cards"),
        "draft": True,
    }
    body = f"# {title}\n\n{todo('the opening paragraph')}\n\n<!-- more -->\n\n{todo('the rest')}"
    path = settings.docs_dir / urls.POSTS_DIR / f"{slug}.md"
    # A new post is a draft until an editor takes `draft: true` out: its body is still to write.
    return NewFile(path, _front_matter(meta, body), True)


def _first_author(settings: Settings) -> str:
    path = settings.docs_dir / "blog" / ".authors.yml"
    if path.is_file():
        try:
            data = safeyaml.parse(path.read_text(encoding="utf-8")).value or {}
        except (safeyaml.YamlProblems, yaml.YAMLError, UnicodeDecodeError):
            data = {}  # `catalyst check` says what is wrong with it
        authors = data.get("authors") if isinstance(data, dict) else None
        if isinstance(authors, dict) and authors:
            return str(next(iter(authors)))
    raise ScaffoldError("no author in content/blog/.authors.yml: add one, or pass --author")


def _resource(values: dict, settings: Settings) -> NewFile:
    title, slug = _named(values, "title", "resource")
    kind = values.get("kind") or "article"
    if kind not in RESOURCE_KINDS:
        raise ScaffoldError(f"--kind {kind!r} is not one of {', '.join(RESOURCE_KINDS)}")
    meta: dict = {"title": title, "kind": kind}
    draft = False
    if values.get("summary"):
        meta["summary"] = values["summary"]
    else:
        meta["summary"] = todo("what it is and why it is worth a reader's time")
        draft = True
    if values.get("post"):
        meta["post"] = values["post"]
    elif values.get("url"):
        meta["url"] = values["url"]
    else:
        meta["url"] = "https://example.org/TODO"
        draft = True
    meta["date"] = values.get("date") or build_now().date()
    notes: dict[str, str] = {}
    if kind in EVENT_KINDS:
        draft = _event(values, meta, notes) or draft
    if draft:
        meta["draft"] = True
    path = settings.docs_dir / urls.RESOURCES_DIR / f"{slug}.md"
    return NewFile(path, _front_matter(meta, "", notes), draft)


EVENT_KINDS = ("event", "webinar")


def _event(values: dict, meta: dict, notes: dict) -> bool:
    """An event's fields, given or scaffolded; True when something is left to fill in.
    A time that is not given is a placeholder time (with a `TODO:` note on its line), so
    the file still passes the check."""
    left = False
    day = meta["date"]
    for key, hour in (("starts", 9), ("ends", 10)):
        given = values.get(key)
        if given:
            meta[key] = given
        else:
            meta[key] = dt.datetime(day.year, day.month, day.day, hour)
            notes[key] = todo(f"when it {key[:-1]}s (local time)")
            left = True
    if values.get("timezone"):
        meta["timezone"] = values["timezone"]
    elif all(getattr(meta[k], "tzinfo", None) is None for k in ("starts", "ends")):
        meta["timezone"] = "UTC"
        notes["timezone"] = todo("its zone, e.g. America/Los_Angeles")
        left = True
    meta["location"] = values.get("location") or todo("the place, or write online: true instead")
    left = left or not values.get("location")
    meta["registration"] = values.get("registration") or "https://example.org/TODO-register"
    left = left or not values.get("registration")
    return left


def _catalyzer(values: dict, library: Library, settings: Settings) -> NewFile:
    name, slug = _named(values, "name", "catalyzer")
    taken = {c.month for c in library.catalyzers.values()}
    month = values.get("month") or next_month(library)
    if month in taken:
        raise ScaffoldError(f"{month} already has a catalyzer: pass another --month")
    meta = {
        "name": name,
        "role": values.get("role") or todo("their role"),
        "organization": values.get("organization") or todo("their school or organization"),
        "location": values.get("location") or todo("City, ST"),
        "month": month,
        "links": [],
        "draft": True,
    }
    body = todo(f"the profile: what {name} does for learners, and a thank-you")
    path = settings.docs_dir / urls.CATALYZERS_DIR / f"{slug}.md"
    return NewFile(path, _front_matter(meta, body), True)


def _issue(values: dict, library: Library, settings: Settings) -> NewFile:
    month = values.get("month") or next_month(library)
    if month in library.issues:
        raise ScaffoldError(f"issues/{month}.md already exists")
    latest = library.latest_issue()
    meta: dict = {
        "month": month,
        "title": values.get("title") or todo("the month's theme"),
        "subject": values.get("subject") or todo("the subject line"),
        "preview_text": values.get("preview_text") or todo("the line inboxes show"),
    }
    if latest is not None:
        for key in ("greeting", "sign_off", "signature"):
            if getattr(latest, key):
                meta[key] = getattr(latest, key)
    sections: list[dict] = []
    catalyzer = next((c for c in library.catalyzers.values() if c.month == month), None)
    standing = None
    if latest is not None:
        standing = next((s for s in latest.sections if s.kind == "catalyzer"), None)
    if catalyzer is not None and not catalyzer.draft:
        sections.append(
            {
                "kind": "catalyzer",
                "heading": standing.heading if standing else "Learner-Centered Catalyzer",
                "intro": standing.intro if standing else todo("the standing paragraph"),
                "catalyzer": catalyzer.slug,
            }
        )
    meta["sections"] = sections
    meta["draft"] = True
    body = todo("the editor's letter")
    path = settings.issues_dir / f"{month}.md"
    return NewFile(path, _front_matter(meta, body), True)


def write(new: NewFile) -> Path:
    """Write the file, refusing to overwrite one that exists; atomic either way."""
    try:
        # Exclusive: a file that appears meanwhile is never replaced.
        return write_atomic(new.path, new.text, exclusive=True)
    except FileExistsError:
        raise ScaffoldError(f"{new.path} already exists: not overwriting it") from None
