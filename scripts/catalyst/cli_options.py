"""`catalyst new`'s options, one for each front-matter field it can fill in, in one table."""

from __future__ import annotations

import click

TIMES = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%z"]
_TYPES = {
    "date": click.DateTime(["%Y-%m-%d"]),
    "starts": click.DateTime(TIMES),
    "ends": click.DateTime(TIMES),
}
# Each option as `--flag: help`, in the order `catalyst new --help` lists them. `--kind` fills
# in `resource_kind` (the command's argument is KIND, the kind of file).
NEW_FIELDS = """
--title: Title (post, resource, issue).
--name: The catalyzer's name.
--kind: Resource kind, e.g. video, article.
--url: The resource's outside link.
--post: The resource's blog post, by slug.
--summary: The resource's summary.
--description: The post's description.
--author: The post's author key (content/blog/.authors.yml).
--category: The post's category.
--role: The catalyzer's role.
--organization: The catalyzer's organization.
--location: The catalyzer's place, e.g. 'Muhlenberg County, KY'.
--month: YYYY-MM: the catalyzer's or the issue's month.
--subject: The issue's subject line.
--preview-text: The issue's preview text.
--date: YYYY-MM-DD: a post's or resource's date.
--starts: An event's start, e.g. 2024-12-10T09:00.
--ends: An event's end, e.g. 2024-12-10T15:00.
--timezone: An event's IANA time zone, e.g. America/Los_Angeles.
--registration: An event's registration link.
"""


def new_field_options(command):
    """`command` with an option for each of `NEW_FIELDS`."""
    for line in reversed(NEW_FIELDS.strip().splitlines()):
        flag, text = line.split(": ", 1)
        name = flag[2:].replace("-", "_")
        names = (flag, "resource_kind") if flag == "--kind" else (flag,)
        command = click.option(*names, type=_TYPES.get(name), help=text)(command)
    return command
