"""Placeholders: stand-in values that must not reach readers or subscribers.

One list of rules (`RULES`) over every content file (front matter and Markdown body, outside
code), the templates, and every setting of mkdocs.yml, each finding at its `path:line`:

- `todo`: the `TODO:` marker `catalyst new` leaves for what an editor did not give;
- `todo-address`: an address with TODO in it (`https://example.org/TODO`, also from `new`);
- `reserved-host`: an address on a host reserved for examples and tests (RFC 2606 and 6761:
  example.com/.net/.org and their subdomains, the .example, .test and .invalid domains),
  a link or an email address alike;
- `zero-id`: the all-zero ids of a Mailchimp form (`u=000...&id=000...`) or audience_id;
- `example-address`: a postal address such as "123 Example Street, Example City, ST 00000";
- `placeholder-image`: an image whose file says it is a placeholder: a PNG `tEXt` or `iTXt`
  chunk, or a JPEG comment, whose keyword is `Placeholder` (see `image_mark`).

What a finding costs depends on where it is and what is asked: in a draft it is a warning;
a `TODO` in a published file is an error (as it always was); any other placeholder in a
published file is a warning for `catalyst check` and an error for `catalyst check --release`.
`catalyst push` refuses the placeholders of what it would send (`for_push`) unless allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from catalyst import urls
from catalyst.config_problems import config_entries
from catalyst.content import links
from catalyst.content.frontmatter import read_source
from catalyst.content.library import Library
from catalyst.content.placeholder_images import (  # noqa: F401  (image_mark: the API)
    IMAGE_KEYWORD,
    image_finding,
    image_mark,
    image_targets,
)
from catalyst.content.scaffold import (
    PLACEHOLDER,  # what `catalyst new` writes for a value still to give
)
from catalyst.errors import ContentError, Problem
from catalyst.settings import Settings

# Hosts reserved for examples and tests, never anyone's real site (RFC 2606, RFC 6761).
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid")

_TODO_MARKER = re.compile(re.escape(PLACEHOLDER) + r"\s*(.*)")
_URL = re.compile(r"""(?:https?|mailto|ftp):(?://)?[^\s<>"'`)\]]+""", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+/-])[\w.+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_STREET = re.compile(
    r"\b\d{1,6}\s+Example\s+(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|"
    r"Lane|Ln\.?|Drive|Dr\.?|Way|Place|Pl\.?)(?!\w)",
    re.IGNORECASE,
)
_CITY = re.compile(r"\bExample (?:City|Town|Village)\b|\b[A-Z]{2}\s+00000\b")
_ZEROS = re.compile(r"^0+$")
# Lines worth a closer look: a cheap test before the rules' own.
_MAYBE = re.compile(r"TODO|@|://|mailto:|xample|00000|\.png|\.jpe?g", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    name: str
    what: str
    # An unfinished scaffold: an error wherever readers would see it, --release or not.
    unfinished: bool = False


RULES = (
    Rule("todo", "a `TODO:` left by `catalyst new`", unfinished=True),
    Rule("todo-address", "an address with TODO in it", unfinished=True),
    Rule("reserved-host", "an address on a host reserved for examples (example.org, .test)"),
    Rule("zero-id", "the all-zero Mailchimp ids of the sample settings"),
    Rule("example-address", "a sample postal address (123 Example Street)"),
    Rule("placeholder-image", "an image whose file is marked as a placeholder"),
)
RULE = {rule.name: rule for rule in RULES}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str
    published: bool = True

    def problem(self, release: bool = False) -> Problem:
        """As `check` reports it: see the module's docstring for the levels."""
        if not self.published:
            return Problem(self.path, self.line, self.message, "warning")
        if RULE[self.rule].unfinished or release:
            return Problem(self.path, self.line, self.message, "error")
        return Problem(self.path, self.line, self.message, "warning")


def problems(findings: Iterable[Finding], release: bool = False) -> list[Problem]:
    return [finding.problem(release) for finding in findings]


# ---------------------------------------------------------------------------- the rules


def reserved_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in RESERVED_DOMAINS) or (
        host.rsplit(".", 1)[-1] in RESERVED_TLDS
    )


