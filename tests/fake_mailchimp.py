"""A faithful local Mailchimp Marketing API (3.0) for the tests, served over real HTTP.

The official `mailchimp_marketing` client talks to it as it would to Mailchimp: the same
paths, query parameters (`fields`, `count`, `offset`, `status`...), JSON bodies, statuses
(200 with JSON, 204 with no body), basic auth, and problem+json errors (`type`, `title`,
`status`, `detail`, `instance`, `errors[]`). Request bodies and query parameters are checked
against Mailchimp's own API description (`tests/mailchimp/openapi.json`: the operations served
here, trimmed from Mailchimp's full description; tests/mailchimp/README.md gives its source),
plus the rules that live only in Mailchimp's prose: `PATCH /campaigns/{id}` needs the subject,
from name and reply-to; a schedule time is on a quarter hour and in the future; content changes
only while a campaign is `save` or `paused`; a campaign goes `save` -> `schedule` -> `sending`
-> `sent`.

Tests can inject faults (429 with Retry-After, 500/503, a dropped connection, an answer slower
than the client's timeout, a write applied only after the client's timeout, an answer lost after
the write was applied, a proxy echoing the request's headers in its error, a 200 whose body is
not what the API documents) and read `requests`, the log of every request received.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "mailchimp" / "openapi.json"

API_KEY = "0123456789abcdef0123456789abcdef-us21"
LIST_ID = "a1b2c3d4e5"
ERROR_DOCS = "https://mailchimp.com/developer/marketing/docs/errors/"
INVALID = "The resource submitted could not be validated. For field-specific details, see the 'errors' array."  # noqa: E501


# ------------------------------------------------------------------ faults


@dataclass(frozen=True)
class Fault:
    """Something going wrong with one request.

    kind: `status` answers `status` with problem+json (429 carries Retry-After); `bare`
    answers `status` with an empty body (as a proxy in front of Mailchimp may); `drop` closes
    the connection before doing anything; `lost` applies the request, then closes the
    connection unanswered; `slow` applies it and answers after `delay` seconds; `late` holds
    it `delay` seconds, then applies and answers it (a busy Mailchimp: the client may have
    given up by then); `echo` answers `status` with problem+json whose title, detail and
    errors quote the request's headers, Authorization included (a misconfigured proxy);
    `body` applies the request and answers `status` with `body` as `content_type` instead
    of its document (a proxy's page, a mangled answer).
    """

    kind: str
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0
    body: str = ""
    content_type: str = "application/json; charset=utf-8"

    def __str__(self) -> str:
        if self.kind == "status":
            after = f" retry-after {self.retry_after}" if self.retry_after else ""
            return f"{self.status}{after}"
        if self.kind == "bare":
            return f"{self.status} empty"
        if self.kind in ("echo", "body"):
            return f"{self.status} {self.kind}"
        return f"{self.kind} {self.delay:g}s" if self.kind in ("slow", "late") else self.kind


RATE_LIMITED = Fault("status", 429, retry_after=2)
SERVER_ERROR = Fault("status", 500)
UNAVAILABLE = Fault("status", 503)
BAD_GATEWAY = Fault("bare", 502)
DROPPED = Fault("drop")
LOST_AFTER_WRITE = Fault("lost")


def slow(delay: float) -> Fault:
    return Fault("slow", delay=delay)


def late(delay: float) -> Fault:
    return Fault("late", delay=delay)


def echo(status: int, retry_after: int | None = None) -> Fault:
    return Fault("echo", status, retry_after=retry_after)


def answer_body(body: str, content_type: str = "application/json; charset=utf-8") -> Fault:
    return Fault("body", 200, body=body, content_type=content_type)


@dataclass
class _Armed:
    fault: Fault
    matches: Callable[[int, str, str], bool]
    times: float


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str  # without the /3.0 prefix
    query: dict[str, str]
    body: object
    status: int | None = None  # None: the connection was closed unanswered
    fault: Fault | None = None

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status or 'no answer'}"


class Problem(Exception):
    """An error answer, as Mailchimp writes them."""

    def __init__(self, status: int, title: str, detail: str, errors=None, headers=None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or []
        self.headers = headers or {}

    def document(self) -> dict:
        body = {
            "type": ERROR_DOCS,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": str(uuid.uuid4()),
        }
        if self.errors:
            body["errors"] = [{"field": f, "message": m} for f, m in self.errors]
        return body


def _not_found() -> Problem:
    return Problem(404, "Resource Not Found", "The requested resource could not be found.")


def _invalid(errors) -> Problem:
    return Problem(400, "Invalid Resource", INVALID, errors)


# ------------------------------------------------------------------ the API description


class Spec:
    """Mailchimp's OpenAPI description: request bodies and query parameters checked against it.

    Covers the JSON Schema the description uses for requests: objects, required properties,
    arrays, strings (enums, date-times), integers, numbers, booleans, and `maximum`.
    """

    _cache: dict[Path, dict] = {}

    def __init__(self, path: Path = SPEC) -> None:
        if path not in self._cache:
            if not path.is_file():
                raise FileNotFoundError(
                    f"The Mailchimp API description is missing: expected {path}. The fake "
                    "Mailchimp checks requests against it; the repository carries it in "
                    "tests/mailchimp/ (its README says how to make it again)."
                )
            self._cache[path] = json.loads(path.read_text(encoding="utf-8"))
        self.doc = self._cache[path]
        self._routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in self.doc["paths"]
        ]

    def operation(self, method: str, path: str) -> dict:
        for pattern, template in self._routes:
            if pattern.match(path):
                return self.doc["paths"][template].get(method.lower(), {})
        return {}

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            kind, name = node["$ref"].split("/")[-2:]
            node = self.doc["components"][kind][name]
        return node

    def check(self, method: str, path: str, query: dict[str, str], body) -> list[tuple[str, str]]:
        operation = self.operation(method, path)
        errors = []
        for parameter in operation.get("parameters", []):
            parameter = self._resolve(parameter)
            name = parameter.get("name")
            if parameter.get("in") == "query" and name in query:
                value: object = query[name]
                schema = self._resolve(parameter.get("schema", {}))
                if schema.get("type") == "array":
                    value = value.split(",")
                elif schema.get("type") == "integer":
                    if not re.fullmatch(r"-?\d+", query[name]):
                        errors.append((name, "This value should be of type integer."))
                        continue
                    value = int(query[name])
                errors += self.errors(schema, value, name)
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is not None:
            errors += self.errors(content["schema"], body, "")
        return errors

    def errors(self, schema: dict, value, where: str) -> list[tuple[str, str]]:
        schema = self._resolve(schema)
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        found: list[tuple[str, str]] = []
        if kind == "object":
            if not isinstance(value, dict):
                return [(where, f"Schema describes object, {_json_type(value)} found instead")]
            missing = [name for name in schema.get("required", []) if name not in value]
            if missing:
                found.append((where, f"Required fields were not provided: {', '.join(missing)}"))
            for name, sub in schema.get("properties", {}).items():
                if name in value:
                    found += self.errors(sub, value[name], f"{where}.{name}".strip("."))
        elif kind == "array":
            if not isinstance(value, list):
                return [(where, f"Schema describes array, {_json_type(value)} found instead")]
            for n, item in enumerate(value):
                found += self.errors(schema.get("items", {}), item, f"{where}[{n}]")
        elif kind in ("string", "integer", "number", "boolean"):
            if _json_type(value) != kind and not (
                kind == "number" and _json_type(value) == "integer"
            ):
                return [(where, f"Schema describes {kind}, {_json_type(value)} found instead")]
            if "enum" in schema and value not in schema["enum"]:
                found.append((where, "Data did not match any of the schema's enum values."))
            if schema.get("format") == "date-time" and not _datetime(value):
                found.append((where, "This value should be a valid date and time."))
            if "maximum" in schema and value > schema["maximum"]:
                found.append((where, f"This value should be {schema['maximum']} or less."))
        return found


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "NULL"


def _datetime(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _stamp(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# ------------------------------------------------------------------ the fake


def project(document, fields: list[str]):
    """Mailchimp's `fields=a,b.c`: only those (dotted) parts of the document."""
    if not fields:
        return document
    out: dict = {}
    for path in fields:
        _copy(document, out, path.split("."))
    return out


def _copy(source, target: dict, parts: list[str]) -> None:
    key, rest = parts[0], parts[1:]
    if not isinstance(source, dict) or key not in source:
        return
    value = source[key]
    if not rest:
        target[key] = copy.deepcopy(value)
    elif isinstance(value, list):
        items = target.setdefault(key, [{} for _ in value])
        for item, into in zip(value, items, strict=True):
            _copy(item, into, rest)
    elif isinstance(value, dict):
        _copy(value, target.setdefault(key, {}), rest)


class FakeMailchimp:
    """One Mailchimp account: an audience with a tag, campaigns, contents, reports."""

    def __init__(self, api_key: str = API_KEY, spec: Spec | None = None) -> None:
        self.api_key = api_key
        self.spec = spec or Spec()
        self.lock = threading.RLock()
        self.lists = {
            LIST_ID: {
                "id": LIST_ID,
                "web_id": 101,
                "name": "Catalyst subscribers",
                "stats": {"member_count": 1204, "unsubscribe_count": 12},
            }
        }
        self.segments = {LIST_ID: [{"id": 5001, "name": "catalyst", "type": "static"}]}
        self.campaigns: dict[str, dict] = {}
        self.contents: dict[str, dict] = {}
        self.test_sends: list[tuple[str, list[str], str]] = []
        self.reports: dict[str, dict] = {}
        self.clicks: dict[str, list[dict]] = {}
        self.requests: list[Recorded] = []
        self._faults: list[_Armed] = []
        self._web_ids = iter(range(4001, 10**6))
        self._server: ThreadingHTTPServer | None = None
        # Told of each request once it is answered (or dropped): for a live log.
        self.on_request: Callable[[Recorded], None] = lambda record: None

    # -- running

    def start(self) -> str:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        # A short poll interval: `shutdown` waits for one.
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeMailchimp:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API base URL, as MAILCHIMP_API_URL (no word `server` in it: the client would
        replace it)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/3.0"

    def environ(self, key: str | None = None) -> dict[str, str]:
        return {"MAILCHIMP_API_KEY": key or self.api_key, "MAILCHIMP_API_URL": self.url}

    # -- faults and the log

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int | None = None,
        times: float = 1,
    ) -> None:
        """Apply `fault` to the next `times` requests matching `method` and `path` (a regex),
        or to the `nth` request from now on (0: the next one) and, with `times`, those after.
        """
        start = len(self.requests) + (nth or 0)

        def matches(index: int, m: str, p: str) -> bool:
            if nth is not None and index < start:
                return False
            return (method is None or m == method) and (path is None or re.fullmatch(path, p))

        with self.lock:
            self._faults.append(_Armed(fault, matches, times))

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def _take_fault(self, index: int, method: str, path: str) -> Fault | None:
        for armed in self._faults:
            if armed.times > 0 and armed.matches(index, method, path):
                armed.times -= 1
                return armed.fault
        return None

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (path is None or re.fullmatch(path, r.path))
        ]

    def titled(self, title: str) -> list[dict]:
        return [c for c in self.campaigns.values() if c["settings"]["title"] == title]

    # -- what tests set up

    def add_campaign(self, title: str, status: str = "save", **settings) -> dict:
        """A campaign made outside the push (in Mailchimp's UI, or by an earlier run)."""
        with self.lock:
            campaign = self._new_campaign(
                {
                    "type": "regular",
                    "recipients": {"list_id": LIST_ID},
                    "settings": {"title": title, **settings},
                }
            )
            campaign["status"] = status
            if status in ("sending", "sent"):
                campaign["send_time"] = _stamp(_now())
            return campaign

    def deliver(self, campaign_id: str) -> None:
        """Mailchimp finishing a send: `sending` (or a due `schedule`) becomes `sent`."""
        with self.lock:
            campaign = self.campaigns[campaign_id]
            campaign["status"] = "sent"
            campaign["emails_sent"] = self._audience_size(campaign)
            campaign["send_time"] = campaign["send_time"] or _stamp(_now())

    # -- the API

    def respond(self, method: str, path: str, query: dict[str, str], body) -> tuple[int, object]:
        """Apply one authorised request; (status, JSON document or None for 204)."""
        errors = self.spec.check(method, path, query, body)
        if errors:
            raise _invalid(errors)
        fields = [f for f in query.get("fields", "").split(",") if f]
        for pattern, handler in self._routes(method):
            match = re.fullmatch(pattern, path)
            if match:
                with self.lock:
                    status, document = handler(*match.groups(), query=query, body=body)
                if status == 200 and fields:
                    document = project(document, fields)
                return status, document
        raise _not_found()

    def _routes(self, method: str):
        cid = r"/campaigns/([^/]+)"
        return {
            "GET": [
                (r"/ping", self._ping),
                (r"/lists/([^/]+)", self._get_list),
                (r"/lists/([^/]+)/segments", self._get_segments),
                (r"/campaigns", self._list_campaigns),
                (cid, self._get_campaign),
                (cid + "/content", self._get_content),
                (cid + "/send-checklist", self._get_checklist),
                (r"/reports/([^/]+)", self._get_report),
                (r"/reports/([^/]+)/click-details", self._get_click_details),
            ],
            "POST": [
                (r"/campaigns", self._create_campaign),
                (cid + "/actions/test", self._test),
                (cid + "/actions/schedule", self._schedule),
                (cid + "/actions/unschedule", self._unschedule),
                (cid + "/actions/send", self._send),
            ],
            "PATCH": [(cid, self._update_campaign)],
            "PUT": [(cid + "/content", self._set_content)],
        }.get(method, [])

    def _ping(self, **_):
        return 200, {"health_status": "Everything's Chimpy!"}

    def _list(self, list_id: str) -> dict:
        if list_id not in self.lists:
            raise _not_found()
        return self.lists[list_id]

    def _get_list(self, list_id, **_):
        return 200, self._list(list_id)

    def _get_segments(self, list_id, query, **_):
        self._list(list_id)
        segments = [
            s for s in self.segments.get(list_id, []) if query.get("type") in (None, s["type"])
        ]
        return 200, self._page(segments, query, "segments")

    def _page(self, items: list, query: dict, name: str) -> dict:
        offset, count = int(query.get("offset", 0)), int(query.get("count", 10))
        return {name: copy.deepcopy(items[offset : offset + count]), "total_items": len(items)}

    def _campaign(self, campaign_id: str) -> dict:
        if campaign_id not in self.campaigns:
            raise _not_found()
        return self.campaigns[campaign_id]

    def _list_campaigns(self, query, **_):
        found = [
            c
            for c in self.campaigns.values()
            if all(
                query.get(k) in (None, v)
                for k, v in (
                    ("status", c["status"]),
                    ("type", c["type"]),
                    ("list_id", c["recipients"]["list_id"]),
                )
            )
        ]
        if query.get("sort_field"):
            # web_id breaks ties: campaigns made in the same second keep their order.
            found.sort(
                key=lambda c: (c[query["sort_field"]] or "", c["web_id"]),
                reverse=query.get("sort_dir") == "DESC",
            )
        return 200, self._page(found, query, "campaigns")

    def _get_campaign(self, campaign_id, **_):
        return 200, self._campaign(campaign_id)

    def _new_campaign(self, body: dict) -> dict:
        recipients = body.get("recipients") or {}
        audience = self.lists.get(recipients.get("list_id"))
        if audience is None:
            raise _invalid([("recipients.list_id", "Invalid list id.")])
        campaign_id = secrets.token_hex(5)
        web_id = next(self._web_ids)
        campaign = {
            "id": campaign_id,
            "web_id": web_id,
            "type": body["type"],
            "create_time": _stamp(_now()),
            "archive_url": f"http://eepurl.com/{campaign_id}",
            "status": "save",
            "emails_sent": 0,
            "send_time": "",
            "content_type": "template",
            "recipients": {},
            "settings": {
                "subject_line": "",
                "preview_text": "",
                "title": "",
                "from_name": "",
                "reply_to": "",
                "use_conversation": False,
                "to_name": "",
                "folder_id": "",
                "authenticate": True,
                "auto_footer": False,
                "inline_css": False,
                "auto_tweet": False,
                "fb_comments": True,
                "timewarp": False,
                "template_id": 0,
                "drag_and_drop": False,
            },
            "tracking": {"opens": True, "html_clicks": True, "text_clicks": False},
            "delivery_status": {"enabled": False},
            "_links": [],
        }
        self._set_recipients(campaign, recipients)
        self._set_settings(campaign, body.get("settings") or {})
        self.campaigns[campaign_id] = campaign
        self.contents[campaign_id] = {"html": "", "plain_text": ""}
        return campaign

    def _set_recipients(self, campaign: dict, recipients: dict) -> None:
        audience = self.lists.get(recipients.get("list_id"))
        if audience is None:
            raise _invalid([("recipients.list_id", "Invalid list id.")])
        segment = (recipients.get("segment_opts") or {}).get("saved_segment_id")
        known = {s["id"]: s for s in self.segments.get(audience["id"], [])}
        if segment is not None and segment not in known:
            raise _invalid([("recipients.segment_opts.saved_segment_id", "Invalid segment id.")])
        campaign["recipients"] = {
            "list_id": audience["id"],
            "list_is_active": True,
            "list_name": audience["name"],
            "segment_text": f"Tag: {known[segment]['name']}" if segment else "",
            "recipient_count": audience["stats"]["member_count"],
            **({"segment_opts": {"saved_segment_id": segment, "match": "all"}} if segment else {}),
        }

    def _set_settings(self, campaign: dict, settings: dict) -> None:
        reply_to = settings.get("reply_to")
        if reply_to and not _EMAIL.fullmatch(reply_to):
            raise _invalid([("settings.reply_to", "This value should be a valid email.")])
        if len(settings.get("subject_line") or "") > 150:
            raise _invalid([("settings.subject_line", "This value is too long.")])
        campaign["settings"].update(settings)

    def _create_campaign(self, body, **_):
        return 200, self._new_campaign(body)

    def _editable(self, campaign: dict, what: str) -> None:
        if campaign["status"] in ("sending", "sent"):
            raise Problem(
                400, "Bad Request", f"This campaign has already been sent and cannot be {what}."
            )
        if campaign["status"] not in ("save", "paused"):
            raise Problem(
                400,
                "Bad Request",
                f"This campaign is {campaign['status']}d and cannot be {what}; unschedule it "
                "first.",
            )

    def _update_campaign(self, campaign_id, body, **_):
        campaign = self._campaign(campaign_id)
        self._editable(campaign, "updated")
        updated = copy.deepcopy(campaign)  # all or nothing, as Mailchimp
        if "recipients" in body:
            self._set_recipients(updated, body["recipients"])
        self._set_settings(updated, body["settings"])
        self.campaigns[campaign_id] = updated
        return 200, updated

    def _get_content(self, campaign_id, **_):
        self._campaign(campaign_id)
        return 200, {**self.contents[campaign_id], "_links": []}

    def _set_content(self, campaign_id, body, **_):
        campaign = self._campaign(campaign_id)
        self._editable(campaign, "edited")
        if not body.get("html") and not body.get("url") and not body.get("template"):
            raise _invalid([("html", "Content is required: html, url, template or archive.")])
        self.contents[campaign_id] = {
            "html": body.get("html", ""),
            # Mailchimp makes a plain-text version when none is given.
            "plain_text": body.get("plain_text") or re.sub(r"<[^>]+>", "", body.get("html", "")),
        }
        campaign["content_type"] = "html"
        return 200, {**self.contents[campaign_id], "_links": []}

    def _checklist(self, campaign: dict) -> list[dict]:
        settings = campaign["settings"]
        audience = self.lists[campaign["recipients"]["list_id"]]
        items = []

        def item(ok: bool, heading: str, good: str, bad: str, kind: str = "error") -> None:
            items.append(
                {
                    "type": "success" if ok else kind,
                    "id": len(items) + 1,
                    "heading": heading,
                    "details": good if ok else bad,
                }
            )

        item(
            bool(settings["subject_line"]),
            "Subject line",
            settings["subject_line"],
            "You haven't added a subject line.",
        )
        item(
            bool(settings["preview_text"]),
            "Preview text",
            settings["preview_text"],
            "You haven't added preview text.",
            kind="warning",
        )
        item(
            bool(settings["from_name"]),
            "From name",
            settings["from_name"],
            "You haven't added a from name.",
        )
        item(
            bool(_EMAIL.fullmatch(settings["reply_to"] or "")),
            "Reply-to address",
            settings["reply_to"],
            "You haven't added a valid reply-to address.",
        )
        members = audience["stats"]["member_count"]
        item(
            members > 0,
            "Audience",
            f"{audience['name']}: {members} recipients",
            f"{audience['name']} has no subscribed contacts.",
        )
        item(
            bool(self.contents[campaign["id"]]["html"]),
            "Content",
            "Your content is ready.",
            "You haven't designed your email yet.",
        )
        return items

    def _get_checklist(self, campaign_id, **_):
        items = self._checklist(self._campaign(campaign_id))
        ready = all(i["type"] != "error" for i in items)
        return 200, {"is_ready": ready, "items": items, "_links": []}

    def _require_ready(self, campaign: dict, action: str) -> None:
        errors = [i for i in self._checklist(campaign) if i["type"] == "error"]
        if errors:
            raise Problem(
                400,
                "Bad Request",
                f"Your campaign is not ready to {action}. "
                + " ".join(i["details"] for i in errors),
            )

    def _test(self, campaign_id, body, **_):
        campaign = self._campaign(campaign_id)
        if campaign["status"] in ("sending", "sent"):
            raise Problem(400, "Bad Request", "This campaign has already been sent.")
        bad = [e for e in body["test_emails"] if not _EMAIL.fullmatch(e)]
        if not body["test_emails"] or bad:
            raise _invalid([("test_emails", "Provide valid email addresses for the test.")])
        if not self.contents[campaign_id]["html"]:
            raise Problem(400, "Bad Request", "You haven't designed your email yet.")
        self.test_sends.append((campaign_id, list(body["test_emails"]), body["send_type"]))
        return 204, None

    def _schedule(self, campaign_id, body, **_):
        campaign = self._campaign(campaign_id)
        if campaign["status"] == "schedule":
            raise Problem(400, "Bad Request", "This campaign is already scheduled.")
        self._editable(campaign, "scheduled")
        when = _datetime(body["schedule_time"])
        if when.minute % 15 or when.second or when.microsecond:
            raise Problem(
                400,
                "Invalid Resource",
                "Schedule time must be on the quarter-hour (:00, :15, :30, :45).",
                [("schedule_time", "Schedule time must be on the quarter-hour.")],
            )
        if when <= _now():
            raise Problem(
                400,
                "Invalid Resource",
                "Schedule time must be in the future.",
                [("schedule_time", "Schedule time must be in the future.")],
            )
        self._require_ready(campaign, "schedule")
        campaign["status"] = "schedule"
        campaign["send_time"] = _stamp(when.astimezone(dt.UTC))
        return 204, None

    def _unschedule(self, campaign_id, **_):
        campaign = self._campaign(campaign_id)
        if campaign["status"] != "schedule":
            raise Problem(400, "Bad Request", "This campaign is not scheduled.")
        campaign["status"] = "save"
        campaign["send_time"] = ""
        return 204, None

    def _send(self, campaign_id, **_):
        campaign = self._campaign(campaign_id)
        if campaign["status"] in ("sending", "sent"):
            raise Problem(400, "Bad Request", "This campaign has already been sent.")
        if campaign["status"] == "schedule":
            raise Problem(400, "Bad Request", "This campaign is scheduled; unschedule it first.")
        self._require_ready(campaign, "send")
        campaign["status"] = "sending"
        campaign["send_time"] = _stamp(_now())
        return 204, None

    def _audience_size(self, campaign: dict) -> int:
        return self.lists[campaign["recipients"]["list_id"]]["stats"]["member_count"]

    def _get_report(self, campaign_id, **_):
        campaign = self._campaign(campaign_id)
        if campaign["status"] not in ("sending", "sent"):
            raise _not_found()
        sent = campaign["emails_sent"]
        report = {
            "id": campaign_id,
            "campaign_title": campaign["settings"]["title"],
            "type": campaign["type"],
            "list_id": campaign["recipients"]["list_id"],
            "subject_line": campaign["settings"]["subject_line"],
            "emails_sent": sent,
            "abuse_reports": 0,
            "unsubscribed": 0,
            "send_time": campaign["send_time"],
            "bounces": {"hard_bounces": 0, "soft_bounces": 0, "syntax_errors": 0},
            "opens": {"opens_total": 0, "unique_opens": 0, "open_rate": 0, "last_open": ""},
            "clicks": {
                "clicks_total": 0,
                "unique_clicks": 0,
                "unique_subscriber_clicks": 0,
                "click_rate": 0,
                "last_click": "",
            },
            "_links": [],
        }
        for key, value in self.reports.get(campaign_id, {}).items():
            if isinstance(value, dict):
                report[key].update(value)
            else:
                report[key] = value
        return 200, report

    def _get_click_details(self, campaign_id, query, **_):
        self._get_report(campaign_id)
        urls = [
            {
                "id": secrets.token_hex(5),
                "campaign_id": campaign_id,
                "last_click": "",
                "click_percentage": 0,
                "unique_click_percentage": 0,
                **link,
            }
            for link in self.clicks.get(campaign_id, [])
        ]
        if query.get("sort_field"):
            urls.sort(key=lambda u: u[query["sort_field"]], reverse=query.get("sort_dir") == "DESC")
        return 200, {**self._page(urls, query, "urls_clicked"), "campaign_id": campaign_id}

    def authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            _, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return password == self.api_key


