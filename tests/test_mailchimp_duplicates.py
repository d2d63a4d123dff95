"""One campaign per issue, however Mailchimp answers late and however many pushes run: each
case ends with exactly one campaign with the issue's content."""

from __future__ import annotations

import json
import threading
import time

import pytest

from catalyst.mailchimp import api as mailchimp_api
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.push import push
from fake_mailchimp import LIST_ID, FakeMailchimp, late, slow
from mailchimp_support import MONTH, TITLE, catalyst_process, point_at_fake, quick, state_file

pytest_plugins = ["mailchimp_fixtures"]

TIMEOUT = 0.4


def connect(fake, *, settle: float = 0.0, notices: list | None = None):
    """A client that really waits (the fake applies late writes in real time)."""
    policy = quick(timeout=TIMEOUT, settle=settle, sleep=time.sleep)
    return mailchimp_api.connect(
        fake.environ(), policy=policy, on_retry=(notices if notices is not None else []).append
    )


def assert_one_campaign_with_the_issues_content(fake, june) -> dict:
    issue, html, text = june
    campaigns = fake.titled(TITLE)
    assert len(campaigns) == 1, [(c["id"], fake.contents[c["id"]]["html"][:20]) for c in campaigns]
    [campaign] = campaigns
    assert fake.contents[campaign["id"]] == {"html": html, "plain_text": text}
    assert campaign["settings"]["subject_line"] == issue.subject
    return campaign


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# ------------------------------------------------------------------ a create answered late


def test_a_create_mailchimp_makes_after_the_timeout_is_found_by_looking_again(
    fake, newsletter, june
):
    """Mailchimp makes the campaign 0.9 s in, after the client gave up (0.4 s) and after the
    first look: the push looks again a little later, finds it, and does not create another."""
    fake.inject(late(0.9), method="POST", path="/campaigns")
    notices = []
    result = push(*june, newsletter, connect(fake, settle=3.0, notices=notices))

    assert len(fake.calls("POST", "/campaigns")) == 1
    campaign = assert_one_campaign_with_the_issues_content(fake, june)
    assert result.campaign_id == campaign["id"]
    looks = [n for n in notices if "does not show it done yet; looking again in" in n]
    assert looks and looks[0].startswith("POST /campaigns: no answer within 0.4 s, and Mailchimp")
    assert (
        json.loads(state_file(newsletter).read_text())["issues"][MONTH]["campaign_id"]
        == (campaign["id"])
    )


@pytest.mark.parametrize("state", ["kept", "lost"])
def test_a_create_mailchimp_makes_after_the_push_stopped_looking_is_named_by_the_next(
    fake, newsletter, june, state
):
    """Made later still (2 s), after the push made the campaign again: the next push takes the
    one with the content (recorded, or the only one with content if the state file is gone),
    names the empty one to delete, and once it is deleted, all is quiet."""
    fake.inject(late(2.0), method="POST", path="/campaigns")
    first = push(*june, newsletter, connect(fake, settle=0.2))
    assert len(fake.calls("POST", "/campaigns")) == 2
    wait_for(lambda: len(fake.titled(TITLE)) == 2)
    [leftover] = [c for c in fake.titled(TITLE) if c["id"] != first.campaign_id]
    assert fake.contents[leftover["id"]]["html"] == ""
    if state == "lost":
        state_file(newsletter).unlink()

    again = push(*june, newsletter, connect(fake))
    assert again.campaign_id == first.campaign_id and again.written == []
    [warning] = [step for step in again.steps if step.startswith("warning:")]
    assert warning.startswith(f"warning: campaign {leftover['id']} (web id {leftover['web_id']},")
    assert "is empty and was never sent" in warning
    assert "Delete it in Mailchimp (Catalyst never deletes campaigns)" in warning

    del fake.campaigns[leftover["id"]]  # the editor deletes it, as told
    quiet = push(*june, newsletter, connect(fake))
    assert not [step for step in quiet.steps if step.startswith("warning:")]
    assert quiet.campaign_id == first.campaign_id
    assert_one_campaign_with_the_issues_content(fake, june)


