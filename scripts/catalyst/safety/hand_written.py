"""The files the content model does not load: hand-written pages in docs_dir and the blog's authors
file.
"""

from __future__ import annotations

import os
from pathlib import Path

from catalyst import urls
from catalyst.content.frontmatter import read_document
from catalyst.errors import ContentError, Problem
from catalyst.safety.field_rules import URL_FIELDS, plain_text_problem
from catalyst.safety.url_rules import url_problem


def hand_written(settings, library) -> list:
    """(path, path shown) of the pages in docs_dir that the model does not load: the home
    page, the editors' guide, the blog's index and any other page an editor adds."""
    loaded = {
        item.source
        for group in (library.posts, library.resources, library.catalyzers)
        for item in group.values()
    }
    docs = settings.docs_dir
    # Content the model loads (checked field by field, or reported broken): only an index
    # page in these folders is hand-written. Not walking them keeps this quick.
    data = {docs / urls.POSTS_DIR, docs / urls.RESOURCES_DIR, docs / urls.CATALYZERS_DIR}
    found = []
    for folder, subfolders, names in os.walk(docs):
        here = Path(folder)
        if here in data:
            subfolders.clear()
            names = [n for n in names if n == "index.md"]
        subfolders.sort()
        found += [here / n for n in sorted(names) if n.endswith(".md")]
    pages = []
    for path in found:
        try:
            shown = path.relative_to(settings.root).as_posix()
        except ValueError:
            shown = path.as_posix()
        if shown not in loaded:
            pages.append((path, shown))
    return pages


def read_page(path, shown: str, text: str | None) -> tuple[dict, str, int, dict]:
    """A hand-written page's front matter, body, body's first line and key lines."""
    try:
        doc = read_document(path, shown)
    except ContentError:  # no front matter (allowed for a page), or a broken one
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
        return {}, text, 1, {}
    return doc.meta, doc.body, doc.body_line, doc.lines



def authors_problems(settings) -> list:
    """The blog's authors file: names and descriptions are plain text, avatars URLs."""
    import yaml

    path = settings.docs_dir / "blog" / ".authors.yml"
    if not path.is_file():
        return []
    shown = path.relative_to(settings.root).as_posix()
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return []  # the content loader reports a broken authors file
    problems = []
    for key, authors in getattr(root, "value", []) if isinstance(root, yaml.MappingNode) else []:
        if key.value != "authors" or not isinstance(authors, yaml.MappingNode):
            continue
        for author_key, author in authors.value:
            if not isinstance(author, yaml.MappingNode):
                continue
            for field, value in author.value:
                if not isinstance(value, yaml.ScalarNode):
                    continue
                label = f"authors.{author_key.value}.{field.value}"
                line = value.start_mark.line + 1
                if field.value in URL_FIELDS or field.value == "url":
                    message = url_problem(label, value.value)
                else:
                    message = plain_text_problem(label, value.value)
                if message:
                    problems.append(Problem(shown, line, message))
    return problems
