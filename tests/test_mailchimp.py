"""The push, against the local fake Mailchimp with the real client: one campaign per issue,
writes only when something changed, safe around scheduled and sent campaigns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from catalyst.mailchimp import api as mailchimp_api
from catalyst.mailchimp import campaigns, report
from catalyst.mailchimp import push as mailchimp
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.push import PushOptions, push
from fake_mailchimp import API_KEY, LIST_ID, SERVER_ERROR, slow
from mailchimp_support import MONTH, TITLE, connect, quick, soon, state_file

# The fixtures `fake`, `june` and `newsletter`.
pytest_plugins = ["mailchimp_fixtures"]


def run(fake, newsletter, june, options=None, *, issue=None, html=None, text=None, **kw):
    """One push, as `catalyst push` makes it; the fake's log is cut to this push's requests."""
    june_issue, june_html, june_text = june
    before = len(fake.requests)
    result = push(
        issue or june_issue,
        june_html if html is None else html,
        june_text if text is None else text,
        newsletter,
        connect(fake, **kw),
        options,
    )
    result.log = fake.requests[before:]
    return result


def only_campaign(fake) -> dict:
    [campaign] = fake.titled(TITLE)
    return campaign


def writes(log) -> list[str]:
    return [f"{r.method} {r.path}" for r in log if r.writes]


# ------------------------------------------------------------------ create, re-push, edit


def test_first_push_creates_one_campaign_with_the_issues_settings_and_content(
    fake, newsletter, june
):
    issue, html, text = june
    result = run(fake, newsletter, june)

    campaign = only_campaign(fake)
    assert campaign["type"] == "regular"
    assert campaign["status"] == "save"
    assert campaign["recipients"]["list_id"] == LIST_ID
    assert "segment_opts" not in campaign["recipients"]
    settings = campaign["settings"]
    assert settings["title"] == "Catalyst 2023-06"
    assert settings["subject_line"] == issue.subject
    assert settings["preview_text"] == issue.preview_text
    assert (settings["from_name"], settings["reply_to"]) == ("Catalyst", "catalyst@example.org")
    assert fake.contents[campaign["id"]] == {"html": html, "plain_text": text}
    assert writes(result.log) == ["POST /campaigns", f"PUT /campaigns/{campaign['id']}/content"]
    assert (result.campaign_id, result.status, result.written) == (
        campaign["id"],
        "save",
        ["created", "content"],
    )
    assert len(result.requests) == len(result.log)


def test_the_state_file_records_the_campaign_and_no_secret(fake, newsletter, june):
    result = run(fake, newsletter, june)
    text = state_file(newsletter).read_text()
    recorded = json.loads(text)["issues"][MONTH]
    assert recorded["campaign_id"] == result.campaign_id
    assert recorded["content_sha256"] == campaigns.content_hash(june[1], june[2])
    assert API_KEY not in text and API_KEY.split("-")[0] not in text
    # Beside it, only the month's push lock (an empty file).
    folder = state_file(newsletter).parent
    assert sorted(p.name for p in folder.iterdir()) == ["mailchimp.json", f"push-{MONTH}.lock"]
    assert (folder / f"push-{MONTH}.lock").read_text() == ""


def test_a_second_push_with_no_change_reads_and_writes_nothing(fake, newsletter, june):
    first = run(fake, newsletter, june)
    again = run(fake, newsletter, june)

    assert writes(again.log) == []
    # The list of campaigns (every push reads it, to see any other with the title) and the
    # content to compare.
    assert [f"{r.method} {r.path}" for r in again.log] == [
        "GET /campaigns",
        f"GET /campaigns/{first.campaign_id}/content",
    ]
    assert again.written == [] and "nothing to change" in again.steps
    assert (again.reads, again.writes) == (2, 0)
    assert only_campaign(fake)["id"] == first.campaign_id


def test_an_edited_email_updates_the_content_in_place(fake, newsletter, june):
    first = run(fake, newsletter, june)
    edited = june[1].replace("Trust and connectedness", "Trust, and connectedness")
    assert edited != june[1]
    again = run(fake, newsletter, june, html=edited)

    assert writes(again.log) == [f"PUT /campaigns/{first.campaign_id}/content"]
    assert fake.contents[first.campaign_id]["html"] == edited
    assert only_campaign(fake)["id"] == first.campaign_id


def test_an_edited_subject_updates_only_the_settings(fake, newsletter, june):
    first = run(fake, newsletter, june)
    issue = june[0].model_copy(update={"subject": "Catalyst: trust, then teams"})
    again = run(fake, newsletter, june, issue=issue)

    [patch] = [r for r in again.log if r.writes]
    assert f"{patch.method} {patch.path}" == f"PATCH /campaigns/{first.campaign_id}"
    assert patch.body["settings"]["subject_line"] == "Catalyst: trust, then teams"
    assert "recipients" not in patch.body
    assert only_campaign(fake)["settings"]["subject_line"] == "Catalyst: trust, then teams"
    assert "settings differ: subject line" in again.steps


def test_without_the_state_file_the_campaign_is_found_by_its_title(fake, newsletter, june):
    first = run(fake, newsletter, june)
    state_file(newsletter).unlink()
    again = run(fake, newsletter, june)

    assert writes(again.log) == []
    assert again.log[0].path == "/campaigns"
    assert again.log[0].query["fields"].split(",")[:2] == ["campaigns.id", "campaigns.web_id"]
    assert f"found {TITLE!r} by its title (id {first.campaign_id}, status save)" in again.steps
    assert json.loads(state_file(newsletter).read_text())["issues"][MONTH]["campaign_id"] == (
        first.campaign_id
    )


def test_a_recorded_campaign_mailchimp_no_longer_has_is_looked_up_by_title(fake, newsletter, june):
    first = run(fake, newsletter, june)
    state = json.loads(state_file(newsletter).read_text())
    state["issues"][MONTH]["campaign_id"] = "0000000000"
    state_file(newsletter).write_text(json.dumps(state))
    again = run(fake, newsletter, june)

    assert [f"{r.method} {r.path}" for r in again.log][:1] == ["GET /campaigns"]
    assert f"found {TITLE!r} by its title (id {first.campaign_id}, status save)" in again.steps
    assert again.campaign_id == first.campaign_id and writes(again.log) == []
    recorded = json.loads(state_file(newsletter).read_text())["issues"][MONTH]
    assert recorded["campaign_id"] == first.campaign_id


def test_a_campaign_edited_in_mailchimp_gets_the_built_content_back(fake, newsletter, june):
    first = run(fake, newsletter, june)
    fake.contents[first.campaign_id]["html"] = "<p>edited by hand</p>"
    again = run(fake, newsletter, june)

    assert writes(again.log) == [f"PUT /campaigns/{first.campaign_id}/content"]
    assert fake.contents[first.campaign_id]["html"] == june[1]


def test_two_campaigns_with_the_issues_title_and_content_are_refused_naming_both(
    fake, newsletter, june
):
    one = fake.add_campaign(TITLE)
    two = fake.add_campaign(TITLE)
    fake.contents[one["id"]]["html"] = "<p>made by hand</p>"
    fake.contents[two["id"]]["html"] = "<p>made by hand too</p>"
    with pytest.raises(MailchimpError) as refused:
        run(fake, newsletter, june)
    assert str(refused.value).startswith(f"2 campaigns are titled {TITLE!r}: {one['id']} (save, ")
    assert f"{two['id']} (save, with content" in str(refused.value)
    assert "delete or rename the others" in str(refused.value)
    assert writes(fake.requests) == []


def test_of_two_empty_campaigns_with_the_title_the_oldest_is_taken_and_the_other_named(
    fake, newsletter, june
):
    one = fake.add_campaign(TITLE)
    two = fake.add_campaign(TITLE)
    result = run(fake, newsletter, june)
    assert result.campaign_id == one["id"]
    assert fake.contents[one["id"]]["html"] == june[1] and fake.contents[two["id"]]["html"] == ""
    [warning] = [step for step in result.steps if step.startswith("warning:")]
    assert warning.startswith(f"warning: campaign {two['id']} (web id {two['web_id']}, created ")
    assert "is empty and was never sent" in warning and "Delete it in Mailchimp" in warning


def test_a_tag_sends_to_that_tag_only(fake, newsletter, june):
    run(fake, dataclasses.replace(newsletter, tag="catalyst"), june)
    assert only_campaign(fake)["recipients"]["segment_opts"]["saved_segment_id"] == 5001


def test_an_unknown_tag_is_refused_listing_the_audiences_tags(fake, newsletter, june):
    with pytest.raises(MailchimpError, match=r"tag 'catalist'.*its tags: catalyst"):
        run(fake, dataclasses.replace(newsletter, tag="catalist"), june)
    assert writes(fake.requests) == []


def test_a_new_segment_in_mkdocs_yml_moves_the_campaign_to_it(fake, newsletter, june):
    run(fake, newsletter, june)
    again = run(fake, dataclasses.replace(newsletter, segment_id=5001), june)
    [patch] = [r for r in again.log if r.writes]
    assert patch.body["recipients"] == {
        "list_id": LIST_ID,
        "segment_opts": {"saved_segment_id": 5001},
    }
    assert only_campaign(fake)["recipients"]["segment_opts"]["saved_segment_id"] == 5001


# ------------------------------------------------------------------ sent and scheduled


@pytest.mark.parametrize("status", ["sending", "sent"])
def test_a_campaign_that_has_gone_out_is_never_touched(fake, newsletter, june, status):
    campaign = fake.add_campaign(TITLE, status=status, subject_line="Old subject")
    with pytest.raises(MailchimpError, match=f"has gone out \\(status {status}\\)"):
        run(fake, newsletter, june)
    assert writes(fake.requests) == []
    assert fake.campaigns[campaign["id"]]["settings"]["subject_line"] == "Old subject"


def scheduled(fake, newsletter, june, minute=0):
    issue = june[0].model_copy(update={"send_at": soon(minute=minute)})
    result = run(fake, newsletter, june, PushOptions(schedule=True), issue=issue)
    return issue, result


def test_schedule_sets_the_issues_send_at_in_utc(fake, newsletter, june):
    issue, result = scheduled(fake, newsletter, june)
    campaign = only_campaign(fake)
    assert campaign["status"] == "schedule"
    assert dt.datetime.fromisoformat(campaign["send_time"]) == issue.send_at
    assert campaign["send_time"].endswith("13:00:00+00:00")
    [_, _, checklist, schedule] = [f"{r.method} {r.path}" for r in result.log][-4:]
    assert checklist.endswith("/send-checklist") and schedule.endswith("/actions/schedule")
    assert result.schedule_time == issue.send_at


def test_a_send_at_off_the_quarter_hour_is_rounded_up_with_a_message(fake, newsletter, june):
    issue, result = scheduled(fake, newsletter, june, minute=5)
    assert only_campaign(fake)["send_time"].endswith("13:15:00+00:00")
    assert any("not on a quarter hour" in step and "13:15 UTC" in step for step in result.steps)


def test_schedule_needs_a_send_at_in_the_future(fake, newsletter, june):
    with pytest.raises(MailchimpError, match="--schedule needs send_at"):
        run(fake, newsletter, june, PushOptions(schedule=True))
    past = june[0].model_copy(update={"send_at": dt.datetime(2023, 6, 6, 9, tzinfo=dt.UTC)})
    with pytest.raises(MailchimpError, match="is in the past"):
        run(fake, newsletter, june, PushOptions(schedule=True), issue=past)
    assert fake.requests == []


def test_schedule_waits_for_a_ready_send_checklist_and_lists_its_items(fake, newsletter, june):
    fake.lists[LIST_ID]["stats"]["member_count"] = 0
    issue = june[0].model_copy(update={"send_at": soon()})
    with pytest.raises(mailchimp.NotReady) as refused:
        run(fake, newsletter, june, PushOptions(schedule=True), issue=issue)
    assert "not ready to schedule; Mailchimp's send checklist says:" in str(refused.value)
    assert "error: Audience: Catalyst subscribers has no subscribed contacts." in str(refused.value)
    assert "warning" not in str(refused.value) or "Preview" in str(refused.value)
    assert only_campaign(fake)["status"] == "save"
    assert fake.calls("POST", r".*/actions/schedule") == []


def test_a_scheduled_campaign_with_nothing_to_change_is_left_alone(fake, newsletter, june):
    issue, first = scheduled(fake, newsletter, june)
    again = run(fake, newsletter, june, issue=issue)
    assert writes(again.log) == []
    assert only_campaign(fake)["status"] == "schedule"
    scheduled_again = run(fake, newsletter, june, PushOptions(schedule=True), issue=issue)
    assert writes(scheduled_again.log) == []


def test_a_scheduled_campaign_with_changes_is_refused_without_reschedule(fake, newsletter, june):
    issue, first = scheduled(fake, newsletter, june)
    with pytest.raises(
        MailchimpError, match="is scheduled for .* and has changes to upload. Add --reschedule"
    ):
        run(fake, newsletter, june, issue=issue, html=june[1] + "<!-- edit -->")
    campaign = only_campaign(fake)
    assert campaign["status"] == "schedule"
    assert fake.contents[campaign["id"]]["html"] == june[1]
    assert writes(fake.requests[len(first.log) + 1 :]) == []


def test_reschedule_unschedules_updates_and_schedules_at_the_same_time(fake, newsletter, june):
    issue, first = scheduled(fake, newsletter, june)
    send_time = only_campaign(fake)["send_time"]
    edited = june[1] + "<!-- edit -->"
    again = run(fake, newsletter, june, PushOptions(reschedule=True), issue=issue, html=edited)

    cid = first.campaign_id
    assert writes(again.log) == [
        f"POST /campaigns/{cid}/actions/unschedule",
        f"PUT /campaigns/{cid}/content",
        f"POST /campaigns/{cid}/actions/schedule",
    ]
    campaign = only_campaign(fake)
    assert (campaign["status"], campaign["send_time"]) == ("schedule", send_time)
    assert fake.contents[cid]["html"] == edited


def test_a_new_send_at_moves_a_scheduled_campaign_only_with_reschedule(fake, newsletter, june):
    issue, first = scheduled(fake, newsletter, june)
    later = issue.model_copy(update={"send_at": soon(days=4)})
    with pytest.raises(MailchimpError, match="should go out at .* instead"):
        run(fake, newsletter, june, PushOptions(schedule=True), issue=later)
    run(fake, newsletter, june, PushOptions(schedule=True, reschedule=True), issue=later)
    assert dt.datetime.fromisoformat(only_campaign(fake)["send_time"]) == later.send_at


def test_a_failed_update_leaves_a_rescheduled_campaign_unscheduled(fake, newsletter, june):
    """Never send a half-updated campaign: it is rescheduled only once the update is done."""
    issue, first = scheduled(fake, newsletter, june)
    fake.inject(SERVER_ERROR, method="PUT", times=99)
    with pytest.raises(MailchimpError, match="gave up after 4 attempts"):
        run(
            fake,
            newsletter,
            june,
            PushOptions(reschedule=True),
            issue=issue,
            html=june[1] + "<!-- edit -->",
        )
    assert only_campaign(fake)["status"] == "save"
    fake.clear_faults()
    run(
        fake,
        newsletter,
        june,
        PushOptions(schedule=True),
        issue=issue,
        html=june[1] + "<!-- edit -->",
    )
    assert only_campaign(fake)["status"] == "schedule"


# ------------------------------------------------------------------ test sends and sending


def test_test_sends_the_html_to_the_addresses_and_is_recorded(fake, newsletter, june):
    result = run(
        fake, newsletter, june, PushOptions(test_emails=("ed@example.org", "devin@example.org"))
    )
    assert fake.test_sends == [
        (result.campaign_id, ["ed@example.org", "devin@example.org"], "html")
    ]
    tested = json.loads(state_file(newsletter).read_text())["issues"][MONTH]["tested"]
    assert tested["campaign_id"] == result.campaign_id
    assert "ed@example.org" not in state_file(newsletter).read_text()


def test_an_address_that_is_not_one_is_refused_before_any_request(fake, newsletter, june):
    with pytest.raises(MailchimpError, match="not an email address: ed-at-example.org"):
        run(fake, newsletter, june, PushOptions(test_emails=("ed-at-example.org",)))
    assert fake.requests == []


def test_send_now_without_yes_is_refused_before_any_request(fake, newsletter, june):
    with pytest.raises(MailchimpError, match="add --yes to confirm"):
        run(fake, newsletter, june, PushOptions(send_now=True))
    assert fake.requests == []


def test_send_now_needs_a_test_of_this_exact_email(fake, newsletter, june):
    run(fake, newsletter, june, PushOptions(test_emails=("ed@example.org",)))
    edited = june[1] + "<!-- edit -->"
    with pytest.raises(MailchimpError, match="needs a test send of exactly this email"):
        run(fake, newsletter, june, PushOptions(send_now=True, yes=True), html=edited)
    assert only_campaign(fake)["status"] == "save"
    assert fake.contents[only_campaign(fake)["id"]]["html"] == june[1]  # refused before writing


def test_send_now_after_a_test_sends_it_once_and_then_it_is_never_touched(fake, newsletter, june):
    run(fake, newsletter, june, PushOptions(test_emails=("ed@example.org",)))
    sent = run(fake, newsletter, june, PushOptions(send_now=True, yes=True))
    assert writes(sent.log) == [f"POST /campaigns/{sent.campaign_id}/actions/send"]
    assert sent.status == "sending"
    fake.deliver(sent.campaign_id)
    with pytest.raises(MailchimpError, match="has gone out"):
        run(fake, newsletter, june, PushOptions(send_now=True, yes=True))
    assert len(fake.calls("POST", r".*/actions/send")) == 1


def test_a_draft_issue_can_be_pushed_and_tested_but_not_scheduled(fake, newsletter, june):
    draft = june[0].model_copy(update={"draft": True, "send_at": soon()})
    run(fake, newsletter, june, PushOptions(test_emails=("ed@example.org",)), issue=draft)
    with pytest.raises(MailchimpError, match="is a draft"):
        run(fake, newsletter, june, PushOptions(schedule=True), issue=draft)
    assert only_campaign(fake)["status"] == "save"


# ------------------------------------------------------------------ the report


def test_the_report_of_a_sent_issue(fake, newsletter, june):
    result = run(fake, newsletter, june)
    fake.deliver(result.campaign_id)
    fake.reports[result.campaign_id] = {
        "unsubscribed": 3,
        "opens": {"unique_opens": 612, "open_rate": 0.5083},
        "clicks": {"unique_subscriber_clicks": 143, "click_rate": 0.1188},
    }
    fake.clicks[result.campaign_id] = [
        {"url": "https://example.org/a", "total_clicks": 12, "unique_clicks": 9},
        {"url": "https://example.org/b", "total_clicks": 54, "unique_clicks": 40},
    ]
    got = report.report(MONTH, newsletter, connect(fake))
    assert (got.sends, got.opens, got.clicks, got.unsubscribes) == (1204, 612, 143, 3)
    assert got.open_rate == pytest.approx(0.5083)
    assert [link.url for link in got.top_links] == [
        "https://example.org/b",
        "https://example.org/a",
    ]


def test_there_is_no_report_before_the_issue_goes_out(fake, newsletter, june):
    run(fake, newsletter, june)
    with pytest.raises(MailchimpError, match="has not gone out \\(status save\\)"):
        report.report(MONTH, newsletter, connect(fake))


# ------------------------------------------------------------------ small rules


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2023-06-06T09:00:00-04:00", "2023-06-06T13:00:00+00:00"),
        ("2023-06-06T09:00:30-04:00", "2023-06-06T13:15:00+00:00"),
        ("2023-06-06T09:46:00-04:00", "2023-06-06T14:00:00+00:00"),
        ("2023-06-06T23:50:00+00:00", "2023-06-07T00:00:00+00:00"),
    ],
)
def test_quarter_hour_is_the_first_one_at_or_after(given, expected):
    assert campaigns.quarter_hour(dt.datetime.fromisoformat(given)).isoformat() == expected


# ------------------------------------------------------------------ the key and the connection


def test_the_key_shows_in_no_repr_or_str():
    key = mailchimp_api.ApiKey.parse(API_KEY)
    api = mailchimp_api.Mailchimp(key)
    for shown in (repr(key), str(key), repr(api), repr(vars(api)), repr(api.policy)):
        assert API_KEY not in shown and API_KEY[:32] not in shown
    assert key.dc == "us21"
    assert key.scrub(f"auth failed for user:{API_KEY}") == "auth failed for user:<redacted>-us21"


def test_the_data_centre_comes_from_the_key_unless_an_api_url_is_given():
    assert mailchimp_api.connect({"MAILCHIMP_API_KEY": API_KEY}).base_url == (
        "https://us21.api.mailchimp.com/3.0"
    )
    local = {"MAILCHIMP_API_KEY": API_KEY, "MAILCHIMP_API_URL": "http://127.0.0.1:9/3.0/"}
    assert mailchimp_api.connect(local).base_url == "http://127.0.0.1:9/3.0"
    assert mailchimp_api.connect({}) is None
    with pytest.raises(MailchimpError, match="MAILCHIMP_API_URL is not an http"):
        mailchimp_api.connect({**local, "MAILCHIMP_API_URL": "127.0.0.1:9"})


def test_a_slow_answer_is_abandoned_at_the_timeout_and_asked_again(fake, newsletter, june):
    retries = []
    fake.inject(slow(1.0), method="GET")
    api = mailchimp_api.connect(fake.environ(), policy=quick(timeout=0.3), on_retry=retries.append)
    push(*june, newsletter, api)
    # The first answer is still on its way (the fake is slow) when the second is made.
    assert [(r.method, r.path) for r in fake.requests[:2]] == [("GET", "/campaigns")] * 2
    assert retries[0].startswith("GET /campaigns: no answer within 0.3 s; retrying in ")
