"""The loader and `catalyst check` on tiny broken files: each problem, its message and its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalyst import check
from catalyst.cli import main
from catalyst.config import load_settings

FIXTURES = Path(__file__).parent / "fixtures"
DESTINATIONS = {
    "resources": "content/resources",
    "catalyzers": "content/catalyzers",
    "posts": "content/blog/posts",
    "issues": "issues",
}


def add_fixture(project: Path, fixture: str) -> str:
    """Copy one fixture into the project where its kind lives; return its shown path."""
    source = FIXTURES / fixture
    kind = source.parent.name
    # Issues are named for their month; other files by slug.
    name = "2023-07.md" if kind == "issues" else source.stem.replace("_", "-") + ".md"
    target = f"{DESTINATIONS[kind]}/{name}"
    shutil.copy(source, project / target)
    return target


def problems_for(project: Path) -> list[str]:
    return [str(p) for p in check.run(load_settings(project / "mkdocs.yml"))]


CASES = [
    ("resources/resource_missing_title.md", 1, "title: required field missing"),
    ("resources/resource_missing_summary.md", 1, "summary: required field missing"),
    (
        "resources/resource_unknown_kind.md",
        3,
        "kind: 'vidoe' is not one of 'blog-post', 'video', 'podcast', 'article', 'report', "
        "'book', 'tool', 'event' or 'webinar'",
    ),
    (
        "resources/resource_with_url_and_post.md",
        5,
        "url/post: give exactly one of `url` or `post`, not both",
    ),
    (
        "resources/resource_with_neither_url_nor_post.md",
        1,
        "url/post: give exactly one of `url` or `post`, not neither",
    ),
    (
        "resources/resource_with_unknown_post.md",
        5,
        "post: no post 'how-might-learner-centered-systems' (did you mean "
        "'how-might-learner-centered-systems-promote-relationships-and-teamwork'?)",
    ),
    (
        "resources/resource_date_not_a_date.md",
        6,
        "date: 'last spring' is not a date (write YYYY-MM-DD)",
    ),
    (
        "resources/resource_image_missing.md",
        6,
        "image: image 'assets/images/no-such-picture.png' not found "
        "(looked for content/assets/images/no-such-picture.png)",
    ),
    (
        "resources/resource_malformed_yaml.md",
        4,
        "front matter is not valid YAML: while scanning a quoted scalar, "
        "found unexpected end of stream",
    ),
    (
        "resources/resource_without_front_matter.md",
        1,
        "no front matter: the file must start with a '---' line",
    ),
    (
        "resources/resource_unknown_field.md",
        6,
        "unknown field 'sumary', did you mean 'summary'? (allowed: date, draft, image, "
        "image_alt, kind, location, post, quote, starts, summary, tags, title, url)",
    ),
    ("catalyzers/catalyzer_missing_name.md", 1, "name: required field missing"),
    (
        "catalyzers/catalyzer_month_not_yyyy_mm.md",
        5,
        "month: 'June 2023' is not a month written YYYY-MM",
    ),
    (
        "catalyzers/catalyzer_photo_without_alt.md",
        6,
        "photo_alt: a photo needs alt text describing what it shows",
    ),
    ("issues/issue_missing_subject.md", 1, "subject: required field missing"),
    (
        "issues/issue_month_differs_from_file_name.md",
        2,
        "month: '2023-08' does not match the file name '2023-07.md'",
    ),
    (
        "issues/issue_with_unknown_resource.md",
        11,
        "sections[0].items[1]: no resource 'leading-the-way' "
        "(did you mean 'leading-the-way-to-trust-and-connectedness'?)",
    ),
    (
        "issues/issue_with_unknown_catalyzer.md",
        10,
        "sections[0].catalyzer: no catalyzer 'contessa' (did you mean 'contessa-orr'?)",
    ),
    (
        "issues/issue_with_unknown_section_kind.md",
        7,
        "sections[0].kind: 'poll' is not one of "
        "'announcement', 'story', 'resources', 'highlights', 'catalyzer'",
    ),
    ("issues/issue_section_missing_field.md", 7, "sections[0].text: required field missing"),
    (
        "issues/issue_story_image_without_alt.md",
        10,
        "sections[0].image_alt: an image needs alt text describing what it shows",
    ),
    (
        "issues/issue_send_at_without_offset.md",
        6,
        "send_at: give a time zone offset, e.g. 2023-06-06T09:00:00-04:00",
    ),
    ("posts/post_missing_date.md", 1, "date: required field missing"),
    (
        "posts/post_unknown_author.md",
        4,
        "authors[0]: no author 'devon' in blog/.authors.yml",
    ),
    (
        "posts/post_duplicate_slug.md",
        5,
        "duplicate post slug 'how-might-learner-centered-systems-promote-relationships-and-"
        "teamwork' (also content/blog/posts/how-might-learner-centered-systems-promote-"
        "relationships-and-teamwork.md)",
    ),
]


def test_the_repository_content_has_no_problem():
    root = Path(__file__).resolve().parent.parent
    assert problems_for(root) == []


@pytest.mark.parametrize(
    ("fixture", "line", "message"), CASES, ids=[Path(c[0]).stem for c in CASES]
)
def test_each_broken_file_fails_with_its_message_and_line(project, fixture, line, message):
    shown = add_fixture(project, fixture)
    assert problems_for(project) == [f"{shown}:{line}: error: {message}"]


def test_two_catalyzers_in_one_month_are_both_named(project):
    shown = add_fixture(project, "catalyzers/catalyzer_same_month_as_another.md")
    original = "content/catalyzers/contessa-orr.md"
    assert problems_for(project) == [
        f"{shown}:5: error: month: 2023-06 has more than one catalyzer (also {original})",
        f"{original}:6: error: month: 2023-06 has more than one catalyzer (also {shown})",
    ]


def test_one_run_reports_every_problem_not_the_first(project):
    for fixture in (
        "resources/resource_unknown_kind.md",
        "catalyzers/catalyzer_missing_name.md",
        "issues/issue_with_unknown_resource.md",
    ):
        add_fixture(project, fixture)
    problems = problems_for(project)
    assert len(problems) == 3
    assert {p.split(":")[0] for p in problems} == {
        "content/resources/resource-unknown-kind.md",
        "content/catalyzers/catalyzer-missing-name.md",
        "issues/2023-07.md",
    }


def test_a_resource_file_name_must_be_a_slug(project):
    shutil.copy(
        project / "content/resources/leading-the-way-to-trust-and-connectedness.md",
        project / "content/resources/Leading The Way.md",
    )
    assert problems_for(project) == [
        "content/resources/Leading The Way.md:1: error: file name: 'Leading The Way' is not a "
        "slug; rename it 'leading-the-way.md'"
    ]


def test_an_issue_featuring_a_draft_resource_is_an_error(project):
    path = project / "content/resources/leading-the-way-to-trust-and-connectedness.md"
    path.write_text(path.read_text().replace("kind: video", "kind: video\ndraft: true", 1))
    assert problems_for(project) == [
        "issues/2023-06.md:39: error: sections[2].items[1]: "
        "'leading-the-way-to-trust-and-connectedness' is a draft"
    ]


def test_check_command_exits_1_listing_each_problem(project, monkeypatch):
    add_fixture(project, "resources/resource_unknown_kind.md")
    add_fixture(project, "issues/issue_with_unknown_resource.md")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("content/resources/resource-unknown-kind.md:3: error: kind:")
    assert lines[1].startswith("issues/2023-07.md:11: error: sections[0].items[1]: no resource")
    assert "2 error(s), 0 warning(s)" in result.stderr


def test_check_command_exits_0_on_the_repository(project, monkeypatch):
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
