"""The value types front matter is made of (text, Markdown, URLs, slugs, months, images,
time zones) and the strict base every front-matter model shares. No I/O happens here;
`schema` builds the documents and `sections` an issue's section kinds from these.
"""

from __future__ import annotations

import difflib
import functools
import re
import typing
import zoneinfo
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

from catalyst import urls

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


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_name(value: str) -> str:
    """An IANA time zone's name, as the tz database spells it."""
    if value not in _zones():
        close = difflib.get_close_matches(value, sorted(_zones()), n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"{value!r} is not a time zone{hint}: write its IANA name, e.g. "
            "America/Los_Angeles, America/New_York, Europe/London"
        )
    return value


class MarkdownText:
    """The mark of a field whose text is Markdown (`Markdown` below): every other text field
    is plain text, shown as typed. `markdown_fields()` lists them for the HTML policy."""


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Markdown = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), MarkdownText()]
Month = Annotated[str, AfterValidator(_month)]
Url = Annotated[str, AfterValidator(_url)]
Slug = Annotated[str, AfterValidator(_slug)]
TimeZone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(zone_name)]
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


class Loaded(Strict):
    """A document read from a file: where it is and its Markdown body, filled by the loader."""

    loader_fields: ClassVar[frozenset[str]] = frozenset({"source", "body"})
    source: str = ""
    body: str = ""


class Keyed(Loaded):
    """A document its file's name keys (a resource, a catalyzer): `slug` is that name."""

    loader_fields: ClassVar[frozenset[str]] = frozenset({"slug", "source", "body"})
    slug: str = ""


class WithImage(Strict):
    """A block with an optional image: the alt text is required with it."""

    image: ImagePath | None = None
    image_alt: str | None = None

    @model_validator(mode="after")
    def _alt_with_image(self):
        if self.image and not (self.image_alt or "").strip():
            raise ValueError("image_alt: an image needs alt text describing what it shows")
        return self


def markdown_fields(*models: type[BaseModel]) -> frozenset[str]:
    """`Model.field` for every Markdown field of `models` and the models they hold."""
    found: set[str] = set()
    seen: set[type] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            if _is_markdown(field.metadata, field.annotation):
                found.add(f"{model.__name__}.{name}")
            for inner in _models(field.annotation):
                visit(inner)

    for model in models:
        visit(model)
    return frozenset(found)


def _is_markdown(metadata, annotation) -> bool:
    """The MarkdownText mark in a field's metadata or inside its annotation (`Markdown | None`)."""
    if any(isinstance(m, MarkdownText) for m in metadata):
        return True
    inner = getattr(annotation, "__metadata__", ())
    args = typing.get_args(annotation)
    return any(isinstance(m, MarkdownText) for m in inner) or any(
        _is_markdown((), arg) for arg in args if arg is not annotation
    )


def _models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]