def _address_findings(value: str) -> Iterator[tuple[str, str]]:
    """(rule, message) for each placeholder address in a piece of text."""
    seen = set()
    for match in _URL.finditer(value):
        url = match.group(0).rstrip(".,;:!?")
        seen.add(match.span())
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme.lower() == "mailto":
            host = url.split("@", 1)[-1].split("?", 1)[0] if "@" in url else ""
        if "TODO" in url:
            yield "todo-address", f"placeholder: '{url}' is still to fill in (it says TODO)"
        elif host and reserved_host(host):
            yield "reserved-host", (
                f"placeholder: '{url}' is not a real address ({host} is reserved for examples "
                "and tests)"
            )
        elif host.endswith("list-manage.com"):
            query = dict(parse_qsl(parts.query))
            zeros = [k for k in ("u", "id") if _ZEROS.match(query.get(k, ""))]
            if zeros:
                yield "zero-id", (
                    f"placeholder: '{url}' has all-zero {' and '.join(zeros)}: copy the real form "
                    "address from Mailchimp (Audience > Signup forms > Embedded forms)"
                )
    for match in _EMAIL.finditer(value):
        if any(start <= match.start() < end for start, end in seen):
            continue
        if reserved_host(match.group(1)):
            yield "reserved-host", (
                f"placeholder: '{match.group(0)}' is not a real address ({match.group(1)} is "
                "reserved for examples and tests)"
            )
    sample = [m.group(0) for pattern in (_STREET, _CITY) for m in pattern.finditer(value)]
    if sample:
        shown = ", ".join(f"'{s}'" for s in sample)
        yield "example-address", f"placeholder: {shown}: a sample postal address, not a real one"


def _todo_finding(line: str, published: bool) -> str | None:
    match = _TODO_MARKER.search(line)
    if not match:
        return None
    field = line.split(":", 1)[0].strip(" -") if ":" in line[: match.start()] else "text"
    # The rest of the line, less the YAML quoting around a placeholder value.
    what = match.group(1).strip().rstrip("'\"").replace("''", "'") or "a value"
    if published:
        return f"{field}: placeholder left in a published file: {what}"
    return f"{field}: placeholder: {what}"



def scan_text(text: str, shown: str, page: str, settings: Settings,
              published: bool = True) -> list[Finding]:
    """Every placeholder in one file's text (outside code), at its line."""
    found: list[Finding] = []
    front_matter = _front_matter_end(text)
    for number, line in links.prose_lines(text):
        if not _MAYBE.search(line):
            continue
        todo = _todo_finding(line, published)
        if todo:
            found.append(Finding(shown, number, "todo", todo, published))
        field = _field(line) if number < front_matter else ""
        for rule, message in _address_findings(line):
            found.append(Finding(shown, number, rule, field + message, published))
        for target in dict.fromkeys(image_targets(line)):
            message = image_finding(target, page, settings)
            if message:
                found.append(Finding(shown, number, "placeholder-image", field + message,
                                     published))
    return found


def _front_matter_end(text: str) -> int:
    """The line number of the `---` that closes the front matter (0 without one)."""
    lines = text.split("\n", 400)
    if not lines or lines[0].strip() != "---":
        return 0
    return next((n + 1 for n in range(1, len(lines)) if lines[n].strip() == "---"), 0)


def _field(line: str) -> str:
    """`key: ` of a front-matter `key: value` line, else nothing."""
    match = re.match(r"^\s*-?\s*([A-Za-z_][\w-]*):(?:\s|$)", line)
    return f"{match.group(1)}: " if match else ""


def scan_settings(settings: Settings, config_file: Path,
                  keys: tuple[tuple, ...] | None = None) -> list[Finding]:
    """Every placeholder in mkdocs.yml's values, at mkdocs.yml:line; `keys`: only the values
    under these key paths (e.g. `('site_url',)`, `('plugins', 'catalyst')`)."""
    shown = config_file.name
    found: list[Finding] = []
    for entry in config_entries(config_file):
        if entry.value is None or not entry.path:
            continue
        if keys is not None and not any(entry.path[: len(k)] == k for k in keys):
            continue
        name = next((p for p in reversed(entry.path) if isinstance(p, str)), "value")
        if entry.path[-1] == entry.value:  # a list item named by its own value
            name = next((p for p in reversed(entry.path[:-1]) if isinstance(p, str)), name)
        messages = list(_address_findings(entry.value))
        if name == "audience_id" and _ZEROS.match(entry.value.strip()):
            messages.append(("zero-id", f"placeholder: '{entry.value}' is the sample all-zero "
                             "id, not an audience's (Audience > Settings in Mailchimp)"))
        for rule, message in messages:
            found.append(Finding(shown, entry.line, rule, f"{name}: {message}"))
    return found


