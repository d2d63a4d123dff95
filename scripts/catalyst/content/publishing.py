"""The publishing rule, once: `live_at` says when each piece of content goes live for
readers, at the build's moment (`build_now`: the clock, or SOURCE_DATE_EPOCH). The site,
the feeds, the home page and the push all ask it, through the Library's views.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Mapping

from catalyst.content.schema import Catalyzer, Issue, Post, Resource
from catalyst.errors import ClockError

# The reproducible-builds convention: a build's "now", in whole seconds since 1970 UTC.
# https://reproducible-builds.org/specs/source-date-epoch/ (MkDocs reads it too).
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


# Always live: content that names no date of its own.
ALWAYS = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def build_now(environ: Mapping[str, str] = os.environ) -> dt.datetime:
    """The moment a build publishes at, in UTC: SOURCE_DATE_EPOCH when set, else the clock.

    Decided on this machine alone (no network): what is live is a function of the commit
    and this moment, so two builds of one commit at one moment are identical.
    """
    value = environ.get(SOURCE_DATE_EPOCH)
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        return dt.datetime.fromtimestamp(int(value.strip()), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ClockError(
            f"{SOURCE_DATE_EPOCH}={value!r} is not a time: give whole seconds since "
            "1970-01-01 00:00 UTC (e.g. `date +%s`), or unset it to use the clock"
        ) from None


def day_start(day: dt.date) -> dt.datetime:
    if type(day) is dt.date:  # asked some 20,000 times a build, of a few hundred days
        return _remembered_day_start(day)
    return _day_start(day)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# Dates only: equal datetimes can be on different days.
_remembered_day_start = functools.lru_cache(maxsize=8192)(_day_start)


def month_start(month: str) -> dt.datetime:
    """00:00 UTC on the first day of `month` (YYYY-MM)."""
    return dt.datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=dt.UTC)


def live_at(
    item,
    featured: Mapping[str, dt.datetime] | None = None,
    posts: Mapping[str, Post] | None = None,
) -> dt.datetime:
    """When `item` goes live for readers, in UTC: the one publishing rule.

    - An issue when it is sent: at its `send_at`. Without one, at 00:00 UTC on the first
      day of its month: the month is then the only time it names, and an issue is its
      month's (an issue sent by hand during its month shows at once; next month's waits).
    - A post on its date (00:00 UTC).
    - A catalyzer with the first issue that features it (or, featured by none, at its
      month's start, as an issue without send_at).
    - A resource on its `date`, and never before the post it points to (its card links
      there). A resource without a date is always live. An event's `starts` is when the
      event happens, not when it is announced: it is not a publishing date.

    Drafts are never live whatever this says (`Library.is_live`). A catalyzer needs
    `featured` (slug -> when its first issue goes live: `Library.featured_at`), a resource
    that points to a post needs the `posts` by slug: the Library passes both.
    """
    if isinstance(item, Issue):
        return item.send_at.astimezone(dt.UTC) if item.send_at else month_start(item.month)
    if isinstance(item, Post):
        return day_start(item.published)
    if isinstance(item, Catalyzer):
        if featured is None:
            raise TypeError("a catalyzer goes live with its issue: pass `featured`")
        first = featured.get(item.slug)
        return first if first is not None else month_start(item.month)
    if isinstance(item, Resource):
        when = day_start(item.date) if item.date else ALWAYS
        if item.post:
            if posts is None:
                raise TypeError("a resource goes live with its post: pass `posts`")
            post = posts.get(item.post)
            if post is not None:
                when = max(when, live_at(post))
        return when
    raise TypeError(f"no publishing rule for {type(item).__name__}")


def format_when(moment: dt.datetime) -> str:
    """A go-live time as editors read it: `2023-06-06 13:00 UTC`."""
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
