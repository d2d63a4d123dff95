"""What editors write: the front matter of posts, pages, resources, catalyzers and issues,
as pydantic models that refuse unknown keys and the fields only the loader fills. The value
types are in `fields`, an issue's section kinds in `sections`. No I/O happens here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from catalyst.content.fields import (
    ImagePath,
    Keyed,
    Loaded,
    Markdown,
    Month,
    Slug,
    Strict,
    Text,
    TimeZone,
    Url,
    WithImage,
    markdown_fields,
)
from catalyst.content.sections import (  # noqa: F401  (the models' one import place)
    Announcement,
    CatalyzerSection,
    Highlight,
    Highlights,
    Job,
    ResourcesSection,
    Section,
    Story,
    StoryLink,
    Survey,
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
    "recording",
)


ResourceKind = Literal[RESOURCE_KINDS]  # the tuple's values, one list to maintain


# The label each kind carries in the email and on the cards, as the real Catalyst prints it.
KIND_LABELS = {kind: kind.replace("-", " ").upper() for kind in RESOURCE_KINDS}
KIND_LABELS["recording"] = "WEBINAR RECORDING"


# The longest slug `catalyst new` makes from a title (cut at a word boundary); a post's
# slug may reach SLUG_LIMIT, well under the file systems' 255 bytes for its folder.
SLUG_MAX = 80


SLUG_LIMIT = 120


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


class Link(Strict):
    title: Text
    url: Url


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


class PageMeta(WithImage):
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


class Page(PageMeta, Loaded):
    """Any other Markdown page under content/ (the home page, the blog's index, this guide)."""


class Post(PageMeta, Loaded):
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

    # Filled by the loader, not front matter (with `source` and `body`).
    loader_fields: ClassVar[frozenset[str]] = frozenset({"source", "heading", "body"})
    heading: str = ""

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


class Resource(WithImage, Keyed):
    """A resource: something the newsletter points readers to. An event (or a live webinar)
    adds when it `starts` and `ends`, its `timezone`, where (`location`, or `online`) and
    where to register."""

    title: Text
    kind: ResourceKind
    summary: Markdown
    url: Url | None = None
    post: Slug | None = None
    date: dt.date | None = None
    tags: list[Text] = Field(default_factory=list)
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None
    timezone: TimeZone | None = None
    location: Text | None = None
    online: bool = False
    registration: Url | None = None
    quote: Text | None = None
    note: Text | None = None
    draft: bool = False

    @model_validator(mode="after")
    def _one_target(self):
        if bool(self.url) == bool(self.post):
            both = "both" if self.url else "neither"
            raise ValueError(f"url/post: give exactly one of `url` or `post`, not {both}")
        return self

    @model_validator(mode="after")
    def _event_times(self):
        if self.ends and not self.starts:
            raise ValueError("ends: an end needs its `starts` too")
        zone = zoneinfo.ZoneInfo(self.timezone) if self.timezone else None
        for name in ("starts", "ends"):
            value = getattr(self, name)
            if value is None:
                continue
            if value.tzinfo is None and zone is None:
                raise ValueError(
                    f"{name}: {value:%Y-%m-%dT%H:%M} has no time zone: add its offset "
                    f"({value:%Y-%m-%dT%H:%M}:00-08:00) or the event's `timezone:` "
                    "(e.g. America/Los_Angeles)"
                )
            if value.tzinfo is not None and zone is not None:
                expected = value.astimezone(zone).utcoffset()
                if value.utcoffset() != expected:
                    raise ValueError(
                        f"{name}: the offset of {value.isoformat()} is not {self.timezone}'s "
                        f"on that day ({_offset(expected)}): give the local time without an "
                        "offset, or the right one"
                    )
        if self.ends and self.ends_at < self.starts_at:
            raise ValueError("ends: the event ends before it `starts`")
        return self

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def _local(self, value: dt.datetime | None) -> dt.datetime | None:
        """`value` as an aware time in the event's zone (its `timezone`, else its offset)."""
        if value is None:
            return None
        if self.timezone:
            zone = zoneinfo.ZoneInfo(self.timezone)
            return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
        return value

    @property
    def starts_at(self) -> dt.datetime | None:
        return self._local(self.starts)

    @property
    def ends_at(self) -> dt.datetime | None:
        return self._local(self.ends)


def _offset(delta: dt.timedelta | None) -> str:
    minutes = int((delta or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class Catalyzer(Keyed):
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

    @model_validator(mode="after")
    def _alt_with_photo(self):
        if self.photo and not (self.photo_alt or "").strip():
            raise ValueError("photo_alt: a photo needs alt text describing what it shows")
        return self

    @property
    def month_name(self) -> str:
        return month_name(self.month)


class Issue(Loaded):
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

    @model_validator(mode="after")
    def _send_at_has_offset(self):
        if self.send_at is not None and self.send_at.tzinfo is None:
            raise ValueError("send_at: give a time zone offset, e.g. 2023-06-06T09:00:00-04:00")
        return self

    @property
    def month_name(self) -> str:
        return month_name(self.month)


def month_name(month: str) -> str:
    return dt.date(int(month[:4]), int(month[5:7]), 1).strftime("%B")


def slugify(text: str) -> str:
    """The blog plugin's default slug for a title (pymdownx.slugs, lowercase, '-')."""
    if type(text) is str:  # every file's name is checked on every load: remembered
        return _remembered_slug(text)
    return _slug(text)


def _slug(text: str) -> str:
    from pymdownx.slugs import slugify as make

    return make(case="lower")(text, "-")


_remembered_slug = functools.lru_cache(maxsize=16384)(_slug)


# Every `Model.field` whose text is Markdown (the rest is plain text): the HTML policy's list.
MARKDOWN_FIELDS = markdown_fields(Post, Page, Resource, Catalyzer, Issue)