# ---------------------------------------------------------------------------- what is scanned


def _drafts(library: Library) -> set[str]:
    return {
        item.source
        for group in (library.posts, library.resources, library.catalyzers, library.issues)
        for item in group.values()
        if item.draft
    }


def content_files(settings: Settings) -> list[tuple[Path, str, str]]:
    """(path, path shown, URI in content/) of every content file: Markdown pages, issues and
    the blog's authors file."""
    root, docs = settings.root, settings.docs_dir
    found = [
        (path, path.relative_to(root).as_posix(), path.relative_to(docs).as_posix())
        for path in sorted(docs.rglob("*"))
        if path.suffix in (".md", ".yml", ".yaml") and path.is_file()
    ]
    if settings.issues_dir.is_dir():
        found += [
            (path, path.relative_to(root).as_posix(), urls.issue_source(path.stem))
            for path in sorted(settings.issues_dir.glob("*.md"))
        ]
    return found


def template_files(settings: Settings, folder: str | None = None) -> list[tuple[Path, str]]:
    base = settings.templates_dir / folder if folder else settings.templates_dir
    if not base.is_dir():
        return []
    return [
        (path, settings.shown(path))
        for path in sorted(base.rglob("*"))
        if path.is_file() and path.suffix in (".html", ".j2", ".md", ".css", ".txt", ".xml")
    ]



def _scan_templates(settings: Settings, folder: str | None = None) -> list[Finding]:
    found = []
    for path, shown in template_files(settings, folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        # Templates are not pages: their images and TODO comments are not the editors'.
        for number, line in enumerate(text.splitlines(), start=1):
            for rule, message in _address_findings(line):
                found.append(Finding(shown, number, rule, message))
    return found


def scan(
    settings: Settings,
    library: Library,
    texts: list[tuple[str, str, str]] | None = None,
    config_file: Path | None = None,
) -> list[Finding]:
    """Every placeholder of the project: content files, templates and mkdocs.yml.

    `texts`: (text, shown, URI) of the content files, when the caller has read them already.
    """
    texts = list(texts or [])
    have = {shown for _, shown, _ in texts}
    for path, shown, uri in content_files(settings):
        if shown in have:
            continue
        try:
            texts.append((read_source(path, shown), shown, uri))
        except ContentError:
            continue  # the loader reports a file it cannot read (not UTF-8, say)
    drafts = _drafts(library)
    found = []
    for text, shown, uri in texts:
        found += scan_text(text, shown, uri, settings, published=shown not in drafts)
    found += _scan_templates(settings)
    found += scan_settings(settings, config_file or settings.root / "mkdocs.yml")
    return _sorted(found)


# The settings a push sends or puts in the email: the campaign's and the site's address.
PUSH_SETTINGS = (("site_url",), ("plugins", "catalyst"))


def for_push(settings: Settings, library: Library, month: str,
             config_file: Path | None = None) -> list[Finding]:
    """The placeholders in what `catalyst push MONTH` would send: the issue, the content it
    features, the email's templates and the Mailchimp settings."""
    issue = library.issues[month]
    sources = [issue.source]
    for section in issue.sections:
        if section.kind == "resources":
            sources += [library.resources[s].source for s in section.items
                        if s in library.resources]
        elif section.kind == "catalyzer":
            catalyzer = library.catalyzer_for(issue, section)
            if catalyzer is not None:
                sources.append(catalyzer.source)
    found = []
    for source in dict.fromkeys(sources):
        path = settings.root / source
        uri = urls.issue_source(path.stem) if source == issue.source else settings.docs_uri(source)
        found += scan_text(path.read_text(encoding="utf-8"), source, uri, settings)
    found += _scan_templates(settings, "email")
    found += scan_settings(settings, config_file or settings.root / "mkdocs.yml", PUSH_SETTINGS)
    return _sorted(found)


def _sorted(found: list[Finding]) -> list[Finding]:
    return sorted(set(found), key=lambda f: (f.path, f.line, f.rule, f.message))
