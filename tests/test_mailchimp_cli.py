"""`catalyst push` and `catalyst report` as an editor runs them: clear messages, exit 1 on a
refusal, a dry run without a key, and the API key in no output, file or traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalyst.cli import main
from fake_mailchimp import API_KEY, LIST_ID
from mailchimp_support import TITLE

pytest_plugins = ["mailchimp_fixtures"]

OTHER_KEY = "fedcba9876543210fedcba9876543210-us21"  # well formed, not the account's


@pytest.fixture
def newsletter_project(project: Path) -> Path:
    """The project, sending to the fake's audience."""
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace('audience_id: "0000000000"', f'audience_id: "{LIST_ID}"')
    )
    return project


def catalyst(project: Path, *args: str, env: dict):
    """The command, as an editor runs it. A push of the seed's issue says --allow-placeholders:
    the seed keeps its example.org addresses and sample ids on purpose, and these tests are
    about the push itself (test_placeholders.py is about refusing placeholders)."""
    if args[:1] == ("push",):
        args = (*args, "--allow-placeholders")
    return CliRunner().invoke(main, ["-f", str(project / "mkdocs.yml"), *args], env=env)


def assert_no_key(*texts: str, key: str = API_KEY) -> None:
    for text in texts:
        assert key not in text and key.split("-")[0] not in text


def test_push_and_repush_say_what_they_did_and_how_many_calls(fake, newsletter_project):
    first = catalyst(newsletter_project, "push", "2023-06", env=fake.environ())
    assert first.exit_code == 0, first.output
    assert f"Pushing {TITLE} to {fake.url}" in first.output
    assert "  created 'Catalyst 2023-06' (id " in first.output
    assert "API calls: 5 (3 reads, 2 writes)" in first.output

    again = catalyst(newsletter_project, "push", "2023-06", env=fake.environ())
    assert again.exit_code == 0, again.output
    assert "  nothing to change" in again.output
    assert "API calls: 2 (2 reads, 0 writes)" in again.output
    assert len(fake.titled(TITLE)) == 1
    assert_no_key(first.output, again.output)


def test_a_wrong_key_is_refused_with_mailchimps_words_and_not_shown(fake, newsletter_project):
    result = catalyst(newsletter_project, "push", "2023-06", env=fake.environ(OTHER_KEY))
    assert result.exit_code == 1
    assert (
        "Mailchimp refused GET /campaigns: 401 API Key Invalid: Your API key may be "
        "invalid" in result.output
    )
    assert "Check MAILCHIMP_API_KEY (the key is not shown)." in result.output
    assert_no_key(result.output, key=OTHER_KEY)
    assert fake.titled(TITLE) == []


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("0123456789abcdef0123456789abcdef", "it has no data-centre suffix such as -us21"),
        ("my-secret-passphrase-us21", "a key is 32 hexadecimal characters, a hyphen"),
    ],
    ids=["no data centre", "not hex"],
)
def test_a_malformed_key_is_named_not_shown(fake, newsletter_project, key, hint):
    result = catalyst(
        newsletter_project, "push", "2023-06", env={**fake.environ(), "MAILCHIMP_API_KEY": key}
    )
    assert result.exit_code == 1
    assert "MAILCHIMP_API_KEY is not a Mailchimp API key" in result.output
    assert hint in result.output and "(the value is not shown)" in result.output
    assert key not in result.output and "passphrase" not in result.output
    assert fake.requests == []


def test_an_unknown_audience_names_the_setting_to_fix(fake, project):
    result = catalyst(project, "push", "2023-06", env=fake.environ())  # audience 0000000000
    assert result.exit_code == 1
    assert (
        "mkdocs.yml: audience_id '0000000000': this Mailchimp account has no audience "
        "with that id" in result.output
    )
    assert fake.calls("POST") == []
    assert_no_key(result.output)


def test_a_400_shows_the_title_detail_and_each_field_error(fake, newsletter_project):
    # A saved segment the audience does not have: only Mailchimp can say no.
    config = newsletter_project / "mkdocs.yml"
    text = config.read_text()
    config.write_text(text.replace(f'audience_id: "{LIST_ID}"',
                                   f'audience_id: "{LIST_ID}"\n      segment_id: 999999'))
    result = catalyst(newsletter_project, "push", "2023-06", env=fake.environ())
    assert result.exit_code == 1, result.output
    assert (
        "Mailchimp refused POST /campaigns: 400 Invalid Resource: The resource submitted "
        "could not be validated. For field-specific details, see the 'errors' array.\n"
        "  recipients.segment_opts.saved_segment_id: Invalid segment id."
    ) in result.output
    assert fake.titled(TITLE) == []
    assert_no_key(result.output)


