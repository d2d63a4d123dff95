"""Faults on each call of a push, in turn: the push succeeds or fails cleanly, and a re-run
always converges to exactly one campaign with the right settings and content."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import traceback

import pytest

from catalyst.mailchimp import api as mailchimp_api
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.push import PushOptions, push
from fake_mailchimp import (
    API_KEY,
    BAD_GATEWAY,
    DROPPED,
    LOST_AFTER_WRITE,
    RATE_LIMITED,
    SERVER_ERROR,
    UNAVAILABLE,
    FakeMailchimp,
    Fault,
    slow,
)
from mailchimp_support import TITLE, Waits, connect, quick, soon, state_file

pytest_plugins = ["mailchimp_fixtures"]

# Slower than the timeout here: the client gives up and asks again.
TIMEOUT = 0.5
SLOW = slow(0.8)
ONCE = [RATE_LIMITED, SERVER_ERROR, UNAVAILABLE, BAD_GATEWAY, DROPPED, SLOW, LOST_AFTER_WRITE]
# From one call on, every call fails: the push must stop cleanly part-way.
FOR_GOOD = [SERVER_ERROR, DROPPED, LOST_AFTER_WRITE]


@dataclasses.dataclass
class Scenario:
    """A push to make (after `setup` pushes), and what the campaign must be in the end."""

    name: str
    edited: bool = False
    options: PushOptions = PushOptions()

    def email(self, june):
        issue, html, text = june
        if not self.edited:
            return issue, html, text
        issue = issue.model_copy(update={"subject": "Catalyst: trust, then teams"})
        return issue, html.replace("Trust and connectedness", "Trust, then teams"), text + "\n"

    def setup(self, fake, settings, june) -> None:
        if self.name != "create":
            push(*june, settings, connect(fake))

    def push(self, fake, settings, june, issue_send_at):
        issue, html, text = self.email(june)
        issue = issue.model_copy(update={"send_at": issue_send_at})
        return push(
            issue, html, text, settings, connect(fake, quick(timeout=TIMEOUT)), self.options
        )

    def assert_converged(self, fake, settings, june, send_at) -> None:
        issue, html, text = self.email(june)
        campaigns = fake.titled(TITLE)
        assert len(campaigns) == 1, [c["id"] for c in campaigns]
        [campaign] = campaigns
        assert fake.contents[campaign["id"]] == {"html": html, "plain_text": text}
        assert campaign["settings"]["subject_line"] == issue.subject
        recorded = json.loads(state_file(settings).read_text())["issues"]["2023-06"]
        assert recorded["campaign_id"] == campaign["id"]
        if self.options.schedule:
            assert campaign["status"] == "schedule"
            assert dt.datetime.fromisoformat(campaign["send_time"]) == send_at
            assert fake.test_sends and fake.test_sends[-1][0] == campaign["id"]
        else:
            assert campaign["status"] == "save"


SCENARIOS = [
    Scenario("create"),
    Scenario("update", edited=True),
    Scenario(
        "test-and-schedule", options=PushOptions(test_emails=("ed@example.org",), schedule=True)
    ),
]


def calls_of(scenario, settings, june, send_at) -> int:
    """How many requests the scenario's push makes when nothing goes wrong."""
    with FakeMailchimp() as fake:
        scenario.setup(fake, settings, june)
        before = len(fake.requests)
        scenario.push(fake, settings, june, send_at)
        return len(fake.requests) - before


def each_call_faulted(scenario, fault, times, newsletter, june, tmp_path):
    send_at = soon()
    calls = calls_of(
        scenario, dataclasses.replace(newsletter, build_dir=tmp_path / "clean"), june, send_at
    )
    assert calls >= 2
    outcomes = []
    for n in range(calls):
        settings = dataclasses.replace(newsletter, build_dir=tmp_path / f"build-{n}")
        with FakeMailchimp() as fake:
            scenario.setup(fake, settings, june)
            fake.inject(fault, nth=0 if n == 0 else n, times=times)
            try:
                scenario.push(fake, settings, june, send_at)
                outcomes.append("ok")
            except MailchimpError as error:  # a clean failure: one message, no key
                outcomes.append("failed")
                assert API_KEY not in str(error) and API_KEY[:32] not in str(error)
                assert error.__cause__ is None and error.__suppress_context__
            if state_file(settings).exists():
                json.loads(state_file(settings).read_text())  # never a partial file
            fake.clear_faults()
            scenario.push(fake, settings, june, send_at)
            try:
                scenario.assert_converged(fake, settings, june, send_at)
            except AssertionError as error:
                raise AssertionError(f"{fault} on call {n} of {calls}: {error}") from None
    return outcomes


@pytest.mark.parametrize("fault", ONCE, ids=str)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.slow  # a push per call per fault: the matrix takes ~20 s
def test_one_fault_on_any_call_and_the_push_still_converges(
    scenario, fault, newsletter, june, tmp_path
):
    outcomes = each_call_faulted(scenario, fault, 1, newsletter, june, tmp_path)
    if fault in (RATE_LIMITED, UNAVAILABLE, SERVER_ERROR, BAD_GATEWAY):
        # Mailchimp answered: retried, except a test send it may have made.
        assert outcomes.count("failed") <= (fault is not RATE_LIMITED)


@pytest.mark.parametrize("fault", FOR_GOOD, ids=str)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.slow  # a push per call per fault: the matrix takes ~20 s
def test_a_fault_from_any_call_on_stops_cleanly_and_a_rerun_converges(
    scenario, fault, newsletter, june, tmp_path
):
    outcomes = each_call_faulted(scenario, fault, float("inf"), newsletter, june, tmp_path)
    assert "failed" in outcomes