def test_a_create_mailchimp_makes_before_its_slow_answer_is_taken_not_repeated(
    fake, newsletter, june
):
    fake.inject(slow(0.9), method="POST", path="/campaigns")
    push(*june, newsletter, connect(fake))
    assert len(fake.calls("POST", "/campaigns")) == 1
    assert_one_campaign_with_the_issues_content(fake, june)


# ------------------------------------------------------------------ pushes at once


class ElsewhereFirst(FakeMailchimp):
    """Another push (on another machine: no shared lock) creates the campaign while this one
    reads the audience, after it found no campaign with the title."""

    def respond(self, method, path, query, body):
        if method == "GET" and path == f"/lists/{LIST_ID}" and not self.titled(TITLE):
            self.add_campaign(TITLE)
        return super().respond(method, path, query, body)


def test_a_campaign_created_elsewhere_just_before_ours_is_taken(newsletter, june):
    with ElsewhereFirst() as fake:
        steps = []
        result = push(*june, newsletter, connect(fake), on_step=steps.append)
        assert fake.calls("POST", "/campaigns") == []
        assert f"{TITLE!r} was created meanwhile, elsewhere: taking it" in steps
        assert result.campaign_id == assert_one_campaign_with_the_issues_content(fake, june)["id"]


def test_two_pushes_of_a_month_at_once_in_threads_make_one_campaign(fake, newsletter, june):
    """The first push is held up reading the audience (as a slow Mailchimp would); without the
    lock, both would find no campaign and both would create one."""
    fake.inject(slow(1.5), method="GET", path=f"/lists/{LIST_ID}", times=2)
    outcomes: dict[str, object] = {}

    def one_push(name: str) -> None:
        try:
            outcomes[name] = push(*june, newsletter, connect(fake)).campaign_id
        except MailchimpError as error:
            outcomes[name] = error

    first = threading.Thread(target=one_push, args=("first",))
    first.start()
    wait_for(lambda: fake.calls("GET", f"/lists/{LIST_ID}"))
    started = time.monotonic()
    one_push("second")  # each with its own client
    refused_in = time.monotonic() - started
    first.join()

    campaign = assert_one_campaign_with_the_issues_content(fake, june)
    assert outcomes["first"] == campaign["id"]
    assert isinstance(outcomes["second"], MailchimpError)
    assert str(outcomes["second"]) == (
        f"another push of {MONTH} is running (it holds build/state/push-{MONTH}.lock): "
        "wait for it to finish, then push again"
    )
    assert refused_in < 1.0  # at once, not after the first push
    assert len(fake.calls("GET", "/campaigns")) == 2  # the first push's two lookups only


def test_two_pushes_of_a_month_at_once_in_processes_make_one_campaign(fake, project, june):
    """The installed command, twice: the second starts while the first holds the lock."""
    point_at_fake(project)
    fake.inject(slow(8.0), method="GET", path=f"/lists/{LIST_ID}", times=2)
    first = catalyst_process(project, "push", MONTH, "--allow-placeholders",
                             env=fake.environ(), wait=False)
    try:
        wait_for(lambda: fake.calls("GET", f"/lists/{LIST_ID}"), seconds=60)
        second = catalyst_process(project, "push", MONTH, "--allow-placeholders",
                                  env=fake.environ())
    finally:
        out, err = first.communicate(timeout=120)

    assert second.returncode == 1, second.stdout + second.stderr
    assert second.stderr.strip() == (
        f"Error: another push of {MONTH} is running (it holds build/state/push-{MONTH}.lock): "
        "wait for it to finish, then push again"
    )
    assert first.returncode == 0, out + err
    assert "Traceback" not in err + second.stderr
    assert len(fake.calls("GET", f"/lists/{LIST_ID}")) == 1  # the second asked nothing
    assert_one_campaign_with_the_issues_content(fake, june)

    # Once the first is done, the lock is free again.
    again = catalyst_process(project, "push", MONTH, "--allow-placeholders", env=fake.environ())
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
