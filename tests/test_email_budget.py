"""The email's size limit holds wherever an email is written or sent: `catalyst email`,
`catalyst push` and the site build (its web copy) all stop on an issue over email_max_kb;
above email_warn_kb they only warn. (The build's case is in test_build_errors.py's corpus.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalyst.cli import main

pytest_plugins = ["mailchimp_fixtures"]

ISSUE = "issues/2023-06.md"
PARAGRAPH = ("Learner-centered leadership starts with listening: to students, to families and to "
             "the educators who know them best. ") * 3


def catalyst(project: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["-f", str(project / "mkdocs.yml"), *args], env=env)


@pytest.fixture
def oversized(project: Path) -> Path:
    """The June issue with a letter padded by 260 more paragraphs: well over 90 KB."""
    issue = project / ISSUE
    padding = "\n\n".join(f"{n}. {PARAGRAPH}" for n in range(260))
    issue.write_text(issue.read_text(encoding="utf-8") + "\n" + padding + "\n", encoding="utf-8")
    return project


def size_in(message: str) -> float:
    match = re.search(rf"{re.escape(ISSUE)}:1: email is (\d+\.\d) KB; Gmail clips", message)
    assert match, message
    return float(match.group(1))


def test_email_refuses_an_oversized_issue_and_writes_nothing(oversized):
    out = oversized / "out"
    result = catalyst(oversized, "email", "2023-06", "-o", str(out))
    assert result.exit_code == 1
    assert size_in(result.stderr) > 90
    assert "keep it under 90 KB" in result.stderr
    assert result.stdout == "" and not out.exists()
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback


def test_push_refuses_an_oversized_issue_before_any_request(oversized, fake):
    config = oversized / "mkdocs.yml"
    config.write_text(config.read_text().replace('audience_id: "0000000000"',
                                                 'audience_id: "a1b2c3d4e5"'))
    for options in ([], ["--test", "ed@learner-centered.net"], ["--dry-run"]):
        result = catalyst(oversized, "push", "2023-06", "--allow-placeholders", *options,
                          env=fake.environ())
        assert result.exit_code == 1, result.output
        assert size_in(result.stderr) > 90
        assert fake.requests == []
    assert not (oversized / "build/outbox").exists()
    without_key = catalyst(oversized, "push", "2023-06", env={**fake.environ(),
                                                              "MAILCHIMP_API_KEY": None})
    assert without_key.exit_code == 1 and size_in(without_key.stderr) > 90


def test_above_the_warning_size_email_and_push_only_warn(project, fake):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("email_warn_kb: 75", "email_warn_kb: 5"))
    out = project / "out"
    result = catalyst(project, "email", "2023-06", "-o", str(out))
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.stdout.splitlines() if ": warning: " in line)
    assert warning.startswith(f"{ISSUE}:1: warning: email is ")
    assert 5 < float(re.search(r"email is (\d+\.\d) KB", warning).group(1)) < 90
    assert (out / "2023-06.html").is_file() and (out / "2023-06.txt").is_file()
    pushed = catalyst(project, "push", "2023-06", env={**fake.environ(),
                                                       "MAILCHIMP_API_KEY": None})
    assert pushed.exit_code == 0, pushed.output
    assert f"{ISSUE}:1: warning: email is " in pushed.stdout


def test_the_check_and_the_commands_agree_on_the_limit(oversized):
    """One rule: what `check` calls an error is what `email` refuses, with the same words."""
    checked = catalyst(oversized, "check")
    assert checked.exit_code == 1
    line = next(s for s in checked.stdout.splitlines() if "email is" in s)
    refused = catalyst(oversized, "email", "2023-06", "-o", str(oversized / "out"))
    assert line.split(": error: ", 1)[1] in refused.stderr
