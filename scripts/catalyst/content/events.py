"""An event's time as readers expect it, one wording for the email, its text part, the site
and the calendar file: "Tue, Dec 10, 9:00 AM PT", "Tue, Dec 10, 9:00 AM – 3:00 PM PT",
"Tue, Dec 10, 9:00 AM – Wed, Dec 11, 3:00 PM PT". No I/O happens here.
"""

from __future__ import annotations

import datetime as dt
import re

# North American zones are said without their standard/daylight letter: PST and PDT are "PT".
_GENERIC = re.compile(r"^(A?K|[PMCEAH])[SD]T$")


def zone_label(moment: dt.datetime) -> str:
    """The zone as readers name it: PT, ET, GMT, CET; an offset alone as UTC−8."""
    name = moment.tzname() or ""
    key = getattr(moment.tzinfo, "key", "")
    if _GENERIC.match(name) and (key.startswith(("America/", "US/", "Canada/")) or
                                 key == "Pacific/Honolulu"):
        return name[:-2] + "T"
    if key and re.fullmatch(r"[A-Z]{2,5}", name):
        return name
    offset = moment.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def day(moment: dt.datetime) -> str:
    return f"{moment:%a}, {moment:%b} {moment.day}"


def clock(moment: dt.datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def when(starts: dt.datetime, ends: dt.datetime | None = None) -> str:
    """The wording of an event's time (both aware, in the event's zone)."""
    start = f"{day(starts)}, {clock(starts)}"
    zone = zone_label(starts)
    if ends is None:
        return f"{start} {zone}"
    end_zone = zone_label(ends)
    if ends.date() == starts.date():
        end = clock(ends)
    else:
        end = f"{day(ends)}, {clock(ends)}"
    if end_zone != zone:  # a change to or from daylight time in between
        return f"{start} {zone} \u2013 {end} {end_zone}"
    return f"{start} \u2013 {end} {zone}"


def resource_when(resource) -> str:
    """`when` for a resource with `starts` (empty without)."""
    if resource.starts is None:
        return ""
    return when(resource.starts_at, resource.ends_at)


def date_label(day: dt.date) -> str:
    """A date as readers read it: "December 20, 2024"."""
    return f"{day:%B} {day.day}, {day.year}"
