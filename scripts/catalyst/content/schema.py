"""What editors write: the front matter of posts, pages, resources, catalyzers and issues
(and its sections), as pydantic models that refuse unknown keys and the fields only the
loader fills. No I/O happens here.
"""

from __future__ import annotations

import datetime as dt
import re
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


def month_name(month: str) -> str:
    return dt.date(int(month[:4]), int(month[5:7]), 1).strftime("%B")


def slugify(text: str) -> str:
    """The blog plugin's default slug for a title (pymdownx.slugs, lowercase, '-')."""
    from pymdownx.slugs import slugify as make

    return make(case="lower")(text, "-")