def test_a_subject_mailchimp_would_refuse_never_reaches_it(fake, newsletter_project):
    issue = newsletter_project / "issues" / "2023-06.md"
    long = "Catalyst: " + "trust and connectedness, " * 7
    issue.write_text(
        issue.read_text().replace(
            'subject: "Catalyst: learner-centered leadership begins with trust"',
            f'subject: "{long.strip()}"',
        )
    )
    result = catalyst(newsletter_project, "push", "2023-06", env=fake.environ())
    assert result.exit_code == 1, result.output
    assert ("issues/2023-06.md:4: error: subject: 184 characters: Mailchimp takes at most 150"
            in result.output)
    assert fake.calls("POST") == [] and fake.titled(TITLE) == []
    assert_no_key(result.output)


def test_send_now_without_yes_is_refused_and_sends_nothing(fake, newsletter_project):
    result = catalyst(newsletter_project, "push", "2023-06", "--send-now", env=fake.environ())
    assert result.exit_code == 1
    assert (
        "--send-now sends 'Catalyst 2023-06' to the whole audience at once, and it "
        "cannot be unsent: add --yes to confirm" in result.output
    )
    assert fake.requests == []


def test_test_addresses_may_be_repeated_or_comma_separated(fake, newsletter_project):
    result = catalyst(
        newsletter_project,
        "push",
        "2023-06",
        "--test",
        "ed@example.org,devin@example.org",
        "--test",
        "sam@example.org",
        env=fake.environ(),
    )
    assert result.exit_code == 0, result.output
    assert [emails for _, emails, _ in fake.test_sends] == [
        ["ed@example.org", "devin@example.org", "sam@example.org"]
    ]
    assert "sent a test to ed@example.org, devin@example.org, sam@example.org" in result.output


def test_a_month_that_is_not_one_is_a_usage_error(fake, newsletter_project):
    result = catalyst(newsletter_project, "push", "June", env=fake.environ())
    assert result.exit_code == 2
    assert "'June' is not a month written YYYY-MM" in result.output


# ------------------------------------------------------------------ dry runs


def outbox(project: Path) -> list[dict]:
    folder = project / "build" / "outbox" / "2023-06"
    return [json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))]


def test_without_a_key_push_writes_the_requests_to_the_outbox_and_touches_no_server(
    fake, newsletter_project
):
    env = {**fake.environ(), "MAILCHIMP_API_KEY": None}
    result = catalyst(newsletter_project, "push", "2023-06", env=env)
    assert result.exit_code == 0, result.output
    assert fake.requests == []
    assert "Dry run (no MAILCHIMP_API_KEY: nothing reaches Mailchimp)" in result.output
    assert "  would create 'Catalyst 2023-06'" in result.output
    assert result.output.rstrip().endswith(
        "The 5 requests it would make are in "
        f"{os.path.relpath(newsletter_project)}/build/outbox/2023-06/"
    )
    requests = outbox(newsletter_project)
    assert [(r["method"], r["path"]) for r in requests] == [
        ("GET", "/campaigns"),
        ("GET", f"/lists/{LIST_ID}"),
        ("GET", "/campaigns"),  # again, just before creating
        ("POST", "/campaigns"),
        ("PUT", "/campaigns/{campaign_id}/content"),
    ]
    create, content = requests[3]["body"], requests[4]["body"]
    assert create["type"] == "regular" and create["settings"]["title"] == TITLE
    assert create["recipients"] == {"list_id": LIST_ID}
    assert content["html"].startswith("<!DOCTYPE html") and content["plain_text"]
    assert requests[0]["url"].startswith("https://<dc>.api.mailchimp.com/3.0/campaigns?fields=")
    assert requests[0]["headers"]["Authorization"].startswith("Basic <redacted>")
    assert not any(r["sent"] for r in requests)
    assert not (newsletter_project / "build" / "state").exists()


