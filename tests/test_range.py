"""The newsletter's full range (issue 13): a November 2024 issue in the real late-2024 shape,
written from the editors' guide alone (tests/fixtures/months/2024-11), checked, and read in its
email (HTML parsed, and the text part), on the built site, and in its event's calendar file.

One copy of the project with that month added is built once for the module: `catalyst check`,
the email, and the real `mkdocs build --strict`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from catalyst import urls
from catalyst.cli import main
from catalyst.content import events, schema, sections
from catalyst.content import loader as content
from catalyst.email import build as emails
from catalyst.email.rendered import CONTENT_WIDTH
from catalyst.settings import load_settings
from catalyst.site import calendar
from conftest import ROOT, copy_project, mkdocs_build

MONTH = "2024-11"
FIXTURE = ROOT / "tests" / "fixtures" / "months" / MONTH
SITE = "https://catalyst.example.org/"
SUMMIT = "learner-centered-leadership-summit"
# What the guide's example promises readers see for the summit, everywhere.
SUMMIT_WHEN = "Tue, Dec 10, 9:00 AM \u2013 3:00 PM PT"
# The sections of the issue, in order: the label each shows in the email and on the site.
HEADINGS = [
    "Building the movement",
    "Making an impact",
    "What I'm reading",
    "Learner-Centered Catalyzer",
    "Job posting",
    "Partner survey",
]
HIGHLIGHT_LINKS = {
    "Design39 Campus": "https://learner-centered.net/partners/design39",
    "Muhlenberg County Public Schools": "https://learner-centered.net/partners/muhlenberg",
    "Logan County Schools": "https://learner-centered.net/partners/logan-county",
}
STORY = "https://learner-centered.net/stories/muhlenberg-portfolios"


@dataclasses.dataclass
class November:
    project: Path
    settings: object
    library: object
    email: emails.RenderedEmail
    soup: BeautifulSoup
    site: Path


def add_month(project: Path) -> Path:
    shutil.copytree(FIXTURE, project, dirs_exist_ok=True)
    return project


@pytest.fixture(scope="module")
def november(tmp_path_factory) -> November:
    project = add_month(copy_project(tmp_path_factory.mktemp("november") / "project"))
    settings = load_settings(project / "mkdocs.yml")
    library, problems = content.load(settings)
    assert not [p for p in problems if p.level == "error"], problems
    email = emails.build(settings, library, MONTH, cache=False)
    site = tmp_path_factory.mktemp("november-site") / "site"
    result = mkdocs_build(project / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    return November(project, settings, library, email, BeautifulSoup(email.html, "lxml"), site)


def run(project: Path, *args):
    return CliRunner().invoke(main, ["-f", str(project / "mkdocs.yml"), *args])


def page(november: November) -> BeautifulSoup:
    html = (november.site / "issues" / MONTH / "index.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "lxml").select_one("article.md-content__inner")


# ---------------------------------------------------------------------------- check


def test_the_month_passes_check_with_no_error_and_no_warning_of_its_own(november):
    result = run(november.project, "check")
    assert result.exit_code == 0, result.output
    files = tuple(
        path.relative_to(FIXTURE).as_posix() + ":" for path in FIXTURE.rglob("*.md")
    )
    assert len(files) == 7
    assert [line for line in result.stdout.splitlines() if line.startswith(files)] == []


# ---------------------------------------------------------------------------- the email


def test_the_email_has_every_section_in_order(november):
    soup = november.soup
    assert soup.select_one("h1.h1").get_text() == "Building the movement together"
    letter = soup.select_one("td.cell-first")
    paragraphs = [p.get_text() for p in letter.find_all("p")]
    assert paragraphs[0] == "Dear Esteemed Colleague,"
    assert paragraphs[-1] == "Yours in learner-centered collaboration,Devin"
    assert [h.get_text() for h in soup.select("h2.label")] == HEADINGS


def test_the_summit_reads_with_its_day_time_zone_place_and_links(november):
    card = november.soup.find("a", string="Learner-Centered Leadership Summit").find_parent("div")
    assert card.select_one("p.kind").get_text() == "EVENT"
    assert card.select_one("p.meta").get_text() == f"{SUMMIT_WHEN} · San Diego, CA"
    links = {a.get_text(): a["href"] for a in card.find_all("a")}
    calendar_url = urlsplit(links["Add to calendar"])
    assert f"{calendar_url.scheme}://{calendar_url.netloc}/" == SITE
    assert calendar_url.path == f"/{urls.event_calendar(SUMMIT)}"
    assert links["Register"] == "https://learner-centered.net/summit-2024/register"
    recording = november.soup.find("a", string="Designing for belonging").find_parent("div")
    assert recording.select_one("p.kind").get_text() == "WEBINAR RECORDING"
    assert "Add to calendar" not in recording.get_text()  # a recording is not on a calendar


def test_three_highlights_each_link_and_a_markdown_link_in_a_quote_is_a_link(november):
    section = november.soup.find("h2", string="Making an impact").parent
    titles = {h.get_text(): h.find("a")["href"] for h in section.select("h3")}
    assert titles == HIGHLIGHT_LINKS
    quote = section.find("blockquote")
    assert quote.find("a", string="Read the story")["href"] == STORY
    for text in (november.email.html, november.email.text):
        assert "](" not in text and "[Read the story" not in text


def test_the_reading_list_shows_its_article_quote_podcast_and_book(november):
    section = november.soup.find("h2", string="What I'm reading").parent
    kinds = [p.get_text() for p in section.select("p.kind")]
    assert kinds == ["ARTICLE", "PODCAST", "BOOK"]
    assert section.find("blockquote").get_text(strip=True).startswith("Agency is not something")


def test_the_catalyzer_photo_and_links_and_the_calls_to_action(november):
    soup = november.soup
    catalyzer = soup.find("h2", string="Learner-Centered Catalyzer").parent
    photo = catalyzer.find("img", alt="Maya Rivera standing in her school's courtyard")
    assert "portrait" in photo["class"] and "fluid" not in photo["class"]
    hrefs = [a["href"] for a in catalyzer.find_all("a")]
    assert "https://learner-centered.net/stories/riverside-advisory" in hrefs
    assert any(h.startswith(f"{SITE}catalyzers/maya-rivera/") for h in hrefs)
    job = soup.find("h2", string="Job posting").parent
    assert job.select_one("p.meta").get_text() == (
        "Riverside Unified School District · Riverside, CA · Apply by December 1, 2024"
    )
    buttons = {a.get_text(): a["href"] for a in soup.select("a.button")}
    assert buttons["See the job posting"] == "https://learner-centered.net/jobs/riverside-director"
    assert buttons["Take the survey"] == "https://learner-centered.net/survey/2025"


def test_no_image_smaller_than_the_column_grows_on_a_phone(november):
    """The small-screen rule stretches `.fluid` images to the column: only images that are
    as wide as the column carry it; the partner's 200 px logo keeps its size."""
    images = november.soup.select("td img")
    assert images
    for image in images:
        width = int(image["width"])
        classes = image["class"]
        assert ("fluid" in classes) == (width >= CONTENT_WIDTH), (image["src"], width, classes)
    logo = november.soup.find("img", alt="The Design39 Campus logo")
    assert (logo["width"], "fixed" in logo["class"]) == ("200", True)


