"""Front matter to the schema, every error a Problem at the line of the key it is about,
in an editor's words (pydantic's errors carry the field names; no text is parsed back).
"""

from __future__ import annotations

import difflib
import re
import typing

from pydantic import BaseModel, ValidationError

from catalyst.content.frontmatter import Document
from catalyst.content.library import locate
from catalyst.errors import Problem

# Why a loader-filled key is not front matter.
_FILLED_FROM = {
    "slug": "from the file's name",
    "source": "from the file's path",
    "body": "from the text below the front matter",
    "heading": "from the first '# ' heading",
}


def _field_path(loc: tuple, data) -> tuple:
    """pydantic's `loc` without the union tags it inserts (e.g. sections.0.story.title)."""
    path: list = []
    for n, part in enumerate(loc):
        last = n == len(loc) - 1
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        elif isinstance(data, dict) and (not last or data.get("kind") == part):
            continue  # a discriminator tag: not a key of the file
        else:
            data = None
        path.append(part)
    return tuple(path)


def dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (through Optional, list, Annotated, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models(arg)
    return found


def _pick(models: list[type[BaseModel]], data) -> type[BaseModel] | None:
    if len(models) == 1:
        return models[0]
    kind = data.get("kind") if isinstance(data, dict) else None
    for model in models:
        field = model.model_fields.get("kind")
        if field is not None and kind in typing.get_args(field.annotation):
            return model
    return None


def _model_at(model: type[BaseModel], path: tuple, data) -> type[BaseModel] | None:
    """The model that validates the mapping at `path` of the front matter."""
    models = [model]
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
            continue
        current = _pick(models, data)
        field = current.model_fields.get(part) if current else None
        if field is None:
            return None
        models = _models(field.annotation)
        data = data.get(part) if isinstance(data, dict) else None
    return _pick(models, data)


def _unknown_field(model: type[BaseModel], path: tuple, meta: dict) -> str:
    """'unknown field 'x', did you mean 'y'? (allowed: ...)', for the mapping holding it."""
    name = str(path[-1])
    message = f"unknown field '{name}'"
    owner = _model_at(model, path[:-1], meta)
    if owner is None:
        return message + " (check its spelling)"
    allowed = (
        owner.front_matter_fields()
        if hasattr(owner, "front_matter_fields")
        else sorted(owner.model_fields)
    )
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        message += f", did you mean '{close[0]}'?"
    return f"{message} (allowed: {', '.join(allowed)})"


def _message(error: dict, model: type[BaseModel]) -> tuple[str, tuple]:
    """An editor's wording for one pydantic error, and any field it names."""
    kind = error["type"]
    message = error["msg"]
    value = error.get("input")
    named: tuple = ()
    if kind == "missing":
        return "required field missing", named
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        head = re.match(r"^([a-z_]+)(?:/([a-z_]+))?: ", message)
        if head:
            named = tuple(h for h in head.groups() if h)
            # "photo_alt is missing" is best shown at the photo it belongs to.
            named += tuple(n.removesuffix("_alt") for n in named if n.endswith("_alt"))
        return message, named
    if kind == "union_tag_invalid":
        allowed = message.split("expected tags: ", 1)[-1]
        tag = value.get("kind") if isinstance(value, dict) else value
        return f"kind: {tag!r} is not one of {allowed}", ("kind",)
    if kind == "literal_error":
        allowed = message.split("Input should be ", 1)[-1]
        return f"{value!r} is not one of {allowed}", named
    if kind.startswith("datetime_"):
        return f"{value!r} is not a date and time (write 2023-06-06T09:00:00-04:00)", named
    if kind.startswith("date_"):
        return f"{value!r} is not a date (write YYYY-MM-DD)", named
    if value is not None and not isinstance(value, (dict, list)):
        return f"{message} (got {value!r})", named
    return message, named


def validate(model: type[BaseModel], doc: Document, **extra) -> tuple[object | None, list]:
    """Build `model` from a document's front matter; every error as a Problem.

    Keys the loader fills in (`schema.loader_fields`) are refused at their line, never
    silently replaced."""
    problems = []
    data = dict(doc.meta)
    for key in sorted(getattr(model, "loader_fields", ()) & data.keys()):
        del data[key]
        why = _FILLED_FROM.get(key, "")
        problems.append(
            Problem(
                doc.path,
                locate(doc.lines, (key,)),
                f"{key}: not a front-matter field here: Catalyst fills it in {why}; remove it",
            )
        )
    try:
        item = model.model_validate({**data, **extra})
    except ValidationError as errors:
        item = None
        seen = set()
        for error in errors.errors():
            path = _field_path(error["loc"], doc.meta)
            if error["type"] == "extra_forbidden":
                text = _unknown_field(model, path, doc.meta)
                parent = dotted(path[:-1])
                line = locate(doc.lines, path)
                message = f"{parent}: {text}" if parent else text
            else:
                text, named = _message(error, model)
                label = dotted(path)
                if named:
                    # A rule over several fields names them; point at the first the file has.
                    candidates = [(*path, name) for name in named]
                    line = next(
                        (doc.lines[c] for c in candidates if c in doc.lines),
                        locate(doc.lines, path),
                    )
                    message = f"{label}.{text}" if label else text
                else:
                    line = locate(doc.lines, path)
                    message = f"{label}: {text}" if label else text
            if (line, message) not in seen:
                seen.add((line, message))
                problems.append(Problem(doc.path, line, message))
    return (item if not problems else None), problems