def test_dry_run_with_a_key_reads_mailchimp_and_writes_only_the_outbox(fake, newsletter_project):
    assert catalyst(newsletter_project, "push", "2023-06", env=fake.environ()).exit_code == 0
    issue = newsletter_project / "issues" / "2023-06.md"
    issue.write_text(issue.read_text().replace("signature: Devin", "signature: Devin and team"))
    before = len(fake.requests)

    result = catalyst(newsletter_project, "push", "2023-06", "--dry-run", env=fake.environ())
    assert result.exit_code == 0, result.output
    assert "Dry run (--dry-run: only reads reach Mailchimp)" in result.output
    assert "  would upload the content" in result.output
    assert all(not r.writes for r in fake.requests[before:])
    [campaign] = fake.titled(TITLE)
    assert "Devin and team" not in fake.contents[campaign["id"]]["html"]
    requests = outbox(newsletter_project)
    assert [(r["method"], r["sent"]) for r in requests] == [
        ("GET", True),
        ("GET", True),
        ("PUT", False),
    ]
    assert "Devin and team" in requests[-1]["body"]["html"]
    assert requests[-1]["url"] == f"{fake.url}/campaigns/{campaign['id']}/content"
    # Every file, the email's prepared images too (read as bytes: the key is ASCII).
    files = [f for f in (newsletter_project / "build").rglob("*") if f.is_file()]
    text = "".join(f.read_bytes().decode("utf-8", "replace") for f in files)
    assert_no_key(text, result.output)


def test_each_dry_run_replaces_the_outbox_whole(fake, newsletter_project):
    env = {**fake.environ(), "MAILCHIMP_API_KEY": None}
    catalyst(newsletter_project, "push", "2023-06", "--test", "ed@example.org", env=env)
    assert len(outbox(newsletter_project)) == 6
    catalyst(newsletter_project, "push", "2023-06", env=env)
    assert len(outbox(newsletter_project)) == 5
    assert [p.name for p in (newsletter_project / "build" / "outbox").iterdir()] == ["2023-06"]


# ------------------------------------------------------------------ the report


def test_report_prints_a_table_and_json(fake, newsletter_project):
    catalyst(newsletter_project, "push", "2023-06", env=fake.environ())
    [campaign] = fake.titled(TITLE)
    fake.deliver(campaign["id"])
    fake.reports[campaign["id"]] = {
        "unsubscribed": 3,
        "opens": {"unique_opens": 612, "open_rate": 0.5083},
        "clicks": {"unique_subscriber_clicks": 143, "click_rate": 0.1188},
    }
    fake.clicks[campaign["id"]] = [
        {"url": "https://example.org/partnerships", "total_clicks": 54, "unique_clicks": 40},
        {"url": "https://example.org/nominate", "total_clicks": 12, "unique_clicks": 9},
    ]
    table = catalyst(newsletter_project, "report", "2023-06", env=fake.environ())
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].startswith("Catalyst 2023-06 (sent ")
    assert lines[1:5] == [
        "  Sends             1,204",
        "  Opens               612   50.8%",
        "  Clicks              143   11.9%",
        "  Unsubscribes          3",
    ]
    assert lines[5].split() == ["Top", "links", "Clicks", "Unique"]
    assert lines[6].split() == ["https://example.org/partnerships", "54", "40"]

    as_json = catalyst(newsletter_project, "report", "2023-06", "--json", env=fake.environ())
    data = json.loads(as_json.output)
    assert (data["sends"], data["opens"], data["clicks"], data["unsubscribes"]) == (
        1204,
        612,
        143,
        3,
    )
    assert data["top_links"][1] == {
        "url": "https://example.org/nominate",
        "clicks": 12,
        "unique_clicks": 9,
    }


def test_report_needs_a_key(fake, newsletter_project):
    result = catalyst(
        newsletter_project, "report", "2023-06", env={**fake.environ(), "MAILCHIMP_API_KEY": None}
    )
    assert result.exit_code == 1
    assert "the report is read from Mailchimp: set MAILCHIMP_API_KEY" in result.output


# ------------------------------------------------------------------ the real command


def test_the_installed_command_never_shows_the_key_even_when_it_fails(fake, newsletter_project):
    """Run as an editor would, in a process of its own: stdout, stderr, exit code."""
    env = {**os.environ, **fake.environ(OTHER_KEY), "NO_MKDOCS_2_WARNING": "1"}
    command = [
        sys.executable,
        "-c",
        "from catalyst.cli import run; run()",
        "-f",
        str(newsletter_project / "mkdocs.yml"),
        "push",
        "2023-06",
        "--allow-placeholders",
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Mailchimp refused GET /campaigns: 401")
    assert "Traceback" not in result.stderr
    assert_no_key(result.stdout, result.stderr, key=OTHER_KEY)
