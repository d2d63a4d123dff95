"""A damaged state file, or an answer that is not what the API documents, through the real
command: one clear line naming the file or the request, exit 1 when the push cannot go on,
never a traceback; a damaged state file is reported, does not stop the push, and is written
anew whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fake_mailchimp import LIST_ID, answer_body
from mailchimp_support import MONTH, TITLE, catalyst, catalyst_process, point_at_fake

pytest_plugins = ["mailchimp_fixtures"]

STATE = "build/state/mailchimp.json"


@pytest.fixture
def pushed(fake, project: Path) -> Path:
    """The project, pushed once: Mailchimp has the issue's campaign, the state file names it."""
    point_at_fake(project)
    first = catalyst(project, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert first.exit_code == 0, first.output
    return project


def assert_clean_failure(result, message: str) -> None:
    """Exit 1, and the error is this one line, last, with no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's exit, not an escaped exception
    assert "Traceback" not in result.output
    assert result.output.splitlines()[-1] == f"Error: {message}"


def campaign_ids(fake) -> list[str]:
    return [c["id"] for c in fake.titled(TITLE)]


# ------------------------------------------------------------------ the state file


OTHER_MONTH = {"2023-05": {"campaign_id": "abcdef0123", "title": "Catalyst 2023-05"}}

DAMAGED = [
    ("empty", b"", 1, "is not valid JSON (Expecting value)"),
    (
        "cut short",
        b'{"issues": {"2023-06": {"campaign_id": "',
        1,
        "is not valid JSON (Unterminated",
    ),
    ("not UTF-8", b'{"issues": {}}\n\xff\xfe', 2, "is not UTF-8 (byte 0xff)"),
    ("a list", b"[]", 1, "is not a push's state (an object with `issues` by month)"),
    ("issues a list", b'{"issues": []}', 1, "is not a push's state"),
    (
        "an id that is a number",
        json.dumps({"issues": {**OTHER_MONTH, MONTH: {"campaign_id": 5}}}, indent=2).encode(),
        7,
        f"issues.{MONTH}.campaign_id: input should be a valid string; "
        "that issue's record is left out",
    ),
    (
        "a record that is a string",
        json.dumps({"issues": {**OTHER_MONTH, MONTH: "c0ffee"}}, indent=2).encode(),
        7,
        f"issues.{MONTH}: should be an object, not a string; that issue's record is left out",
    ),
    (
        "tested without its hash",
        json.dumps({"issues": {MONTH: {"tested": {"campaign_id": "x"}}}}).encode(),
        1,
        f"issues.{MONTH}.tested.sha256: field required",
    ),
]


@pytest.mark.parametrize(("name", "data", "line", "message"), DAMAGED, ids=[d[0] for d in DAMAGED])
def test_a_damaged_state_file_is_reported_and_written_anew_and_the_push_goes_on(
    fake, pushed, name, data, line, message
):
    [campaign_id] = campaign_ids(fake)
    (pushed / STATE).write_bytes(data)
    result = catalyst(pushed, "push", MONTH, "--allow-placeholders", env=fake.environ())

    assert result.exit_code == 0, result.output
    [warning] = [entry for entry in result.output.splitlines()
                 if ": warning: " in entry and "placeholder" not in entry]
    assert warning.startswith(f"  {STATE}:{line}: warning: {message}"), warning
    assert warning.endswith(" and written anew")
    assert f"found {TITLE!r} by its title (id {campaign_id}" in result.output
    assert campaign_ids(fake) == [campaign_id]  # found, not made again
    state = json.loads((pushed / STATE).read_text(encoding="utf-8"))
    assert state["issues"][MONTH]["campaign_id"] == campaign_id
    if b"2023-05" in data:  # the other month's good record is kept
        assert state["issues"]["2023-05"] == OTHER_MONTH["2023-05"]
    assert [p.name for p in (pushed / "build" / "state").iterdir() if p.name.startswith(".")] == []

    # Nothing more to report.
    quiet = catalyst(pushed, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert "mailchimp.json" not in quiet.output and "nothing to change" in quiet.output


def test_a_folder_in_place_of_the_state_file_stops_the_push_before_any_request(fake, pushed):
    (pushed / STATE).unlink()
    (pushed / STATE).mkdir()
    before = len(fake.requests)
    result = catalyst(pushed, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert_clean_failure(
        result,
        f"{STATE}: is a folder, where the push keeps its state file: move it away, then push again",
    )
    assert len(fake.requests) == before


def test_an_unreadable_state_file_stops_the_push_naming_it(fake, pushed):
    state = pushed / STATE
    state.unlink()
    state.symlink_to(state.name)  # a link to itself: reading it fails (as root, so would 000)
    result = catalyst(pushed, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert_clean_failure(
        result,
        f"{STATE}: cannot be read (Too many levels of symbolic links): fix or remove it, "
        "then push again",
    )


def test_a_state_folder_that_cannot_be_written_is_named(fake, pushed):
    state = pushed / "build" / "state"
    for child in state.iterdir():
        child.unlink()
    state.rmdir()
    state.write_text("not a folder")
    result = catalyst(pushed, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert_clean_failure(
        result,
        "build/state: is a file, where the push keeps its state: move it away, then push again",
    )


def test_a_damaged_state_file_through_the_installed_command(fake, pushed):
    (pushed / STATE).write_bytes(b"\x00\x01 garbage")
    result = catalyst_process(pushed, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert result.returncode == 0, result.stderr
    assert f"  {STATE}:1: warning: is not valid JSON (Expecting value); it is left out" in (
        result.stdout
    )
    assert "Traceback" not in result.stderr
    assert len(campaign_ids(fake)) == 1


# ------------------------------------------------------------------ answers


BAD_ANSWERS = [
    (
        "a proxy's page",
        answer_body("<html><body>Service paused</body></html>", "text/html"),
        ("GET", "/campaigns"),
        "GET /campaigns: Mailchimp answered 200 with something that is not JSON: "
        "'<html><body>Service paused</body></html>'",
    ),
    (
        "invalid JSON",
        answer_body('{"campaigns": [{"id": '),
        ("GET", "/campaigns"),
        "GET /campaigns: Mailchimp answered 200 with something that is not JSON: "
        '\'{"campaigns": [{"id":\'',
    ),
    (
        "a list",
        answer_body("[]"),
        ("GET", "/campaigns"),
        "GET /campaigns: Mailchimp answered 200 with a list where the API documents an "
        "object: '[]'",
    ),
    (
        "null",
        answer_body("null"),
        ("GET", "/campaigns"),
        "GET /campaigns: Mailchimp answered 200 with null where the API documents an "
        "object: 'null'",
    ),
    (
        "no body",
        answer_body(""),
        ("GET", f"/lists/{LIST_ID}"),
        f"GET /lists/{LIST_ID}: Mailchimp answered 200 with no content",
    ),
    (
        "a campaign without id",
        answer_body('{"web_id": 7, "status": "save"}'),
        ("POST", "/campaigns"),
        "POST /campaigns: Mailchimp's answer is not what the API documents: id: field required",
    ),
    (
        "a page of campaigns without ids",
        answer_body('{"campaigns": [{"status": "save"}, {"id": 4}], "total_items": 2}'),
        ("GET", "/campaigns"),
        "GET /campaigns: Mailchimp's answer is not what the API documents: "
        "campaigns.0.id: field required; campaigns.1.id: input should be a valid string; "
        "campaigns.1.status: field required",
    ),
    (
        "a time that is not one",
        answer_body(
            '{"campaigns": [{"id": "c1", "status": "save", "send_time": "soon"}], "total_items": 1}'
        ),
        ("GET", "/campaigns"),
        "GET /campaigns: Mailchimp's answer is not what the API documents: "
        "campaigns.0.send_time: not a date and time",
    ),
    (
        "content that is not text",
        answer_body('{"html": 5}'),
        ("PUT", r"/campaigns/.*/content"),
        r"PUT /campaigns/{id}/content: Mailchimp's answer is not what the API documents: "
        "html: input should be a valid string",
    ),
]


@pytest.mark.parametrize(
    ("name", "fault", "where", "message"), BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS]
)
def test_a_bad_answer_is_one_line_naming_the_request_and_a_rerun_converges(
    fake, project, june, name, fault, where, message
):
    point_at_fake(project)
    fake.inject(fault, method=where[0], path=where[1])
    result = catalyst(project, "push", MONTH, "--allow-placeholders", env=fake.environ())
    ids = campaign_ids(fake)
    assert_clean_failure(result, message.replace("{id}", ids[0] if ids else "-"))

    again = catalyst(project, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert again.exit_code == 0, again.output
    [campaign] = fake.titled(TITLE)
    assert fake.contents[campaign["id"]]["html"] == june[1]


def test_a_bad_answer_through_the_installed_command(fake, project):
    point_at_fake(project)
    fake.inject(answer_body("<h1>502 Bad Gateway</h1>", "text/html"), method="GET")
    result = catalyst_process(project, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert result.returncode == 1
    assert result.stderr == (
        "Error: GET /campaigns: Mailchimp answered 200 with something that is not JSON: "
        "'<h1>502 Bad Gateway</h1>'\n"
    )
    assert os.path.isdir(project / "build" / "state")  # the lock's folder, and nothing half-done
    assert not (project / STATE).exists()
