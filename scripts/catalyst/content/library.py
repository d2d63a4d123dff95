"""The Library: every loaded piece of content keyed by slug, where each reference sits, the
views the site and the email show (what is live at its `now`, or upcoming too in a
preview), and the cross-reference rules (`Library.problems()`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from catalyst.content.publishing import build_now, format_when, live_at
from catalyst.content.schema import (
    Catalyzer,
    CatalyzerSection,
    Issue,
    Post,
    Resource,
    ResourcesSection,
)
from catalyst.errors import Problem


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
        featured = self.featured_at() if isinstance(item, Catalyzer) else None
        return live_at(item, featured, self.posts)

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

    def publishing(self, item) -> tuple[bool, bool, dt.datetime | None]:
        """(`shown`, `is_live`, `upcoming`) of `item`, its go-live time computed once."""
        when = None if item.draft else self.live_at(item)
        live = when is not None and when <= self.now
        upcoming = when if when is not None and when > self.now else None
        return live or (self.preview and not item.draft), live, upcoming

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
        """Every cross-reference that does not hold, one rule a method, in file order."""
        found: list[Problem] = []
        self._post_problems(found)
        self._month_problems(found)
        for issue in self.issues.values():
            for index, section in enumerate(issue.sections):
                if isinstance(section, ResourcesSection):
                    self._items_problems(found, issue, index, section)
                elif isinstance(section, CatalyzerSection) and section.catalyzer:
                    self._named_catalyzer_problems(found, issue, index, section)
                elif isinstance(section, CatalyzerSection):
                    self._month_catalyzer_problems(found, issue, index, section)
        return found

    def _add(self, found: list[Problem], source: str, loc: tuple, message: str) -> None:
        found.append(Problem(source, self.line_of(source, loc), message))

    def _post_problems(self, found: list[Problem]) -> None:
        """A resource's `post` is a post, and not a draft unless the resource is one."""
        for resource in self.resources.values():
            if resource.post:
                post = self.posts.get(resource.post)
                if post is None and resource.post in self.invalid:
                    pass
                elif post is None:
                    message = "post: " + _unknown("post", resource.post, self.posts)
                    self._add(found, resource.source, ("post",), message)
                elif post.draft and not resource.draft:
                    message = f"post: '{resource.post}' is a draft"
                    self._add(found, resource.source, ("post",), message)

    def _month_problems(self, found: list[Problem]) -> None:
        """One catalyzer a month."""
        by_month: dict[str, list[Catalyzer]] = {}
        for catalyzer in self.catalyzers.values():
            by_month.setdefault(catalyzer.month, []).append(catalyzer)
        for month, sharing in by_month.items():
            for catalyzer in sharing if len(sharing) > 1 else []:
                others = ", ".join(sorted(o.source for o in sharing if o is not catalyzer))
                message = f"month: {month} has more than one catalyzer (also {others})"
                self._add(found, catalyzer.source, ("month",), message)

    def _items_problems(self, found: list[Problem], issue: Issue, index: int,
                        section: ResourcesSection) -> None:
        """A resources section's items are resources, published with the issue."""
        name = f"sections[{index}]"
        for n, slug in enumerate(section.items):
            resource = self.resources.get(slug)
            at = ("sections", index, "items", n)
            if resource is None and slug in self.invalid:
                continue
            if resource is None:
                message = f"{name}.items[{n}]: " + _unknown("resource", slug, self.resources)
                self._add(found, issue.source, at, message)
            elif resource.draft and not issue.draft:
                self._add(found, issue.source, at, f"{name}.items[{n}]: '{slug}' is a draft")
            elif not issue.draft and self._post_later(resource, issue):
                post = self.posts[resource.post]
                self._add(
                    found,
                    issue.source,
                    at,
                    f"{name}.items[{n}]: '{slug}' leads to the post "
                    f"'{post.key}', which goes live on {format_when(live_at(post))}, "
                    f"after this issue ({format_when(live_at(issue))}): readers would "
                    "find no page there",
                )

    def _named_catalyzer_problems(self, found: list[Problem], issue: Issue, index: int,
                                  section: CatalyzerSection) -> None:
        """A catalyzer section's `catalyzer:` is a catalyzer, not a draft."""
        name = f"sections[{index}]"
        catalyzer = self.catalyzers.get(section.catalyzer)
        at = ("sections", index, "catalyzer")
        if catalyzer is None and section.catalyzer in self.invalid:
            return
        if catalyzer is None:
            message = f"{name}.catalyzer: " + _unknown(
                "catalyzer", section.catalyzer, self.catalyzers
            )
            self._add(found, issue.source, at, message)
        elif catalyzer.draft and not issue.draft:
            message = f"{name}.catalyzer: '{section.catalyzer}' is a draft"
            self._add(found, issue.source, at, message)

    def _month_catalyzer_problems(self, found: list[Problem], issue: Issue, index: int,
                                  section: CatalyzerSection) -> None:
        """A catalyzer section without `catalyzer:` has the issue's month's catalyzer."""
        name = f"sections[{index}]"
        where = ("sections", index)
        catalyzer = self.catalyzer_for(issue, section)
        if catalyzer is None:
            message = (
                f"{name}: no catalyzer has month {issue.month}; "
                "add one or name it with `catalyzer:`"
            )
            self._add(found, issue.source, where, message)
        elif catalyzer.draft and not issue.draft:
            self._add(found, issue.source, where, f"{name}: '{catalyzer.slug}' is a draft")


def _same(these: tuple, those: tuple) -> bool:
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


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