def test_the_text_part_has_every_section_in_order_with_plain_links(november):
    text = november.email.text
    places = [text.index(f"\n{heading.upper()}\n") for heading in HEADINGS]
    assert places == sorted(places)
    assert text.index("Dear Esteemed Colleague,") < places[0]
    assert f"{SUMMIT_WHEN} · San Diego, CA" in text
    assert f"Add to calendar:\n{SITE}{urls.event_calendar(SUMMIT)}?" in text
    assert "Read the\n> story (" + STORY + ")" in text or f"Read the story ({STORY})" in text
    for url in HIGHLIGHT_LINKS.values():
        assert f"\n{url}\n" in text
    assert "See the job posting: https://learner-centered.net/jobs/riverside-director" in text
    assert "Take the survey: https://learner-centered.net/survey/2025" in text


# ---------------------------------------------------------------------------- the site


def test_the_issue_page_shows_every_section_in_order(november):
    article = page(november)
    assert [h.get_text(strip=True).rstrip("¶") for h in article.find_all("h2")] == HEADINGS
    assert article.select_one(".catalyst-letter p").get_text() == "Dear Esteemed Colleague,"


def test_the_issue_page_shows_the_catalyzer_photo_links_and_event(november):
    article = page(november)
    catalyzer = article.select_one(".catalyst-catalyzer")
    photo = catalyzer.find("img", alt="Maya Rivera standing in her school's courtyard")
    assert photo is not None
    hrefs = [a["href"] for a in catalyzer.find_all("a")]
    assert "https://learner-centered.net/stories/riverside-advisory" in hrefs
    assert "https://www.linkedin.com/in/maya-rivera-example" in hrefs
    card = article.find("a", string="Learner-Centered Leadership Summit").find_parent("li")
    assert SUMMIT_WHEN in card.get_text()
    adds = [a for a in card.find_all("a") if a.get_text(strip=True) == "Add to calendar"]
    assert [a["href"] for a in adds] == [f"../../{urls.event_calendar(SUMMIT)}"]
    highlights = article.select_one(".catalyst-highlights")
    assert {h.find("a").get_text(): h.find("a")["href"] for h in highlights.find_all("h3")} == (
        HIGHLIGHT_LINKS
    )
    assert highlights.find("blockquote").find("a", string="Read the story")["href"] == STORY
    assert "](" not in article.get_text()


