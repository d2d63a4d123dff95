"""Link checks: every internal link and image resolves; external links only on request.

Internal links are checked at the source, so each problem has its file and line: a
relative target must be a page the site builds (a Markdown file that is not a draft,
or a page the plugin generates) or a file under `content/`. Issues are pages at
`issues/YYYY-MM.md` of the site, so their links resolve from there, as on the site.
A page must not link to one that goes live after it (`publishing.live_at`): until then the
link would be broken, and the strict build that deploys the site would fail.

External links (`--external`) are fetched concurrently with bounded timeouts, and
good answers are cached for a day, since CI has no network to the outside.
"""

from __future__ import annotations

import json
import posixpath
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from catalyst import urls
from catalyst.content.library import Library
from catalyst.content.publishing import ALWAYS, format_when
from catalyst.errors import Problem
from catalyst.files import write_atomic
from catalyst.settings import Settings

# [text](target "title"), ![alt](src), [id]: target, and href/src attributes in raw HTML.
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_ATTRIBUTE = re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


@dataclass(frozen=True)
class LinkAt:
    """A link target as written in a file, at its line."""

    source: str  # file as shown to editors
    line: int
    target: str


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of a Markdown file, less fenced code blocks and code spans."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, _CODE_SPAN.sub("", line)


def find_links(text: str, source: str) -> Iterator[LinkAt]:
    """Every link target in a Markdown file (front matter included), with its line."""
    for number, line in prose_lines(text):
        targets = [m.group(1) for m in _INLINE.finditer(line)]
        targets += [m.group(1) for m in _ATTRIBUTE.finditer(line)]
        reference = _REFERENCE.match(line)
        if reference and not line.lstrip().startswith("[^"):
            targets.append(reference.group(1))
        for target in targets:
            yield LinkAt(source, number, target)


class Site:
    """What the built site will hold, as source paths relative to docs_dir."""

    def __init__(self, library: Library, settings: Settings, generated: set[str]):
        self.settings = settings
        uri = settings.docs_uri
        self.drafts: set[str] = set()
        self.data: set[str] = set()
        for post in library.posts.values():
            if post.draft:
                self.drafts.add(uri(post.source))
        for item in library.resources.values():
            self.data.add(uri(item.source))
        for item in library.catalyzers.values():
            (self.drafts if item.draft else self.data).add(uri(item.source))
        for issue in library.issues.values():
            if issue.draft:
                self.drafts.add(urls.issue_source(issue.month))
        self.generated = generated
        # When each page that has a publishing time goes live (others always are).
        self.now = library.now
        self.live = {}
        for items, uri_of in (
            (library.posts.values(), lambda post: uri(post.source)),
            (library.resources.values(), lambda resource: uri(resource.source)),
            (library.catalyzers.values(), lambda catalyzer: urls.catalyzer_source(catalyzer.slug)),
            (library.issues.values(), lambda issue: urls.issue_source(issue.month)),
        ):
            for item in items:
                if not item.draft:
                    self.live[uri_of(item)] = library.live_at(item)

    def goes_live_later(self, source: str, target: str) -> str | None:
        """Why a link from `source` to `target` (both relative to docs_dir) breaks for a
        while: the target goes live after the source, and is not live yet. None if not."""
        if source in self.drafts:
            return None
        begins, opens = self.live.get(source, ALWAYS), self.live.get(target, ALWAYS)
        if opens <= max(begins, self.now):
            return None
        since = "" if begins == ALWAYS else f" (from {format_when(begins)})"
        return (
            f"leads to a page that goes live on {format_when(opens)}, after this one"
            f"{since}: the link would be broken until then"
        )

    def problem_with(self, uri: str) -> str | None:
        """Why `uri` (relative to docs_dir) is not on the site, or None if it is."""
        if uri in self.generated:
            return None
        if uri in self.drafts:
            return "is a draft: it is not on the site"
        if uri in self.data:
            return "is a resource's data file, not a page: link to resources/index.md"
        path = self.settings.docs_dir / uri
        if uri.endswith("/") or path.is_dir():
            if (path / "index.md").is_file():
                return None
            return "is a folder: link to a Markdown file or a file, as MkDocs expects"
        if not path.is_file():
            return "not found"
        return None


