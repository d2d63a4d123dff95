"""The API key never leaves: not when Mailchimp, or a proxy in front of it, quotes it back in an
error (429, 5xx, 4xx), a retry notice, an answer or a file, in any form."""

from __future__ import annotations

import base64
import traceback

import pytest

from catalyst.mailchimp import api as mailchimp_api
from catalyst.mailchimp.keys import REDACTED, MailchimpError
from catalyst.mailchimp.push import push
from fake_mailchimp import API_KEY, LIST_ID, answer_body, echo
from mailchimp_support import (
    TITLE,
    all_text,
    assert_no_key,
    catalyst,
    catalyst_process,
    key_forms,
    point_at_fake,
    quick,
)

pytest_plugins = ["mailchimp_fixtures"]


def echoed_everywhere(fake) -> None:
    """The fake echoes what it was sent, Authorization included, in the answers it gave."""
    echoed = [r for r in fake.requests if r.fault is not None and r.fault.kind == "echo"]
    assert echoed, "no echo fault was served"


# (fault, request it hits, how the push ends): retried away, or refused with Mailchimp's words.
CASES = [
    (echo(429, retry_after=1), ("GET", "/campaigns"), "retried"),
    (echo(500), ("GET", "/campaigns"), "retried"),
    (echo(503), ("POST", "/campaigns"), "retried"),  # the create is looked for, then made
    (echo(502), ("PUT", r"/campaigns/.*/content"), "retried"),
    (echo(400), ("POST", "/campaigns"), "refused"),
    (echo(401), ("GET", "/campaigns"), "refused"),
    (echo(403), ("GET", f"/lists/{LIST_ID}"), "refused"),
    (echo(404), ("PUT", r"/campaigns/.*/content"), "refused"),
]


@pytest.mark.parametrize(("fault", "where", "ends"), CASES, ids=lambda c: str(c))
def test_an_error_that_quotes_the_key_is_shown_without_it(
    fake, newsletter, june, fault, where, ends
):
    notices, steps = [], []
    fake.inject(fault, method=where[0], path=where[1], times=1 if ends == "retried" else 99)
    api = mailchimp_api.connect(fake.environ(), policy=quick(), on_retry=notices.append)
    shown = []
    try:
        result = push(*june, newsletter, api, on_step=steps.append)
    except MailchimpError as error:
        assert ends == "refused", str(error)
        message = str(error)
        # What was echoed reached the message, scrubbed: the title and each field error.
        assert f"{fault.status} " in message and "(Authorization: Basic <redacted>)" in message
        assert "  api_key: <redacted>-us21" in message and "  key_id: <redacted>" in message
        shown += [message, repr(error), "".join(traceback.format_exception(error))]
    else:
        assert ends == "retried"
        assert [c["id"] for c in fake.titled(TITLE)] == [result.campaign_id]
        assert notices and "<redacted>" in notices[0], notices
        shown += [repr(result), repr(api), repr(vars(api))]
    echoed_everywhere(fake)
    assert_no_key(*notices, *steps, *shown)
    assert_no_key(all_text(newsletter.build_dir))


def test_a_success_that_quotes_the_key_is_read_without_it(fake, newsletter, june):
    """A 200 whose fields carry the key (a proxy rewriting answers): nothing read keeps it."""
    first = push(*june, newsletter, mailchimp_api.connect(fake.environ(), policy=quick()))
    fake.campaigns[first.campaign_id]["settings"]["subject_line"] = f"Hi {API_KEY}"
    steps = []
    again = push(
        *june,
        newsletter,
        mailchimp_api.connect(fake.environ(), policy=quick()),
        on_step=steps.append,
    )
    assert "settings differ: subject line" in steps  # it was read, scrubbed, and put right
    assert fake.campaigns[again.campaign_id]["settings"]["subject_line"] == june[0].subject
    assert_no_key(*steps, all_text(newsletter.build_dir))


@pytest.mark.parametrize(
    "body",
    [f"<html>Authorization: Basic {key_forms()[3]}</html>", f'["{API_KEY}"]'],
    ids=["page", "list"],
)
def test_a_bad_answer_that_quotes_the_key_is_reported_without_it(fake, newsletter, june, body):
    fake.inject(answer_body(body, "text/html"), method="GET", path="/campaigns")
    api = mailchimp_api.connect(fake.environ(), policy=quick())
    with pytest.raises(mailchimp_api.BadAnswer) as failed:
        push(*june, newsletter, api)
    assert "<redacted>" in str(failed.value)
    assert_no_key(str(failed.value), "".join(traceback.format_exception(failed.value)))


def test_a_key_given_in_the_api_url_is_not_shown(fake, project):
    point_at_fake(project)
    url = fake.url.replace("http://", f"http://user:{API_KEY}@")
    result = catalyst(project, "push", "2023-06", "--allow-placeholders",
                      env={**fake.environ(), "MAILCHIMP_API_URL": url})
    assert result.exit_code == 0, result.output
    assert f"to http://<redacted>@{fake.url.removeprefix('http://')}" in result.output
    assert_no_key(result.output)


def test_the_installed_command_shows_no_key_in_output_retries_or_files(fake, project):
    """The whole command in a process of its own: a proxy echoes the key in a 503 (retried,
    with a notice on stderr), then in a 400 that stops the push; then a dry run with the key."""
    point_at_fake(project)
    fake.inject(echo(503), method="GET", path="/campaigns")
    fake.inject(echo(400), method="POST", path="/campaigns")
    failed = catalyst_process(project, "push", "2023-06", "--allow-placeholders",
                              env=fake.environ())
    assert failed.returncode == 1, failed.stderr
    assert (
        "  retry: GET /campaigns: 503 Service Unavailable (Authorization: Basic <redacted>); "
        "retrying in " in failed.stderr
    )
    [error] = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
    assert error.startswith(
        "Error: Mailchimp refused POST /campaigns: 400 Bad Request (Authorization: Basic "
        "<redacted>): Request headers: {"
    )
    assert "Traceback" not in failed.stderr

    dry = catalyst_process(project, "push", "2023-06", "--dry-run", env=fake.environ())
    assert dry.returncode == 0, dry.stderr
    echoed_everywhere(fake)
    assert_no_key(failed.stdout, failed.stderr, dry.stdout, dry.stderr, all_text(project / "build"))


def test_scrub_takes_out_every_form_of_every_key_parsed():
    other = "fedcba9876543210fedcba9876543210-us7"
    mailchimp_api.ApiKey.parse(other)
    for key in (API_KEY, other):
        mailchimp_api.ApiKey.parse(key)
        for form in key_forms(key):
            for around in ("{}", "x{}y", "Basic {}\n", "'{}'"):
                text = around.format(form)
                assert_no_key(mailchimp_api.scrub(text), key=key)
        for user in ("", "u", "us", "user", "anystring"):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                header = encode(f"{user}:{key}".encode()).decode()
                assert mailchimp_api.scrub(f"Basic {header}!") == f"Basic {REDACTED}!"
                # Cut short, as a proxy's log line may: what is left of the key goes too.
                assert mailchimp_api.scrub(f"{header[:24]}…") == f"{REDACTED}…"
    assert mailchimp_api.scrub("nothing secret here") == "nothing secret here"
    error = MailchimpError(f"made anywhere, quoting {API_KEY.upper()}")
    assert str(error) == "made anywhere, quoting <redacted>-US21"