# ------------------------------------------------------------------ retries, one by one


def test_a_429_is_retried_after_retry_after(fake, newsletter, june):
    waits = Waits()
    fake.inject(Fault("status", 429, retry_after=7), method="GET")
    push(*june, newsletter, connect(fake, quick(waits)))
    assert len(waits) == 1 and waits[0] >= 7
    assert [r.status for r in fake.requests[:2]] == [429, 200]


def test_retries_back_off_exponentially_with_jitter_then_give_up(fake, newsletter, june):
    waits = Waits()
    fake.inject(UNAVAILABLE, method="GET", times=99)
    policy = quick(waits, base=0.1, cap=10.0, jitter=lambda low, high: high)  # the ceiling
    with pytest.raises(MailchimpError) as failed:
        push(*june, newsletter, connect(fake, policy))
    assert waits == [0.1, 0.2, 0.4]
    assert len(fake.requests) == 4
    assert str(failed.value) == (
        "GET /campaigns: 503 Service Unavailable; gave up after 4 attempts. "
        "Push again later: it picks up where it stopped"
    )


def test_jitter_spreads_waits_below_the_exponential_ceiling():
    policy = mailchimp_api.RetryPolicy(base=1.0, cap=30.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0), (9, 30.0)]:
        waits = {policy.delay(attempt, None) for _ in range(50)}
        assert all(0 <= w <= ceiling for w in waits) and len(waits) > 40
    assert policy.delay(1, 12.0) >= 12.0


def test_a_retry_after_beyond_the_limit_is_reported_not_waited(fake, newsletter, june):
    waits = Waits()
    fake.inject(Fault("status", 429, retry_after=600), method="GET")
    with pytest.raises(MailchimpError, match="Mailchimp asks to wait 600 s. Push again later"):
        push(*june, newsletter, connect(fake, quick(waits)))
    assert waits == [] and len(fake.requests) == 1


def test_a_create_whose_answer_was_lost_is_found_not_repeated(fake, newsletter, june):
    fake.inject(LOST_AFTER_WRITE, method="POST", path="/campaigns")
    result = push(*june, newsletter, connect(fake))
    assert [f"{r.method} {r.path}" for r in fake.requests][:5] == [
        "GET /campaigns",
        "GET /lists/a1b2c3d4e5",
        "GET /campaigns",
        "POST /campaigns",
        "GET /campaigns",
    ]
    assert len(fake.calls("POST", "/campaigns")) == 1
    assert [c["id"] for c in fake.titled(TITLE)] == [result.campaign_id]
    assert fake.contents[result.campaign_id]["html"] == june[1]


def test_a_create_dropped_before_mailchimp_saw_it_is_made_after_looking(fake, newsletter, june):
    fake.inject(DROPPED, method="POST", path="/campaigns")
    result = push(*june, newsletter, connect(fake))
    assert [f"{r.method} {r.path}" for r in fake.requests][3:6] == [
        "POST /campaigns",
        "GET /campaigns",
        "POST /campaigns",
    ]
    assert [c["id"] for c in fake.titled(TITLE)] == [result.campaign_id]


def test_a_test_send_whose_answer_was_lost_is_not_sent_again(fake, newsletter, june):
    fake.inject(LOST_AFTER_WRITE, method="POST", path=r".*/actions/test")
    with pytest.raises(mailchimp_api.Unconfirmed, match="may or may not have done it"):
        push(*june, newsletter, connect(fake), PushOptions(test_emails=("ed@example.org",)))
    assert len(fake.test_sends) == 1 and len(fake.calls("POST", r".*/actions/test")) == 1


def test_a_send_whose_answer_was_lost_is_settled_by_the_campaigns_status(fake, newsletter, june):
    push(*june, newsletter, connect(fake), PushOptions(test_emails=("ed@example.org",)))
    fake.inject(LOST_AFTER_WRITE, method="POST", path=r".*/actions/send")
    result = push(*june, newsletter, connect(fake), PushOptions(send_now=True, yes=True))
    assert result.status == "sending"
    assert len(fake.calls("POST", r".*/actions/send")) == 1


def test_a_send_that_never_reached_mailchimp_is_reported_not_repeated(fake, newsletter, june):
    push(*june, newsletter, connect(fake), PushOptions(test_emails=("ed@example.org",)))
    fake.inject(DROPPED, method="POST", path=r".*/actions/send")
    with pytest.raises(
        MailchimpError,
        match="shows 'Catalyst 2023-06' as 'save': check Mailchimp before sending again",
    ):
        push(*june, newsletter, connect(fake), PushOptions(send_now=True, yes=True))
    assert len(fake.calls("POST", r".*/actions/send")) == 1
    assert fake.titled(TITLE)[0]["status"] == "save"


def test_no_server_at_all_fails_cleanly_with_no_key_in_the_traceback(newsletter, june):
    with FakeMailchimp() as fake:
        environ = fake.environ()  # a port that is closed once the fake stops
    api = mailchimp_api.connect(environ, policy=quick())
    with pytest.raises(MailchimpError) as failed:
        push(*june, newsletter, api)
    assert "the connection failed" in str(failed.value)
    assert "gave up after 4 attempts" in str(failed.value)
    shown = "".join(traceback.format_exception(failed.value))
    assert API_KEY not in shown and API_KEY[:32] not in shown
    assert "ApiClientError" not in shown  # the client's error, and its context, are dropped