def test_every_link_and_image_of_the_issue_page_inside_the_site_exists(november):
    issue_dir = november.site / "issues" / MONTH
    article = page(november)
    targets = [a["href"] for a in article.find_all("a", href=True)]
    targets += [img["src"] for img in article.find_all("img")]
    local = [t for t in targets if not urlsplit(t).scheme and not t.startswith("#")]
    assert any(t.endswith(".ics") for t in local)
    for target in local:
        path = (issue_dir / urlsplit(target).path).resolve()
        if path.is_dir():
            path = path / "index.html"
        assert path.is_file(), target


# ---------------------------------------------------------------------------- the calendar file


def read_ics(november: November, slug: str = SUMMIT) -> icalendar.Event:
    data = (november.site / urls.event_calendar(slug)).read_bytes()
    parsed = icalendar.Calendar.from_ical(data)
    found = [c for c in parsed.walk("VEVENT")]
    assert len(found) == 1
    return parsed, found[0]


def test_the_ics_is_valid_and_says_the_same_time_and_zone(november):
    parsed, event = read_ics(november)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    starts, ends = event.decoded("DTSTART"), event.decoded("DTEND")
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    assert starts == dt.datetime(2024, 12, 10, 9, tzinfo=zone)
    assert ends == dt.datetime(2024, 12, 10, 15, tzinfo=zone)
    assert event["DTSTART"].params["TZID"] == "America/Los_Angeles"
    # The calendar's time, in the words of the email, its text part and the site.
    said = events.when(starts.astimezone(zone), ends.astimezone(zone))
    assert said == SUMMIT_WHEN
    card = november.soup.find("a", string="Learner-Centered Leadership Summit").find_parent("div")
    assert card.select_one("p.meta").get_text().startswith(said)
    assert said in november.email.text
    assert said in page(november).get_text()
    assert str(event["SUMMARY"]) == "Learner-Centered Leadership Summit"
    assert str(event["LOCATION"]) == "San Diego, CA"
    assert str(event["UID"]) == f"{SUMMIT}@catalyst.example.org"
    assert str(event["URL"]) == "https://learner-centered.net/summit-2024/register"


