"""`catalyst new`: each kind scaffolds a file that passes `catalyst check`; drafts stay hidden."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from catalyst.cli import main
from catalyst.content.scaffold import bounded_slug
from catalyst.content.schema import slugify
from conftest import mkdocs_build

# The commands run on 2023-06-20 (SOURCE_DATE_EPOCH): "the month after the latest issue" is
# then July 2023, whatever the clock says.
JUNE_20 = str(int(dt.datetime(2023, 6, 20, 12, tzinfo=dt.UTC).timestamp()))


def run(project, *args, when: str = JUNE_20):
    return CliRunner().invoke(
        main, ["-f", str(project / "mkdocs.yml"), *args], env={"SOURCE_DATE_EPOCH": when}
    )


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (["post", "--title", "Teams that learn"], "content/blog/posts/teams-that-learn.md"),
        (["resource", "--title", "Teams that learn", "--kind", "podcast"],
         "content/resources/teams-that-learn.md"),
        (["catalyzer", "--name", "Ada Example"], "content/catalyzers/ada-example.md"),
        (["issue", "--title", "Teams that learn"], "issues/2023-07.md"),
    ],
    ids=["post", "resource", "catalyzer", "issue"],
)
def test_new_file_of_each_kind_passes_check(project, args, path):
    result = run(project, "new", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == path
    assert (project / path).is_file()
    checked = run(project, "check")
    assert checked.exit_code == 0, checked.output
    # What the editor did not give is listed as a warning, at its line; every other line is
    # one of the seed's own placeholders (example.org addresses and the like), also a warning.
    lines = checked.stdout.splitlines()
    assert all(": warning: " in line for line in lines)
    assert all("placeholder" in line for line in lines if not line.startswith(f"{path}:"))
    assert checked.stdout.count(f"{path}:") >= 1


def test_new_refuses_to_overwrite_an_existing_file(project):
    target = project / "content/resources/leading-the-way-to-trust-and-connectedness.md"
    before = target.read_text()
    title = "Leading the way to trust and connectedness"
    result = run(project, "new", "resource", "--title", title,
                 "--kind", "video", "--url", "https://example.org/v", "--summary", "A video.")
    assert result.exit_code == 1
    assert "already exists: not overwriting it" in result.output
    assert target.read_text() == before


def test_a_complete_resource_is_not_a_draft(project):
    result = run(project, "new", "resource", "--title", "Report on teams", "--kind", "report",
                 "--url", "https://learner-centered.net/report", "--summary", "What teams need.")
    assert result.exit_code == 0
    text = (project / "content/resources/report-on-teams.md").read_text()
    assert "draft" not in text
    checked = run(project, "check")
    assert checked.exit_code == 0
    assert "content/resources/report-on-teams.md" not in checked.stdout


def test_a_new_issue_is_the_month_after_the_latest_with_that_months_catalyzer(project):
    catalyzer = run(project, "new", "catalyzer", "--name", "Ada Example", "--role", "Teacher",
                    "--organization", "Example School", "--location", "Example City, ST")
    assert catalyzer.exit_code == 0
    path = project / "content/catalyzers/ada-example.md"
    path.write_text(path.read_text().replace("draft: true\n", ""))
    result = run(project, "new", "issue")
    assert result.exit_code == 0, result.output
    text = (project / "issues/2023-07.md").read_text()
    assert "month: 2023-07" in text
    assert "catalyzer: ada-example" in text
    assert "Each month in Catalyst we’ll celebrate" in text  # the standing intro, carried over
    assert "signature: Devin" in text


def test_placeholders_in_a_published_file_are_errors(project):
    result = run(project, "new", "resource", "--title", "Half done", "--kind", "video")
    assert result.exit_code == 0
    path = project / "content/resources/half-done.md"
    path.write_text(path.read_text().replace("draft: true\n", ""))
    checked = run(project, "check")
    assert checked.exit_code == 1
    assert ("content/resources/half-done.md:4: error: summary: placeholder left in a published "
            "file: what it is and why it is worth a reader's time") in checked.stdout


def test_drafts_stay_out_of_the_site_and_feeds(project, tmp_path):
    for args in (["post", "--title", "Secret post"], ["catalyzer", "--name", "Secret Person"],
                 ["resource", "--title", "Secret resource"], ["issue", "--title", "Secret issue"]):
        assert run(project, "new", *args).exit_code == 0
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    for file in (tmp_path / "site").rglob("*"):
        if file.suffix in (".html", ".xml", ".json"):
            text = file.read_text(encoding="utf-8")
            assert "Secret" not in text, file
    assert not (tmp_path / "site/issues/2023-07").exists()


def test_an_issue_featuring_a_draft_catalyzer_is_an_error(project):
    issue = project / "issues/2023-06.md"
    catalyzer = project / "content/catalyzers/contessa-orr.md"
    text = catalyzer.read_text().replace("month: 2023-06", "month: 2023-06\ndraft: true")
    catalyzer.write_text(text)
    checked = run(project, "check", "--quiet")  # errors only
    assert checked.exit_code == 1
    assert checked.stdout.startswith("issues/2023-06.md:")
    assert "'contessa-orr' is a draft" in checked.stdout
    assert issue.is_file()


def _files(project):
    return sorted(p.relative_to(project).as_posix() for p in project.rglob("*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["issue", "--month", "../../x"], "--month '../../x' is not a month written YYYY-MM"),
        (["issue", "--month", "2023-13"], "--month '2023-13' is not a month written YYYY-MM"),
        (["catalyzer", "--name", "Ada", "--month", "../2023-07"], "is not a month written"),
        (["resource", "--title", "Index"],
         "--title 'Index' would make index.md, the folder's own page, not a resource"),
        (["post", "--title", "index"], "would make index.md"),
        (["post", "--title", "Two\nlines"], "--title must be one line of text"),
        (["post", "--title", "A post", "--category", "Leadershp"],
         "--category 'Leadershp' is not one of the blog's categories_allowed"),
    ],
    ids=["month-traversal", "month-13", "catalyzer-month", "index-resource", "index-post",
         "newline", "category"],
)
def test_new_refuses_what_would_land_wrong_and_writes_nothing(project, tmp_path, args, message):
    before = _files(tmp_path)
    result = run(project, "new", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _files(tmp_path) == before


def test_a_300_character_title_makes_a_bounded_slug_cut_at_a_word(project):
    title = " ".join(["Learner-centered"] * 17) + " teams"  # 295 characters
    assert len(title) > 290
    result = run(project, "new", "post", "--title", title)
    assert result.exit_code == 0, result.output
    path = project / result.stdout.strip()
    slug = path.stem
    assert len(slug) <= 80
    assert slugify(title).startswith(slug)
    assert slugify(title)[len(slug)] == "-"  # cut where a word ends
    assert f"slug: {slug}\n" in path.read_text()
    checked = run(project, "check")
    assert checked.exit_code == 0, checked.output


def test_bounded_slug_keeps_short_titles_whole_and_cuts_long_words():
    assert bounded_slug("Teams that learn") == "teams-that-learn"
    assert bounded_slug("x" * 300) == "x" * 80
    assert len(bounded_slug("word " * 100)) <= 80


# ---------------------------------------------------------------------------- the range (issue 13)


def _library(**issues):
    """A Library holding issues by month; `True` marks a draft."""
    from catalyst.content.library import Library
    from catalyst.content.schema import Issue

    library = Library()
    for month, draft in issues.items():
        month = month.removeprefix("m").replace("_", "-")
        library.issues[month] = Issue(month=month, subject="S", preview_text="P", title="T",
                                      draft=draft)
    return library


@pytest.mark.parametrize(
    ("issues", "today", "proposed"),
    [
        ({"m2024_10": False}, dt.date(2024, 10, 20), "2024-11"),  # the month after the latest
        ({"m2024_10": False, "m2024_11": True}, dt.date(2024, 10, 20), "2024-12"),  # draft: next
        ({"m2024_10": False, "m2025_03": True}, dt.date(2024, 10, 20), "2024-11"),  # not the draft
        ({"m2019_06": False}, dt.date(2024, 10, 20), "2024-10"),  # years ago: this month
        ({}, dt.date(2024, 10, 20), "2024-10"),  # no issue yet
        ({"m2024_12": False}, dt.date(2024, 12, 31), "2025-01"),  # over the year's end
    ],
    ids=["after-latest", "skips-a-started-draft", "ignores-later-drafts", "long-past",
         "none", "year-end"],
)
def test_a_new_issue_proposes_the_month_after_the_latest_published_one(issues, today, proposed):
    from catalyst.content.scaffold import next_month

    assert next_month(_library(**issues), today) == proposed


def test_a_new_issue_after_a_long_pause_is_for_this_month(project):
    november = str(int(dt.datetime(2024, 11, 3, tzinfo=dt.UTC).timestamp()))
    result = run(project, "new", "issue", when=november)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "issues/2024-11.md"


@pytest.mark.parametrize("kind", ["post", "resource"])
def test_new_takes_a_date_for_posts_and_resources(project, kind):
    result = run(project, "new", kind, "--title", "Dated one", "--date", "2023-05-04")
    assert result.exit_code == 0, result.output
    text = (project / result.stdout.strip()).read_text()
    assert "date: 2023-05-04\n" in text
    assert run(project, "check").exit_code == 0


def test_a_new_event_scaffolds_its_times_place_and_registration(project):
    import yaml

    result = run(project, "new", "resource", "--title", "Design summit", "--kind", "event")
    assert result.exit_code == 0, result.output
    path = project / "content/resources/design-summit.md"
    meta = yaml.safe_load(path.read_text().split("---")[1])
    assert {"starts", "ends", "timezone", "location", "registration"} <= meta.keys()
    assert meta["draft"] is True
    checked = run(project, "check")
    assert checked.exit_code == 0, checked.output
    # Each placeholder is listed at its own line, by field.
    lines = path.read_text().splitlines()
    for field in ("starts", "ends", "timezone", "location"):
        line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{field}:"))
        assert f"design-summit.md:{line}: warning: {field}: placeholder:" in checked.stdout


def test_a_complete_new_event_is_ready_and_reads_in_its_zone(project):
    result = run(project, "new", "resource", "--title", "Winter webinar", "--kind", "webinar",
                 "--url", "https://learner-centered.net/webinar", "--summary", "An hour on teams.",
                 "--starts", "2023-07-11T09:00", "--ends", "2023-07-11T10:30",
                 "--timezone", "America/Chicago", "--location", "Online",
                 "--registration", "https://learner-centered.net/register")
    assert result.exit_code == 0, result.output
    text = (project / "content/resources/winter-webinar.md").read_text()
    assert "draft" not in text
    from catalyst.content import loader
    from catalyst.content.events import resource_when
    from catalyst.settings import load_settings

    library, problems = loader.load(load_settings(project / "mkdocs.yml"))
    assert not [p for p in problems if p.level == "error"]
    assert resource_when(library.resources["winter-webinar"]) == (
        "Tue, Jul 11, 9:00 AM \u2013 10:30 AM CT"
    )


def test_new_refuses_a_time_zone_that_does_not_exist(project):
    result = run(project, "new", "resource", "--title", "Summit", "--kind", "event",
                 "--timezone", "Pacific Time")
    assert result.exit_code != 0
    assert "--timezone: 'Pacific Time' is not a time zone" in result.output
    assert not (project / "content/resources/summit.md").exists()
