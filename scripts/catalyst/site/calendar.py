"""An `.ics` file for each event on the site: one VEVENT in its own zone, so "Add to calendar"
puts it at the right time wherever the reader is.

The event's IANA `timezone:` becomes a TZID with its VTIMEZONE (written by `icalendar` from
the tz database); an event given with an offset alone is written in UTC. Its UID is the
resource's slug at the site's host, so a calendar that imported it once updates it rather
than adding a second. DTSTAMP is SOURCE_DATE_EPOCH when set, else the resource's `date` (or
its start): two builds of one commit write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import urlsplit

import icalendar

from catalyst import urls
from catalyst.content.library import Library
from catalyst.content.publishing import SOURCE_DATE_EPOCH, build_now, day_start
from catalyst.content.schema import Resource
from catalyst.settings import Settings

PRODID = "-//Catalyst//Newsletter events//EN"


def events(library: Library) -> list[Resource]:
    """The resources on the site that have a start time, each with its calendar file."""
    return [r for r in library.published_resources() if r.starts is not None]


def stamp(resource: Resource, environ=os.environ) -> dt.datetime:
    if environ.get(SOURCE_DATE_EPOCH) is not None:
        return build_now(environ)
    if resource.date is not None:
        return day_start(resource.date)
    return resource.starts_at.astimezone(dt.UTC)


def _moment(resource: Resource, value: dt.datetime) -> dt.datetime:
    """A time as the file writes it: in its IANA zone (TZID), else in UTC."""
    return value if resource.timezone else value.astimezone(dt.UTC)


def event_ics(resource: Resource, settings: Settings, library: Library) -> bytes:
    """The iCalendar text of one event resource."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    event = icalendar.Event()
    host = urlsplit(settings.site_url).hostname or "catalyst"
    event.add("uid", f"{resource.slug}@{host}")
    event.add("dtstamp", stamp(resource))
    event.add("dtstart", _moment(resource, resource.starts_at))
    if resource.ends is not None:
        event.add("dtend", _moment(resource, resource.ends_at))
    event.add("summary", resource.title)
    event.add("description", resource.summary)
    if resource.location:
        event.add("location", resource.location)
    elif resource.online:
        event.add("location", "Online")
    post = library.post_for(resource)
    link = settings.site_url + urls.post_url(settings, post) if post else resource.url
    event.add("url", resource.registration or link)
    calendar.add_component(event)
    if resource.timezone:
        # The zone's rules around the event only: a file of a few lines, not of decades.
        first, last = resource.starts_at.year, (resource.ends_at or resource.starts_at).year
        calendar.add_missing_timezones(dt.date(first - 1, 1, 1), dt.date(last + 2, 1, 1))
    return calendar.to_ical()


def calendar_files(settings: Settings, library: Library) -> dict[str, bytes]:
    """Path from the site's top -> the `.ics` bytes, for every event on the site."""
    return {
        urls.event_calendar(r.slug): event_ics(r, settings, library) for r in events(library)
    }
