"""The typed content model: Post, Resource, Catalyzer, Issue and its sections.

Front matter is validated by pydantic; cross-references (slugs, one catalyzer a
month) are settled by `Library.problems()`. No I/O happens here (but for reading the
clock, `build_now`): `content.py` reads files into these classes, and the site and the
email render from them.

The publishing rule lives here too, once: `live_at` says when each piece of content goes
live for readers, and the Library's `published_*` views show what is live at its `now`
(or, in a preview, what is upcoming as well). The site, the feeds, the home page and the
push all ask it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from catalyst import urls
from catalyst.errors import ClockError, Problem

RESOURCE_KINDS = (
    "blog-post",
    "video",
    "podcast",
    "article",
    "report",
    "book",
    "tool",
    "event",
    "webinar",
)
ResourceKind = Literal[RESOURCE_KINDS]  # the tuple's values, one list to maintain

# The label each kind carries in the email and on the cards, as the real Catalyst prints it.
KIND_LABELS = {kind: kind.replace("-", " ").upper() for kind in RESOURCE_KINDS}

# The longest slug `catalyst new` makes from a title (cut at a word boundary); a post's
# slug may reach SLUG_LIMIT, well under the file systems' 255 bytes for its folder.
SLUG_MAX = 80
SLUG_LIMIT = 120

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _month(value: str) -> str:
    if not urls.MONTH.match(value):
        raise ValueError(f"{value!r} is not a month written YYYY-MM")
    return value


def _url(value: str) -> str:
    if not re.match(r"^(https?://[^\s/]+\S*|mailto:\S+@\S+)$", value):
        raise ValueError(f"{value!r} is not an absolute http(s):// or mailto: URL")
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} is not a slug (lowercase letters, digits and hyphens)")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# Mailchimp refuses a campaign subject longer than this; `catalyst check` warns well before.
SUBJECT_MAX = 150


def _subject(value: str) -> str:
    if len(value) > SUBJECT_MAX:
        raise ValueError(
            f"{len(value)} characters: Mailchimp takes at most {SUBJECT_MAX} "
            "(inboxes show the first 40 to 80)"
        )
    return value


Subject = Annotated[Text, AfterValidator(_subject)]
Month = Annotated[str, AfterValidator(_month)]
Url = Annotated[str, AfterValidator(_url)]
Slug = Annotated[str, AfterValidator(_slug)]
# An image is a path inside content/ (e.g. `assets/images/x.png`) or an absolute URL.
ImagePath = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    """Front matter: unknown keys are errors, so a typo never passes silently.

    `loader_fields` are filled in by the loader (from the file's name, path and body),
    never read from front matter: a file that sets one is told so, not overwritten.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    loader_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_loader_fields(cls, data):
        # The loader reports these per key with their lines; this guards every other caller.
        if isinstance(data, dict):
            given = sorted(cls.loader_fields & data.keys())
            if given:
                raise ValueError(f"{given[0]}: filled in by Catalyst, not front matter")
        return data

    @classmethod
    def front_matter_fields(cls) -> list[str]:
        """The keys a file may write, sorted: what an unknown key's message lists."""
        return sorted(name for name in cls.model_fields if name not in cls.loader_fields)


class Link(Strict):
    title: Text
    url: Url


class _WithImage(Strict):
    """A block with an optional image: the alt text is required with it."""

    image: ImagePath | None = None
    image_alt: str | None = None

    @model_validator(mode="after")
    def _alt_with_image(self):
        if self.image and not (self.image_alt or "").strip():
            raise ValueError("image_alt: an image needs alt text describing what it shows")
        return self


# ---------------------------------------------------------------------------- content


def _nav_links(value):
    """The blog plugin's `links:` (a nav: titles to paths or URLs, nested): every target a
    path inside the site or an http(s) URL, so no `javascript:` reaches the sidebar."""

    def check(item) -> None:
        if isinstance(item, str):
            target = item.split("#", 1)[0]
            if re.match(r"^[a-z][a-z0-9+.-]*:", item, re.IGNORECASE):
                if not re.match(r"^https?://", item, re.IGNORECASE):
                    raise ValueError(f"'{item}' is neither a path nor an http(s) URL")
            elif target.startswith("/") or ".." in target.split("/"):
                raise ValueError(f"'{item}' must be a path inside content/")
        elif isinstance(item, dict):
            for sub in item.values():
                check(sub)
        elif isinstance(item, list):
            for sub in item:
                check(sub)
        else:
            raise ValueError(f"a link is 'Title: path' or a path, not {item!r}")

    check(value)
    return value


_ICON = re.compile(r"^[a-z0-9-]+(?:/[a-z0-9-]+)+$")


def _icon(value: str) -> str:
    if not _ICON.match(value):
        raise ValueError(f"{value!r} is not an icon name like material/star")
    return value


class SearchMeta(Strict):
    """Material's search plugin: `search: {boost: 2}` or `search: {exclude: true}`."""

    boost: float | None = None
    exclude: bool | None = None


# Material's `hide:` values (templates/partials test each one by name).
HideWhat = Literal["navigation", "toc", "footer", "feedback", "path", "tags"]


class PageMeta(_WithImage):
    """A page's front matter: the keys MkDocs and Material read from it.

    MkDocs reads `title` and `template`; Material's templates `description`, `hide`,
    `icon`, `status`, `subtitle` and `tags`, its search plugin `search`, and the site's
    own `main.html` `image`/`image_alt` for the social card. A `template:` is one of a
    known few, so front matter cannot pick, say, the theme's redirect page.
    """

    title: Text | None = None
    description: Text | None = None
    template: Literal["main.html", "blog-post.html"] | None = None
    hide: list[HideWhat] = Field(default_factory=list)
    search: SearchMeta | None = None
    icon: Annotated[str, AfterValidator(_icon)] | None = None
    status: Slug | None = None
    subtitle: Text | None = None
    tags: list[Text] = Field(default_factory=list)


class Page(PageMeta):
    """Any other Markdown page under content/ (the home page, the blog's index, this guide)."""

    loader_fields: ClassVar[frozenset[str]] = frozenset({"source", "body"})
    source: str = ""
    body: str = ""


class Post(PageMeta):
    """A blog post: the Material blog plugin's front matter (its PostConfig: authors,
    categories, date, draft, pin, links, readtime, slug) and a page's."""

    date: dt.date
    authors: list[Text] = Field(min_length=1)
    categories: list[Text] = Field(default_factory=list)
    slug: Slug | None = None
    draft: bool = False
    pin: bool = False
    readtime: Annotated[int, Field(ge=0)] | None = None
    links: Annotated[list[Any], AfterValidator(_nav_links)] | None = None

    # Filled by the loader, not front matter.
    loader_fields: ClassVar[frozenset[str]] = frozenset({"source", "heading", "body"})
    source: str = ""
    heading: str = ""
    body: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _created(cls, value):
        # The blog plugin also takes `date: {created: ..., updated: ...}`.
        if isinstance(value, dict):
            value = value.get("created")
        if isinstance(value, dt.datetime):
            return value.date()
        return value

    @property
    def published(self) -> dt.date:
        return self.date

    @property
    def display_title(self) -> str:
        return self.title or self.heading

    @property
    def key(self) -> str:
        return self.slug or slugify(self.display_title)


class Resource(_WithImage):
    """A resource: something the newsletter points readers to."""

    title: Text
    kind: ResourceKind
    summary: Text
    url: Url | None = None
    post: Slug | None = None
    date: dt.date | None = None
    tags: list[Text] = Field(default_factory=list)
    starts: dt.datetime | None = None
    location: Text | None = None
    quote: Text | None = None
    draft: bool = False

    loader_fields: ClassVar[frozenset[str]] = frozenset({"slug", "source", "body"})
    slug: str = ""
    source: str = ""
    body: str = ""

    @model_validator(mode="after")
    def _one_target(self):
        if bool(self.url) == bool(self.post):
            both = "both" if self.url else "neither"
            raise ValueError(f"url/post: give exactly one of `url` or `post`, not {both}")
        return self

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


class Catalyzer(Strict):
    """A learner-centered catalyzer: one educator profiled in one month."""

    name: Text
    role: Text
    organization: Text | None = None
    location: Text
    month: Month
    photo: ImagePath | None = None
    photo_alt: str | None = None
    links: list[Link] = Field(default_factory=list)
    social: dict[str, Text] = Field(default_factory=dict)
    draft: bool = False

    loader_fields: ClassVar[frozenset[str]] = frozenset({"slug", "source", "body"})
    slug: str = ""
    source: str = ""
    body: str = ""

    @model_validator(mode="after")
    def _alt_with_photo(self):
        if self.photo and not (self.photo_alt or "").strip():
            raise ValueError("photo_alt: a photo needs alt text describing what it shows")
        return self

    @property
    def month_name(self) -> str:
        return month_name(self.month)


# ---------------------------------------------------------------------------- issue sections


class Announcement(_WithImage):
    kind: Literal["announcement"]
    title: Text
    text: Text
    button: Text | None = None
    url: Url | None = None

    @model_validator(mode="after")
    def _button_with_url(self):
        if bool(self.button) != bool(self.url):
            raise ValueError("button/url: a button needs both its `button` text and its `url`")
        return self


class StoryLink(Strict):
    text: Text
    url: Url


class Story(_WithImage):
    kind: Literal["story"]
    title: Text
    caption: Text | None = None
    body: Text
    link: StoryLink | None = None


class ResourcesSection(Strict):
    kind: Literal["resources"]
    heading: Text
    intro: Text | None = None
    items: list[Slug] = Field(min_length=1)


class Highlight(_WithImage):
    title: Text
    quote: Text | None = None
    attribution: Text | None = None


class Highlights(Strict):
    kind: Literal["highlights"]
    heading: Text
    items: list[Highlight] = Field(min_length=1)


class CatalyzerSection(Strict):
    kind: Literal["catalyzer"]
    heading: Text
    intro: Text
    catalyzer: Slug | None = None


Section = Annotated[
    Announcement | Story | ResourcesSection | Highlights | CatalyzerSection,
    Field(discriminator="kind"),
]


class Issue(Strict):
    """One monthly issue: `issues/YYYY-MM.md`. The body is the editor's letter."""

    month: Month
    subject: Subject
    preview_text: Text
    title: Text
    send_at: dt.datetime | None = None
    greeting: Text | None = None
    sign_off: Text | None = None
    signature: Text | None = None
    sections: list[Section] = Field(default_factory=list)
    draft: bool = False

    loader_fields: ClassVar[frozenset[str]] = frozenset({"source", "body"})
    source: str = ""
    body: str = ""

    @model_validator(mode="after")
    def _send_at_has_offset(self):
        if self.send_at is not None and self.send_at.tzinfo is None:
            raise ValueError("send_at: give a time zone offset, e.g. 2023-06-06T09:00:00-04:00")
        return self

    @property
    def month_name(self) -> str:
        return month_name(self.month)



# ---------------------------------------------------------------------------- publishing

# The reproducible-builds convention: a build's "now", in whole seconds since 1970 UTC.
# https://reproducible-builds.org/specs/source-date-epoch/ (MkDocs reads it too).
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
# Always live: content that names no date of its own.
ALWAYS = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)



