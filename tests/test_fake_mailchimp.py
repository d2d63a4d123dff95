"""The fake Mailchimp is only as good as its fidelity: the real client, over HTTP, gets
Mailchimp's answers, statuses, errors and rules from it."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import subprocess
import sys

import mailchimp_marketing
import pytest
import requests
from mailchimp_marketing.api_client import ApiClientError

from catalyst.mailchimp import requests as mailchimp_api
from catalyst.mailchimp.requests import ENDPOINTS
from conftest import ROOT
from fake_mailchimp import API_KEY, LIST_ID, RATE_LIMITED, SPEC, Spec, served_routes

pytest_plugins = ["mailchimp_fixtures"]

SETTINGS = {"subject_line": "Hello", "from_name": "Catalyst", "reply_to": "c@example.org"}


def client(fake, key: str = API_KEY) -> mailchimp_marketing.Client:
    real = mailchimp_marketing.Client({"api_key": key, "server": "", "timeout": 5})
    real.api_client.host = fake.url
    return real


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(ApiClientError) as error:
        call()
    return error.value.status_code, json.loads(error.value.text)


def new_campaign(api, **settings) -> dict:
    return api.campaigns.create(
        {
            "type": "regular",
            "recipients": {"list_id": LIST_ID},
            "settings": {**SETTINGS, "title": "T", **settings},
        }
    )


def test_ping_with_the_key_and_401_problem_json_without_it(fake):
    assert client(fake).ping.get() == {"health_status": "Everything's Chimpy!"}
    status, problem = refusal(client(fake, "f" * 32 + "-us21").ping.get)
    assert status == 401
    assert set(problem) == {"type", "title", "status", "detail", "instance"}
    assert (problem["title"], problem["status"]) == ("API Key Invalid", 401)


def test_errors_are_problem_json_the_client_hands_over_as_text(fake):
    response = requests.get(f"{fake.url}/campaigns/nope", auth=("user", API_KEY), timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    status, problem = refusal(lambda: client(fake).campaigns.get("nope"))
    assert (status, problem["title"]) == (404, "Resource Not Found")


def test_an_action_answers_204_with_no_body_which_the_client_returns_raw(fake):
    api = client(fake)
    campaign = new_campaign(api)
    api.campaigns.set_content(campaign["id"], {"html": "<p>Hi</p>"})
    answer = api.campaigns.send_test_email(
        campaign["id"], {"test_emails": ["a@example.org"], "send_type": "html"}
    )
    assert isinstance(answer, requests.Response) and answer.status_code == 204


def test_bodies_are_checked_against_mailchimps_api_description(fake):
    api = client(fake)
    campaign = new_campaign(api)
    status, problem = refusal(
        lambda: api.campaigns.update(campaign["id"], {"settings": {"subject_line": "Hi"}})
    )
    assert (status, problem["title"]) == (400, "Invalid Resource")
    assert problem["errors"] == [
        {"field": "settings", "message": "Required fields were not provided: from_name, reply_to"}
    ]
    _, problem = refusal(
        lambda: api.campaigns.update(campaign["id"], {"settings": {**SETTINGS, "template_id": "7"}})
    )
    assert problem["errors"] == [
        {
            "field": "settings.template_id",
            "message": "Schema describes integer, string found instead",
        }
    ]
    _, problem = refusal(
        lambda: api.campaigns.send_test_email(campaign["id"], {"test_emails": ["a@example.org"]})
    )
    assert problem["errors"][0]["message"] == "Required fields were not provided: send_type"
    _, problem = refusal(lambda: api.campaigns.list(status="draft"))
    assert problem["errors"] == [
        {"field": "status", "message": "Data did not match any of the schema's enum values."}
    ]


def test_fields_limits_the_answer_to_the_dotted_paths_asked_for(fake):
    api = client(fake)
    new_campaign(api, title="One")
    new_campaign(api, title="Two")
    page = api.campaigns.list(
        fields=["campaigns.id", "campaigns.settings.title", "total_items"], count=1, offset=1
    )
    assert page["total_items"] == 2
    [only] = page["campaigns"]
    assert set(only) == {"id", "settings"} and only["settings"] == {"title": "Two"}


def test_campaign_statuses_move_as_mailchimps_do(fake):
    api = client(fake)
    cid = new_campaign(api)["id"]
    api.campaigns.set_content(cid, {"html": "<p>Hi</p>", "plain_text": "Hi"})
    status, problem = refusal(
        lambda: api.campaigns.schedule(cid, {"schedule_time": "2099-01-01T10:05:00+00:00"})
    )
    assert (status, problem["detail"]) == (
        400,
        "Schedule time must be on the quarter-hour (:00, :15, :30, :45).",
    )
    api.campaigns.schedule(cid, {"schedule_time": "2099-01-01T10:15:00+00:00"})
    assert api.campaigns.get(cid, fields=["status", "send_time"]) == {
        "status": "schedule",
        "send_time": "2099-01-01T10:15:00+00:00",
    }
    status, problem = refusal(lambda: api.campaigns.set_content(cid, {"html": "<p>Bye</p>"}))
    assert status == 400 and "unschedule it first" in problem["detail"]
    api.campaigns.unschedule(cid)
    api.campaigns.send(cid)
    assert api.campaigns.get(cid)["status"] == "sending"
    fake.deliver(cid)
    assert api.campaigns.get(cid)["status"] == "sent"
    status, problem = refusal(lambda: api.campaigns.update(cid, {"settings": SETTINGS}))
    assert status == 400 and "already been sent" in problem["detail"]
    assert api.reports.get_campaign_report(cid)["emails_sent"] == 1204


def test_the_send_checklist_lists_what_is_missing(fake):
    api = client(fake)
    cid = new_campaign(api, preview_text="")["id"]
    checklist = api.campaigns.get_send_checklist(cid)
    assert checklist["is_ready"] is False
    problems = {(i["type"], i["heading"]) for i in checklist["items"] if i["type"] != "success"}
    assert problems == {("warning", "Preview text"), ("error", "Content")}
    _, problem = refusal(lambda: api.campaigns.send(cid))
    assert problem["detail"].startswith("Your campaign is not ready to send.")


def test_a_rate_limit_answers_429_with_retry_after(fake):
    fake.inject(RATE_LIMITED)
    response = requests.get(f"{fake.url}/ping", auth=("user", API_KEY), timeout=5)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
    assert response.json()["title"] == "Too Many Requests"
    assert [str(r) for r in fake.requests] == ["GET /ping -> 429"]


def test_without_the_api_description_the_fake_says_plainly_what_is_missing(tmp_path):
    with pytest.raises(
        FileNotFoundError, match="The Mailchimp API description is missing: expected .*missing.json"
    ):
        Spec(tmp_path / "missing.json")


# ------------------------------------------------------------------ the vendored description

TRIM = ROOT / "tests" / "mailchimp" / "trim.py"
# A value for each parameter of the request builders in catalyst.mailchimp.requests.
ARGUMENTS = {
    "list_id": LIST_ID,
    "campaign_id": "c0ffee1234",
    "offset": 0,
    "count": 10,
    "body": {},
    "emails": ["a@example.org"],
    "when": dt.datetime(2099, 1, 1, 10, 15, tzinfo=dt.UTC),
    "confirm": lambda: None,
}


def catalysts_requests() -> list[mailchimp_api.Request]:
    """Every request catalyst.mailchimp.requests can build, each built once."""
    built = []
    for name, function in inspect.getmembers(mailchimp_api, inspect.isfunction):
        if function.__module__ != mailchimp_api.__name__ or name.startswith("_"):
            continue
        if inspect.signature(function).return_annotation != "Request":
            continue
        parameters = inspect.signature(function).parameters
        unknown = set(parameters) - set(ARGUMENTS)
        assert not unknown, f"{name}: give ARGUMENTS a value for {unknown}"
        built.append(function(**{p: ARGUMENTS[p] for p in parameters}))
    return built


def test_the_api_description_is_in_the_repository():
    assert SPEC.is_relative_to(ROOT) and SPEC.is_file()
    assert Spec().doc["info"]["title"] == "Mailchimp Marketing API"


def test_the_vendored_description_is_exactly_what_the_trim_script_makes(tmp_path):
    # Trimming keeps the fake's operations and what they reference, so trimming the trimmed
    # copy must give it back byte for byte: nothing was edited by hand, nothing is missing.
    out = tmp_path / "openapi.json"
    result = subprocess.run(
        [sys.executable, str(TRIM), str(SPEC), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == SPEC.read_bytes()


def test_trimming_refuses_a_route_the_description_does_not_have(tmp_path):
    doc = Spec().doc
    broken = {**doc, "paths": {k: v for k, v in doc["paths"].items() if k != "/ping"}}
    full = tmp_path / "full.json"
    full.write_text(json.dumps(broken))
    result = subprocess.run(
        [sys.executable, str(TRIM), str(full), "--out", str(tmp_path / "out.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "no operation in the description for: GET /ping" in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_every_route_of_the_fake_has_its_operation_in_the_description():
    spec = Spec()
    routes = served_routes()
    assert len(routes) >= 16  # every call Catalyst makes, and /ping
    for method, pattern in routes:
        templates = [t for t in spec.doc["paths"] if method.lower() in spec.doc["paths"][t]]
        assert any(
            _matches(pattern, template) for template in templates
        ), f"{method} {pattern}: not in {SPEC.name}"


def _matches(pattern: str, template: str) -> bool:
    return re.fullmatch(pattern, re.sub(r"\{[^}]+\}", "a1b2c3", template)) is not None


def test_every_request_catalyst_makes_is_an_operation_with_the_query_it_declares():
    spec = Spec()
    made = catalysts_requests()
    assert len(made) >= 15
    for request in made:
        operation = spec.operation(request.method, request.path)
        assert operation, f"{request}: no such operation in {SPEC.name}"
        declared = {
            spec._resolve(p)["name"]
            for p in operation.get("parameters", [])
            if spec._resolve(p).get("in") == "query"
        }
        assert set(request.query) <= declared, f"{request}: {set(request.query) - declared}"


# ------------------------------------------------------------------ the one endpoint table


def test_every_request_catalyst_builds_is_made_on_an_endpoint_of_the_table():
    made = catalysts_requests()
    assert all(request.endpoint in ENDPOINTS.values() for request in made)
    assert {request.endpoint for request in made} == set(ENDPOINTS.values())


def test_every_endpoint_is_an_operation_of_the_description_and_a_route_of_the_fake():
    spec, routes = Spec(), served_routes()
    for name, endpoint in ENDPOINTS.items():
        assert spec.operation(endpoint.method, endpoint.path), f"{name}: not in {SPEC.name}"
        path = re.sub(r"\{[^}]+\}", "a1b2c3", endpoint.path)
        assert any(
            method == endpoint.method and re.fullmatch(pattern, path) for method, pattern in routes
        ), f"{name}: the fake does not answer {endpoint.method} {endpoint.path}"


# The official client's own code for an operation: `return self.api_client.call_api(
#     '/campaigns/{campaign_id}', 'PATCH', ...` in `<call>_with_http_info`.
CLIENT_CALL = re.compile(r"call_api\(\s*'(?P<path>[^']+)',\s*'(?P<method>[A-Z]+)'")
CLIENT_PARAMS = re.compile(r"all_params = \[(?P<names>[^\]]*)\]")


def _client_function(call: str):
    api, method = call.split(".")
    return getattr(type(getattr(mailchimp_marketing.Client(), api)), method)


def test_each_endpoints_method_and_path_are_those_of_the_official_clients_code():
    for name, endpoint in ENDPOINTS.items():
        api, method = endpoint.call.split(".")
        source = inspect.getsource(_client_function(f"{api}.{method}_with_http_info"))
        [(path, verb)] = CLIENT_CALL.findall(source)
        assert (endpoint.method, endpoint.path) == (verb, path), f"{name}: the client's {path}"


def test_each_request_passes_the_arguments_its_client_call_takes():
    for request in catalysts_requests():
        function = _client_function(request.endpoint.call)
        positional = [
            p.name
            for p in inspect.signature(function).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"
        ]
        body = ["body"] if request.body is not None else []
        assert positional == [*request.endpoint.parameters, *body], f"{request}: {positional}"
        api, method = request.endpoint.call.split(".")
        source = inspect.getsource(_client_function(f"{api}.{method}_with_http_info"))
        accepted = {n.strip(" '") for n in CLIENT_PARAMS.search(source)["names"].split(",")}
        assert set(request.query) <= accepted, f"{request}: {set(request.query) - accepted}"