def internal_problems(texts: list[tuple[str, str, str]], site: Site) -> list[Problem]:
    """texts: (a file's text, its path shown, its URI relative to docs_dir)."""
    problems = []
    for text, shown, uri in texts:
        for link in find_links(text, shown):
            target = link.target
            if _EXTERNAL.match(target) or target.startswith(("#", "//")) or "{{" in target:
                continue
            clean = unquote(urlsplit(target).path)
            if not clean:
                continue
            if clean.startswith("/"):
                problems.append(
                    Problem(shown, link.line, f"link '{target}': write a relative link "
                            "(e.g. ../blog/index.md): absolute paths break under a subpath")
                )
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(uri), clean))
            if resolved.startswith(".."):
                problems.append(Problem(shown, link.line, f"link '{target}' leaves content/"))
                continue
            why = site.problem_with(resolved) or site.goes_live_later(uri, resolved)
            if why:
                problems.append(Problem(shown, link.line, f"link '{target}' {why}"))
    return problems


# ---------------------------------------------------------------------------- external


@dataclass(frozen=True)
class Answer:
    url: str
    ok: bool
    detail: str


def external_links(files: list[tuple[Path, str, str]]) -> dict[str, list[LinkAt]]:
    found: dict[str, list[LinkAt]] = {}
    from catalyst.content.frontmatter import read_source
    from catalyst.errors import ContentError

    for path, shown, _ in files:
        try:
            text = read_source(path, shown)
        except ContentError:
            continue  # `catalyst check` reports the file itself
        for link in find_links(text, shown):
            if link.target.startswith(("http://", "https://")):
                found.setdefault(link.target, []).append(link)
        for number, line in enumerate(text.splitlines(), 1):
            match = re.match(r"^\s*-?\s*(?:url|link):\s*[\"']?(https?://[^\s\"']+)", line)
            if match:
                found.setdefault(match.group(1), []).append(LinkAt(shown, number, match.group(1)))
    return found


def fetch(url: str, timeout: float) -> Answer:
    import requests

    headers = {"User-Agent": "catalyst-link-check/1"}
    try:
        response = requests.head(url, timeout=timeout, allow_redirects=True, headers=headers)
        if response.status_code in (403, 405, 501):  # servers that refuse HEAD
            response = requests.get(
                url, timeout=timeout, allow_redirects=True, headers=headers, stream=True
            )
            response.close()
    except requests.Timeout:
        return Answer(url, False, f"no answer within {timeout:g} s")
    except requests.RequestException as error:
        return Answer(url, False, f"unreachable ({type(error).__name__})")
    if response.status_code >= 400:
        return Answer(url, False, f"answered {response.status_code} {response.reason}")
    if response.history and response.url != url:
        return Answer(url, True, f"redirects to {response.url}")
    return Answer(url, True, "")


class LinkCache:
    """Good answers, kept for `ttl` seconds, in one JSON file written atomically."""

    def __init__(self, path: Path, ttl: float = 86400):
        self.path, self.ttl = path, ttl
        try:
            self.entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    def get(self, url: str) -> Answer | None:
        entry = self.entries.get(url)
        if entry and time.time() - entry["at"] < self.ttl:
            return Answer(url, True, entry["detail"])
        return None

    def put(self, answer: Answer) -> None:
        if answer.ok:
            self.entries[answer.url] = {"at": time.time(), "detail": answer.detail}

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True))


def external_problems(
    files: list[tuple[Path, str, str]],
    cache: LinkCache | None,
    *,
    timeout: float = 10.0,
    workers: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> list[Problem]:
    links = external_links(files)
    answers: dict[str, Answer] = {}
    todo = []
    for url in links:
        cached = cache.get(url) if cache else None
        if cached:
            answers[url] = cached
        else:
            todo.append(url)
    done = len(answers)
    if progress:
        progress(done, len(links))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for answer in pool.map(lambda u: fetch(u, timeout), todo):
            answers[answer.url] = answer
            if cache:
                cache.put(answer)
            done += 1
            if progress:
                progress(done, len(links))
    if cache:
        cache.save()
    problems = []
    for url, found in links.items():
        answer = answers[url]
        if answer.ok and not answer.detail:
            continue
        level = "error" if not answer.ok else "warning"
        for link in found:
            problems.append(Problem(link.source, link.line, f"link '{url}' {answer.detail}", level))
    return problems
