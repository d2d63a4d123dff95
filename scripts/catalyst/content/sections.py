"""An issue's section kinds: one model per `kind:`, each shown by one macro of the same name
in templates/email/sections.html.j2, sections.txt.j2 and templates/pages/sections.md.j2.

A new kind is a model here (added to `Section`), its three macros and its table in the
editors' guide ("Adding a section kind" there). No I/O happens here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from catalyst.content.fields import Markdown, Slug, Strict, Text, Url, WithImage


class Announcement(WithImage):
    """News or a call to action, with an optional button."""

    kind: Literal["announcement"]
    title: Text
    text: Markdown
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


class Story(WithImage):
    """A longer piece with an optional picture and caption, and a link to read on."""

    kind: Literal["story"]
    title: Text
    caption: Text | None = None
    body: Markdown
    link: StoryLink | None = None


class ResourcesSection(Strict):
    """Resources (content/resources/) under any heading: a reading list, events, recordings."""

    kind: Literal["resources"]
    heading: Text
    intro: Markdown | None = None
    items: list[Slug] = Field(min_length=1)


class Highlight(WithImage):
    """One partner, school or person: a line or two, a link, a quote."""

    title: Text
    text: Markdown | None = None
    url: Url | None = None
    quote: Markdown | None = None
    attribution: Text | None = None


class Highlights(Strict):
    kind: Literal["highlights"]
    heading: Text
    items: list[Highlight] = Field(min_length=1)


class CatalyzerSection(Strict):
    kind: Literal["catalyzer"]
    heading: Text
    intro: Markdown
    catalyzer: Slug | None = None


class Job(Strict):
    """A job posting: the role, where, a line or two, and where to apply."""

    kind: Literal["job"]
    heading: Text = "Job posting"
    title: Text
    organization: Text | None = None
    location: Text | None = None
    text: Markdown
    url: Url
    button: Text = "See the job posting"
    closes: dt.date | None = None


class Survey(Strict):
    """A survey or form readers are asked to fill in."""

    kind: Literal["survey"]
    heading: Text = "Survey"
    title: Text
    text: Markdown
    url: Url
    button: Text = "Take the survey"
    closes: dt.date | None = None


Section = Annotated[
    Announcement | Story | ResourcesSection | Highlights | CatalyzerSection | Job | Survey,
    Field(discriminator="kind"),
]