def test_the_ics_is_the_same_bytes_on_every_build(november, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    resource = november.library.resources[SUMMIT]
    first = calendar.event_ics(resource, november.settings, november.library)
    assert first == (november.site / urls.event_calendar(SUMMIT)).read_bytes()
    _, event = read_ics(november)
    assert event.decoded("DTSTAMP") == dt.datetime(2024, 10, 28, tzinfo=dt.UTC)  # its `date`
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1733000000")
    stamped = icalendar.Calendar.from_ical(
        calendar.event_ics(resource, november.settings, november.library)
    )
    event = next(iter(stamped.walk("VEVENT")))
    assert event.decoded("DTSTAMP") == dt.datetime.fromtimestamp(1733000000, dt.UTC)


def test_an_event_given_with_an_offset_is_written_in_utc_and_reads_as_that_offset(project):
    (project / "content" / "resources" / "online-forum.md").write_text(
        "---\ntitle: Online forum\nkind: event\nurl: https://learner-centered.net/forum\n"
        "summary: An hour together.\nstarts: 2024-12-10T09:00:00-05:00\n"
        "ends: 2024-12-10T10:00:00-05:00\nonline: true\n---\n",
        encoding="utf-8",
    )
    settings = load_settings(project / "mkdocs.yml")
    library, problems = content.load(settings)
    assert not [p for p in problems if p.level == "error"], problems
    resource = library.resources["online-forum"]
    assert events.resource_when(resource) == "Tue, Dec 10, 9:00 AM \u2013 10:00 AM UTC\u22125"
    parsed = icalendar.Calendar.from_ical(calendar.event_ics(resource, settings, library))
    event = next(iter(parsed.walk("VEVENT")))
    assert event.decoded("DTSTART") == dt.datetime(2024, 12, 10, 14, tzinfo=dt.UTC)
    assert str(event["LOCATION"]) == "Online"


# ---------------------------------------------------------------------------- editors' mistakes


@pytest.mark.parametrize(
    ("fields", "line", "message"),
    [
        ("starts: 2024-12-10T09:00:00\n", 6,
         "starts: 2024-12-10T09:00 has no time zone: add its offset "
         "(2024-12-10T09:00:00-08:00) or the event's `timezone:` (e.g. America/Los_Angeles)"),
        ("starts: 2024-12-10T09:00:00-08:00\nends: 2024-12-10T15:00:00\n", 7,
         "ends: 2024-12-10T15:00 has no time zone: add its offset "
         "(2024-12-10T15:00:00-08:00) or the event's `timezone:` (e.g. America/Los_Angeles)"),
        ("starts: 2024-12-10T09:00:00\ntimezone: Pacific\n", 7,
         "timezone: 'Pacific' is not a time zone (did you mean 'US/Pacific'?): write its IANA "
         "name, e.g. America/Los_Angeles, America/New_York, Europe/London"),
        ("starts: 2024-12-10T09:00:00-05:00\ntimezone: America/Los_Angeles\n", 6,
         "starts: the offset of 2024-12-10T09:00:00-05:00 is not America/Los_Angeles's on that "
         "day (-08:00): give the local time without an offset, or the right one"),
        ("starts: 2024-12-10T09:00:00-08:00\nends: 2024-12-09T09:00:00-08:00\n", 7,
         "ends: the event ends before it `starts`"),
        ("urll: https://learner-centered.net/x\n", 6,
         "unknown field 'urll', did you mean 'url'? (allowed: date, draft, ends, image, "
         "image_alt, kind, location, note, online, post, quote, registration, starts, summary, "
         "tags, timezone, title, url)"),
    ],
    ids=["starts-without-zone", "ends-without-zone", "unknown-zone", "offset-not-the-zones",
         "ends-before-starts", "unknown-field"],
)
def test_an_event_time_mistake_names_its_field_and_line(project, fields, line, message):
    path = project / "content" / "resources" / "summit.md"
    path.write_text(
        "---\ntitle: Summit\nkind: event\nsummary: A day.\nurl: https://learner-centered.net/s\n"
        + fields + "---\n",
        encoding="utf-8",
    )
    result = run(project, "check", "--quiet")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"content/resources/summit.md:{line}: error: {message}"]


def test_an_unknown_highlight_field_lists_the_allowed_ones(project):
    issue = project / "issues" / "2023-06.md"
    text = issue.read_text(encoding="utf-8").replace(
        "  - kind: catalyzer\n",
        "  - kind: highlights\n    heading: Partners\n    items:\n      - title: A school\n"
        "        link: https://learner-centered.net/a\n  - kind: catalyzer\n",
    )
    issue.write_text(text, encoding="utf-8")
    result = run(project, "check", "--quiet")
    assert result.exit_code == 1
    line = text.splitlines().index("        link: https://learner-centered.net/a") + 1
    assert result.stdout.splitlines() == [
        f"issues/2023-06.md:{line}: error: sections[3].items[0]: unknown field 'link' "
        "(allowed: attribution, image, image_alt, quote, text, title, url)"
    ]