def build_now(environ: Mapping[str, str] = os.environ) -> dt.datetime:
    """The moment a build publishes at, in UTC: SOURCE_DATE_EPOCH when set, else the clock.

    Decided on this machine alone (no network): what is live is a function of the commit
    and this moment, so two builds of one commit at one moment are identical.
    """
    value = environ.get(SOURCE_DATE_EPOCH)
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        return dt.datetime.fromtimestamp(int(value.strip()), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ClockError(
            f"{SOURCE_DATE_EPOCH}={value!r} is not a time: give whole seconds since "
            "1970-01-01 00:00 UTC (e.g. `date +%s`), or unset it to use the clock"
        ) from None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def month_start(month: str) -> dt.datetime:
    """00:00 UTC on the first day of `month` (YYYY-MM)."""
    return dt.datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=dt.UTC)


def live_at(item, library: Library | None = None) -> dt.datetime:
    """When `item` goes live for readers, in UTC: the one publishing rule.

    - An issue when it is sent: at its `send_at`. Without one, at 00:00 UTC on the first
      day of its month: the month is then the only time it names, and an issue is its
      month's (an issue sent by hand during its month shows at once; next month's waits).
    - A post on its date (00:00 UTC).
    - A catalyzer with the first issue that features it (or, featured by none, at its
      month's start, as an issue without send_at).
    - A resource on its `date`, and never before the post it points to (its card links
      there). A resource without a date is always live. An event's `starts` is when the
      event happens, not when it is announced: it is not a publishing date.

    Drafts are never live whatever this says (`Library.is_live`). Catalyzers and
    resources that point to a post need the `library` they belong to.
    """
    if isinstance(item, Issue):
        return item.send_at.astimezone(dt.UTC) if item.send_at else month_start(item.month)
    if isinstance(item, Post):
        return _day_start(item.published)
    if isinstance(item, Catalyzer):
        if library is None:
            raise TypeError("a catalyzer goes live with its issue: pass the library")
        featured = library.featured_at().get(item.slug)
        return featured if featured is not None else month_start(item.month)
    if isinstance(item, Resource):
        when = _day_start(item.date) if item.date else ALWAYS
        if item.post:
            if library is None:
                raise TypeError("a resource goes live with its post: pass the library")
            post = library.posts.get(item.post)
            if post is not None:
                when = max(when, live_at(post))
        return when
    raise TypeError(f"no publishing rule for {type(item).__name__}")


