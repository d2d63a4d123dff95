"""The typed content model: Post, Resource, Catalyzer, Issue and its sections.

Front matter is validated by pydantic; cross-references (slugs, one catalyzer a
month) are settled by `Library.problems()`. No I/O happens here: `content.py`
reads files into these classes, and the site and the email render from them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
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

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _month(value: str) -> str:
    if not _MONTH.match(value):
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

    @property
    def url(self) -> str:
        """The post's URL path on the site (blog plugin: post_url_format "{date}/{slug}")."""
        return f"blog/{self.published:%Y/%m}/{self.key}/"


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

    @property
    def url(self) -> str:
        return f"catalyzers/{self.slug}/"


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

    @property
    def url(self) -> str:
        return f"issues/{self.month}/"



# ---------------------------------------------------------------------------- the library


@dataclass(frozen=True)
class Problem:
    """One thing an editor must fix (or, for a warning, should look at)."""

    path: str
    line: int
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message}"


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

    def line_of(self, source: str, loc: tuple) -> int:
        return locate(self.lines.get(source, {}), loc)

    # -- views used by the site and the email; drafts are never shown to readers

    def published_posts(self) -> list[Post]:
        return sorted(
            (p for p in self.posts.values() if not p.draft),
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

        items = [r for r in self.resources.values() if not r.draft]
        return sorted(items, key=lambda r: (when(r), r.slug), reverse=True)

    def published_catalyzers(self) -> list[Catalyzer]:
        items = [c for c in self.catalyzers.values() if not c.draft]
        return sorted(items, key=lambda c: (c.month, c.slug), reverse=True)

    def published_issues(self) -> list[Issue]:
        items = [i for i in self.issues.values() if not i.draft]
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