# ---------------------------------------------------------------------------- the guide


def _documented_models():
    yield from (schema.Page, schema.Post, schema.Resource, schema.Catalyzer, schema.Issue,
                schema.Link)
    yield from (sections.Announcement, sections.Story, sections.StoryLink,
                sections.ResourcesSection, sections.Highlights, sections.Highlight,
                sections.CatalyzerSection, sections.Job, sections.Survey)


def test_the_guide_names_every_field_of_every_kind():
    guide = (ROOT / "content" / "editors-guide.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_]+)(?::[^`]*)?`", guide))
    missing = {
        f"{model.__name__}.{field}"
        for model in _documented_models()
        for field in model.front_matter_fields()
        if field not in named
    }
    assert missing == set()
    kinds = typing_kinds()
    for kind in kinds:
        assert f"**`{kind}`**" in guide, kind
    for kind in schema.RESOURCE_KINDS:
        assert f"`{kind}`" in guide, kind


def typing_kinds() -> list[str]:
    import typing

    union = typing.get_args(sections.Section)[0]
    return [typing.get_args(m.model_fields["kind"].annotation)[0] for m in typing.get_args(union)]


def test_every_section_kind_has_its_three_macros():
    """The recipe in the guide: a kind is its model and one macro of its name per output."""
    import jinja2

    for folder, name in (("email", "sections.html.j2"), ("email", "sections.txt.j2"),
                         ("pages", "sections.md.j2")):
        source = (ROOT / "templates" / folder / name).read_text(encoding="utf-8")
        macros = set(re.findall(r"{%-?\s*macro\s+(\w+)\(", source))
        assert set(typing_kinds()) <= macros, (name, set(typing_kinds()) - macros)
        jinja2.Environment().parse(source)


def test_the_schema_modules_stay_small():
    package = ROOT / "scripts" / "catalyst" / "content"
    for name in ("schema.py", "sections.py", "fields.py", "events.py", "scaffold.py",
                 "validation.py"):
        lines = (package / name).read_text(encoding="utf-8").count("\n")
        assert lines < 400, (name, lines)


@pytest.mark.parametrize("kind", ["resource", "catalyzer", "issue"])
def test_a_slug_in_front_matter_stays_an_error(project, kind):
    path = {
        "resource": project / "content/resources/leading-the-way-to-trust-and-connectedness.md",
        "catalyzer": project / "content/catalyzers/contessa-orr.md",
        "issue": project / "issues/2023-06.md",
    }[kind]
    path.write_text(path.read_text(encoding="utf-8").replace("---\n", "---\nslug: x\n", 1),
                    encoding="utf-8")
    result = run(project, "check", "--quiet")
    assert result.exit_code == 1
    shown = path.relative_to(project).as_posix()
    assert [line for line in result.stdout.splitlines() if line.startswith(shown)] == [
        f"{shown}:2: error: slug: not a front-matter field here: Catalyst fills it in from the "
        "file's name; remove it"
        if kind != "issue"
        else f"{shown}:2: error: unknown field 'slug' (allowed: draft, greeting, month, "
        "preview_text, sections, send_at, sign_off, signature, subject, title)"
    ]


# ---------------------------------------------------------------------------- in a browser


@pytest.mark.parametrize("width", [375, 600])
def test_each_image_shows_at_its_intended_size_at_every_width(november, chromium, width):
    """On a phone only images as wide as the column fill it; the catalyzer's photo stays
    120 px and the partner's logo 200 px (the issue was a 160 px photo stretched to 343)."""
    from catalyst.email import browser

    shown = browser.open_email(chromium, november.email.html, november.settings, width)
    try:
        sizes = shown.evaluate(
            "[...document.images].map(i => [i.alt, i.getBoundingClientRect().width,"
            " i.complete && i.naturalWidth > 0])"
        )
    finally:
        shown.close()
    widths = {alt: size for alt, size, _ in sizes}
    assert all(loaded for *_, loaded in sizes), sizes
    assert widths["Maya Rivera standing in her school's courtyard"] == 120
    assert widths["The Design39 Campus logo"] == 200