# ---------------------------------------------------------------------------- the library




@dataclass
class Library:
    """Every loaded piece of content, keyed by slug, plus where each reference sits."""

    posts: dict[str, Post] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    catalyzers: dict[str, Catalyzer] = field(default_factory=dict)
    issues: dict[str, Issue] = field(default_factory=dict)
    # source -> (field path -> line), so reference errors can point at the offending key.
    lines: dict[str, dict[tuple, int]] = field(default_factory=dict)
    # Slugs whose files exist but failed validation: already reported, so references
    # to them are not reported a second time as unknown.
    invalid: set[str] = field(default_factory=set)
    # Publishing: the views below show what is live at `now` (UTC; the loader sets it from
    # `build_now()`); a preview (`mkdocs serve`, `catalyst build --preview`) shows what is
    # upcoming too, which its pages mark. Drafts are never shown.
    now: dt.datetime = field(default_factory=build_now)
    preview: bool = False
    # featured_at's last answer and the issues and catalyzers it was computed from.
    _featured: tuple = field(default=((), (), {}), repr=False, compare=False)

    def line_of(self, source: str, loc: tuple) -> int:
        return locate(self.lines.get(source, {}), loc)

    # -- publishing: the one rule (`live_at`) applied at this library's `now`

    def live_at(self, item) -> dt.datetime:
        return live_at(item, self)

    def is_live(self, item) -> bool:
        """Readers see `item` now: it is no draft and its time has come."""
        return not item.draft and self.live_at(item) <= self.now

    def upcoming(self, item) -> dt.datetime | None:
        """When a non-draft `item` that is not live yet goes live; None if it is live (or a
        draft). The mark a preview puts on what readers cannot see yet."""
        if item.draft:
            return None
        when = self.live_at(item)
        return when if when > self.now else None

    def shown(self, item) -> bool:
        """On the site being built: live, or upcoming in a preview."""
        return self.is_live(item) or (self.preview and not item.draft)

    def featured_at(self) -> dict[str, dt.datetime]:
        """Catalyzer slug -> when the first issue featuring it goes live (drafts aside).
        Asked once per catalyzer: the answer is kept while the issues and catalyzers are
        the same objects (a changed one is a new object: the models are frozen)."""
        issues, catalyzers = tuple(self.issues.values()), tuple(self.catalyzers.values())
        seen_issues, seen_catalyzers, found = self._featured
        if _same(issues, seen_issues) and _same(catalyzers, seen_catalyzers):
            return found
        found = self._featured_now()
        self._featured = (issues, catalyzers, found)
        return found

    def _featured_now(self) -> dict[str, dt.datetime]:
        by_month: dict[str, Catalyzer] = {}
        for catalyzer in self.catalyzers.values():
            by_month.setdefault(catalyzer.month, catalyzer)  # as catalyzer_for picks
        found: dict[str, dt.datetime] = {}
        for issue in self.issues.values():
            if issue.draft:
                continue
            for section in issue.sections:
                if isinstance(section, CatalyzerSection):
                    if section.catalyzer:
                        person = self.catalyzers.get(section.catalyzer)
                    else:
                        person = by_month.get(issue.month)
                    if person is not None:
                        when = live_at(issue)
                        found[person.slug] = min(found.get(person.slug, when), when)
        return found

    # -- views used by the site and the email; drafts are never shown to readers

    def published_posts(self) -> list[Post]:
        return sorted(
            (p for p in self.posts.values() if self.shown(p)),
            key=lambda p: (p.published, p.key),
            reverse=True,
        )

    def published_resources(self) -> list[Resource]:
        def when(r: Resource):
            if r.date:
                return r.date
            if r.starts:
                return r.starts.date()
            if r.post and r.post in self.posts:
                return self.posts[r.post].published
            return dt.date.min

        items = [r for r in self.resources.values() if self.shown(r)]
        return sorted(items, key=lambda r: (when(r), r.slug), reverse=True)

    def published_catalyzers(self) -> list[Catalyzer]:
        items = [c for c in self.catalyzers.values() if self.shown(c)]
        return sorted(items, key=lambda c: (c.month, c.slug), reverse=True)

    def published_issues(self) -> list[Issue]:
        items = [i for i in self.issues.values() if self.shown(i)]
        return sorted(items, key=lambda i: i.month, reverse=True)

    def latest_issue(self) -> Issue | None:
        issues = self.published_issues()
        return issues[0] if issues else None

    def catalyzer_for(self, issue: Issue, section: CatalyzerSection) -> Catalyzer | None:
        if section.catalyzer:
            return self.catalyzers.get(section.catalyzer)
        return next((c for c in self.catalyzers.values() if c.month == issue.month), None)

    def post_for(self, resource: Resource) -> Post | None:
        return self.posts.get(resource.post) if resource.post else None

    def _post_later(self, resource: Resource, issue: Issue) -> bool:
        """The resource's post goes live after the issue that features it, and after now:
        the issue's card (and email) would lead to a page that is not there yet. (Both
        in the past, nothing is broken any more.)"""
        post = self.post_for(resource)
        if post is None or post.draft:
            return False
        return live_at(post) > max(live_at(issue), self.now)

    # -- cross-reference rules

    def problems(self) -> list[Problem]:
        found: list[Problem] = []

        def add(source: str, loc: tuple, message: str) -> None:
            found.append(Problem(source, self.line_of(source, loc), message))

        for resource in self.resources.values():
            if resource.post:
                post = self.posts.get(resource.post)
                if post is None and resource.post in self.invalid:
                    pass
                elif post is None:
                    message = "post: " + _unknown("post", resource.post, self.posts)
                    add(resource.source, ("post",), message)
                elif post.draft and not resource.draft:
                    add(resource.source, ("post",), f"post: '{resource.post}' is a draft")

        by_month: dict[str, list[Catalyzer]] = {}
        for catalyzer in self.catalyzers.values():
            by_month.setdefault(catalyzer.month, []).append(catalyzer)
        for month, sharing in by_month.items():
            for catalyzer in sharing if len(sharing) > 1 else []:
                others = ", ".join(sorted(o.source for o in sharing if o is not catalyzer))
                message = f"month: {month} has more than one catalyzer (also {others})"
                add(catalyzer.source, ("month",), message)

        for issue in self.issues.values():
            for index, section in enumerate(issue.sections):
                where = ("sections", index)
                name = f"sections[{index}]"
                if isinstance(section, ResourcesSection):
                    for n, slug in enumerate(section.items):
                        resource = self.resources.get(slug)
                        at = (*where, "items", n)
                        if resource is None and slug in self.invalid:
                            continue
                        if resource is None:
                            add(
                                issue.source,
                                at,
                                f"{name}.items[{n}]: "
                                + _unknown("resource", slug, self.resources),
                            )
                        elif resource.draft and not issue.draft:
                            add(issue.source, at, f"{name}.items[{n}]: '{slug}' is a draft")
                        elif not issue.draft and self._post_later(resource, issue):
                            post = self.posts[resource.post]
                            add(
                                issue.source,
                                at,
                                f"{name}.items[{n}]: '{slug}' leads to the post "
                                f"'{post.key}', which goes live on {format_when(live_at(post))}, "
                                f"after this issue ({format_when(live_at(issue))}): readers would "
                                "find no page there",
                            )
                elif isinstance(section, CatalyzerSection):
                    if section.catalyzer:
                        catalyzer = self.catalyzers.get(section.catalyzer)
                        at = (*where, "catalyzer")
                        if catalyzer is None and section.catalyzer in self.invalid:
                            continue
                        if catalyzer is None:
                            add(
                                issue.source,
                                at,
                                f"{name}.catalyzer: "
                                + _unknown("catalyzer", section.catalyzer, self.catalyzers),
                            )
                        elif catalyzer.draft and not issue.draft:
                            message = f"{name}.catalyzer: '{section.catalyzer}' is a draft"
                            add(issue.source, at, message)
                    else:
                        catalyzer = self.catalyzer_for(issue, section)
                        if catalyzer is None:
                            add(
                                issue.source,
                                where,
                                f"{name}: no catalyzer has month {issue.month}; "
                                "add one or name it with `catalyzer:`",
                            )
                        elif catalyzer.draft and not issue.draft:
                            add(issue.source, where, f"{name}: '{catalyzer.slug}' is a draft")
        return found


def _same(these: tuple, those: tuple) -> bool:
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


def format_when(moment: dt.datetime) -> str:
    """A go-live time as editors read it: `2023-06-06 13:00 UTC`."""
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def _unknown(kind: str, slug: str, known: dict) -> str:
    message = f"no {kind} '{slug}'"
    close = difflib.get_close_matches(slug, list(known), n=1, cutoff=0.5)
    if not close:
        close = [k for k in known if k.startswith(slug) or slug.startswith(k)][:1]
    if close:
        message += f" (did you mean '{close[0]}'?)"
    return message


def locate(lines: dict[tuple, int], loc: tuple) -> int:
    """The line of the deepest key of `loc` that a file's index has (a missing key: its
    parent's; nothing at all: the file's first line)."""
    loc = tuple(loc)
    while loc:
        line = lines.get(loc)
        if line is not None:
            return line
        loc = loc[:-1]
    return lines.get((), 1)


def month_name(month: str) -> str:
    return dt.date(int(month[:4]), int(month[5:7]), 1).strftime("%B")


def slugify(text: str) -> str:
    """The blog plugin's default slug for a title (pymdownx.slugs, lowercase, '-')."""
    from pymdownx.slugs import slugify as make

    return make(case="lower")(text, "-")