def served_routes() -> list[tuple[str, str]]:
    """(method, path pattern) of every route the fake answers: what the vendored API
    description must cover (tests/mailchimp/trim.py keeps exactly these operations)."""
    fake = FakeMailchimp.__new__(FakeMailchimp)  # the routes need no account and no spec
    return [
        (method, pattern)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        for pattern, _ in fake._routes(method)
    ]


def _handler(fake: FakeMailchimp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "openresty"  # what Mailchimp's API answers with

        def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
            pass  # quiet: the log is `fake.requests`

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

        def _handle(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urlsplit(self.path)
            path = url.path.removeprefix("/3.0")
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            with fake.lock:
                record = Recorded(method, path, query, body)
                fault = fake._take_fault(len(fake.requests), method, path)
                record.fault = fault
                fake.requests.append(record)
            try:
                self._serve(record, fault)
            finally:
                fake.on_request(record)

        def _serve(self, record: Recorded, fault: Fault | None) -> None:
            if fault and fault.kind == "drop":
                self.close_connection = True
                return
            if fault and fault.kind == "bare":
                record.status = fault.status
                self.send_response(fault.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault and fault.kind == "echo":
                return self._answer(record, *self._problem(self._echo(fault)))
            if fault and fault.kind == "late":
                time.sleep(fault.delay)
            if fault and fault.kind == "status":
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                title = {429: "Too Many Requests"}.get(
                    fault.status, HTTPStatus(fault.status).phrase
                )
                detail = {
                    429: "You have exceeded the limit of 10 simultaneous connections.",
                    503: "The service is temporarily unavailable.",
                }.get(fault.status, "An unexpected internal error has occurred.")
                return self._answer(
                    record, *self._problem(Problem(fault.status, title, detail, headers=headers))
                )
            status, document, headers = self._apply(
                record.method, record.path, record.query, record.body
            )
            if fault and fault.kind == "lost":
                self.close_connection = True
                return
            if fault and fault.kind == "slow":
                time.sleep(fault.delay)
            if fault and fault.kind == "body":
                return self._raw(record, fault)
            self._answer(record, status, document, headers)

        def _echo(self, fault: Fault) -> Problem:
            """An error page from a proxy that quotes what it was sent, secrets and all."""
            header = self.headers.get("Authorization") or ""
            try:
                decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
            except ValueError:
                decoded = ""
            password = decoded.partition(":")[2]
            headers = {"X-Echo-Authorization": header}
            if fault.retry_after:
                headers["Retry-After"] = str(fault.retry_after)
            return Problem(
                fault.status,
                f"{HTTPStatus(fault.status).phrase} (Authorization: {header})",
                f"Request headers: {dict(self.headers.items())}; credentials {decoded}",
                [
                    ("Authorization", header),
                    ("api_key", password),
                    ("key_id", password.split("-")[0].upper()),
                ],
                headers=headers,
            )

        def _raw(self, record: Recorded, fault: Fault) -> None:
            record.status = fault.status
            data = fault.body.encode()
            self.send_response(fault.status)
            self.send_header("Content-Type", fault.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _apply(self, method, path, query, body):
            if not fake.authorised(self.headers.get("Authorization")):
                return self._problem(
                    Problem(
                        401,
                        "API Key Invalid",
                        "Your API key may be invalid, or you've attempted to access the wrong "
                        "datacenter.",
                    )
                )
            try:
                status, document = fake.respond(method, path, query, body)
            except Problem as problem:
                return self._problem(problem)
            return status, document, {}

        @staticmethod
        def _problem(problem: Problem):
            headers = {"Content-Type": "application/problem+json; charset=utf-8", **problem.headers}
            return problem.status, problem.document(), headers

        def _answer(self, record: Recorded, status: int, document, headers: dict) -> None:
            record.status = status
            try:
                self.send_response(status)
                if status == 204:
                    self.end_headers()
                    return
                data = json.dumps(document).encode()
                headers = {"Content-Type": "application/json; charset=utf-8", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a slow answer)

    return Handler


def main() -> None:
    """Serve a fake account until interrupted, logging each request: for trying `catalyst push`
    by hand. `python tests/fake_mailchimp.py [--port N] [--list-id ID]`."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--list-id", default=LIST_ID, help="the audience's id (mkdocs.yml)")
    arguments = parser.parse_args()
    fake = FakeMailchimp()
    fake.lists = {arguments.list_id: {**fake.lists[LIST_ID], "id": arguments.list_id}}
    fake.segments = {arguments.list_id: fake.segments[LIST_ID]}
    fake.on_request = lambda record: print(f"fake: {record}", flush=True)
    fake._server = ThreadingHTTPServer(("127.0.0.1", arguments.port), _handler(fake))
    print(f"export MAILCHIMP_API_URL={fake.url}", flush=True)
    print(f"export MAILCHIMP_API_KEY={fake.api_key}", flush=True)
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        fake._server.server_close()


if __name__ == "__main__":
    main()
