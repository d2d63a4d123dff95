"""When things go live: one rule (`catalyst.content.publishing.live_at`) for the site, the
feeds, the home page and the push, at the build's moment (the clock, or SOURCE_DATE_EPOCH).

A copy of the project gets a July 2023 issue (send_at July 6, 09:00 at -04:00), its catalyzer,
a post dated July 3 and a resource pointing to that post. Built on June 20, none of them is
anywhere in the site; a preview (`catalyst build --preview`, `mkdocs serve`) shows them, each
marked with the moment it goes live; built on July 10, they are all there, unmarked.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from catalyst.cli import main
from catalyst.content import loader as content
from catalyst.content import publishing as model
from catalyst.mailchimp import push as mailchimp
from catalyst.settings import load_settings
from conftest import copy_project

pytest_plugins = ["mailchimp_fixtures"]

UTC = dt.UTC
NOW = dt.datetime(2023, 6, 20, 12, 0, tzinfo=UTC)  # the build's moment in these tests
POST_LIVE = dt.datetime(2023, 7, 3, tzinfo=UTC)
ISSUE_LIVE = dt.datetime(2023, 7, 6, 13, 0, tzinfo=UTC)  # 09:00 at -04:00
LATER = dt.datetime(2023, 7, 10, tzinfo=UTC)

POST_SLUG = "summer-reading-for-learning-teams"
POST_URL = f"blog/2023/07/{POST_SLUG}/"
POST_TITLE = "Summer reading for learning teams"
ISSUE_TITLE = "Learning out of school"
JUNE_TITLE = "Trust and connectedness"
JUNE_POST = "How might learner-centered systems promote relationships and teamwork?"
UPCOMING_TEXTS = (POST_TITLE, ISSUE_TITLE, "Ada Example")

POST = f"""\
---
date: 2023-07-03
authors:
  - devin
categories:
  - Community
description: Five books a learning team can read together.
---

# {POST_TITLE}

Five books a learning team can read together over the summer.

<!-- more -->

The rest of the post.
"""

RESOURCE = f"""\
---
title: {POST_TITLE}
kind: blog-post
summary: Five books for a team's summer.
post: {POST_SLUG}
---
"""

CATALYZER = """\
---
name: Ada Example
role: Teacher
location: Example City, ST
month: 2023-07
---

A fixture's profile: one paragraph about a made-up teacher.
"""

ISSUE = f"""\
---
month: 2023-07
title: {ISSUE_TITLE}
subject: "Catalyst: learning out of school"
preview_text: What a summer of learning beyond the classroom taught us.
send_at: 2023-07-06T09:00:00-04:00
sections:
  - kind: resources
    heading: Resources
    items:
      - summer-reading
  - kind: catalyzer
    heading: Learner-Centered Catalyzer
    intro: Each month in Catalyst we celebrate a learner-centered catalyzer.
---

The editor's July letter.
"""


def add_upcoming(project: Path) -> Path:
    (project / f"content/blog/posts/{POST_SLUG}.md").write_text(POST, encoding="utf-8")
    (project / "content/resources/summer-reading.md").write_text(RESOURCE, encoding="utf-8")
    (project / "content/catalyzers/ada-example.md").write_text(CATALYZER, encoding="utf-8")
    (project / "issues/2023-07.md").write_text(ISSUE, encoding="utf-8")
    return project


def epoch(moment: dt.datetime) -> str:
    return str(int(moment.timestamp()))


def environ(moment: dt.datetime) -> dict:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", model.SOURCE_DATE_EPOCH: epoch(moment)}


def run(args: list, project: Path, moment: dt.datetime) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args, cwd=project, env=environ(moment), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def mkdocs_build(project: Path, site: Path, moment: dt.datetime) -> Path:
    """The real `mkdocs build --strict`, at `moment`."""
    run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], project, moment)
    return site


def catalyst_build(project: Path, site: Path, moment: dt.datetime, *options: str) -> Path:
    catalyst = Path(sys.executable).with_name("catalyst")
    run([str(catalyst), "build", "-d", str(site), *options], project, moment)
    return site


@pytest.fixture(scope="module")
def upcoming_project(tmp_path_factory) -> Path:
    return add_upcoming(copy_project(tmp_path_factory.mktemp("upcoming") / "project"))


@pytest.fixture(scope="module")
def real(upcoming_project) -> Path:
    return mkdocs_build(upcoming_project, upcoming_project / "real", NOW)


@pytest.fixture(scope="module")
def preview(upcoming_project) -> Path:
    catalyst = Path(sys.executable).with_name("catalyst")
    result = run([str(catalyst), "build", "--preview"], upcoming_project, NOW)
    target = upcoming_project / "build/preview"  # never into site/, the published site
    assert f"Preview (with what is upcoming) built in {target}" in result.stdout
    assert not (upcoming_project / "site").exists()
    return target


@pytest.fixture(scope="module")
def later(upcoming_project) -> Path:
    return catalyst_build(upcoming_project, upcoming_project / "later", LATER)


def page(site: Path, path: str) -> BeautifulSoup:
    file = site / path / "index.html" if not path.endswith(".html") else site / path
    return BeautifulSoup(file.read_text(encoding="utf-8"), "lxml")


def text(tag) -> str:
    return tag.get_text(" ", strip=True).replace("¶", "").strip()


def marks(soup: BeautifulSoup) -> list[str]:
    """The `datetime` of every "Upcoming" mark on a page."""
    return [m.find("time")["datetime"] for m in soup.select(".catalyst-upcoming")]


def rss_titles(site: Path, name: str) -> list[str]:
    root = ElementTree.parse(site / name).getroot()
    return [item.findtext("title") for item in root.iter("item")]


def json_titles(site: Path, name: str) -> list[str]:
    return [item["title"] for item in json.loads((site / name).read_text())["items"]]


FEEDS = ("feed_rss_created.xml", "feed_rss_updated.xml")
JSON_FEEDS = ("feed_json_created.json", "feed_json_updated.json")


# ---------------------------------------------------------------------------- the rule


@pytest.fixture
def library_at(upcoming_project):
    settings = load_settings(upcoming_project / "mkdocs.yml")

    def at(moment: dt.datetime, preview: bool = False):
        library, problems = content.load(settings, now=moment, preview=preview)
        assert [p for p in problems if p.level == "error"] == []
        return library

    return at


def test_each_kind_goes_live_by_the_one_rule(library_at):
    lib = library_at(NOW)
    assert lib.live_at(lib.issues["2023-07"]) == ISSUE_LIVE  # its send_at, in UTC
    # No send_at: the first day of its month (the June seed has none).
    assert lib.live_at(lib.issues["2023-06"]) == dt.datetime(2023, 6, 1, tzinfo=UTC)
    assert lib.live_at(lib.posts[POST_SLUG]) == POST_LIVE
    # A catalyzer with the issue that features it, not at its month's start.
    assert lib.live_at(lib.catalyzers["ada-example"]) == ISSUE_LIVE
    assert lib.live_at(lib.catalyzers["contessa-orr"]) == dt.datetime(2023, 6, 1, tzinfo=UTC)
    # A resource on its date, or with the post it leads to; without either, always live.
    video = lib.resources["leading-the-way-to-trust-and-connectedness"]
    assert lib.live_at(video) == dt.datetime(2023, 6, 1, tzinfo=UTC)
    assert lib.live_at(lib.resources["summer-reading"]) == POST_LIVE
    assert lib.live_at(video.model_copy(update={"date": None})) == model.ALWAYS


def test_a_catalyzer_featured_by_no_issue_goes_live_with_its_month(library_at):
    lib = library_at(NOW)
    july = lib.issues["2023-07"]
    lib.issues["2023-07"] = july.model_copy(update={"draft": True})  # a draft features nothing
    assert lib.live_at(lib.catalyzers["ada-example"]) == dt.datetime(2023, 7, 1, tzinfo=UTC)


def test_a_resource_goes_live_on_its_date_and_not_before_its_post(library_at):
    lib = library_at(NOW)
    video = lib.resources["leading-the-way-to-trust-and-connectedness"]
    dated = video.model_copy(update={"date": dt.date(2023, 8, 1)})
    assert lib.live_at(dated) == dt.datetime(2023, 8, 1, tzinfo=UTC)
    early = lib.resources["summer-reading"].model_copy(update={"date": dt.date(2023, 6, 1)})
    assert lib.live_at(early) == POST_LIVE
    # An event's start is when it happens, not when it is announced.
    event = video.model_copy(
        update={"date": None, "starts": dt.datetime(2023, 9, 1, 18, tzinfo=UTC)}
    )
    assert lib.live_at(event) == model.ALWAYS


def test_the_views_show_what_is_live_at_the_librarys_now(library_at):
    def months(lib):
        return [i.month for i in lib.published_issues()]

    before = library_at(ISSUE_LIVE - dt.timedelta(seconds=1))
    assert months(before) == ["2023-06"]
    assert before.latest_issue().month == "2023-06"
    assert [c.slug for c in before.published_catalyzers()] == ["contessa-orr"]
    assert POST_SLUG in [p.key for p in before.published_posts()]  # July 3 is past by then

    at_send = library_at(ISSUE_LIVE)  # live at the very second it is sent
    assert months(at_send) == ["2023-07", "2023-06"]
    assert at_send.upcoming(at_send.issues["2023-07"]) is None

    june = library_at(NOW)
    assert [p.key for p in june.published_posts()] == [
        "how-might-learner-centered-systems-promote-relationships-and-teamwork"
    ]
    assert [r.slug for r in june.published_resources()] == [
        "leading-the-way-to-trust-and-connectedness",
        "how-might-learner-centered-systems-promote-relationships-and-teamwork",
    ]
    assert june.upcoming(june.issues["2023-07"]) == ISSUE_LIVE

    ahead = library_at(NOW, preview=True)
    assert months(ahead) == ["2023-07", "2023-06"]
    assert ahead.latest_issue().month == "2023-07"
    assert POST_SLUG in [p.key for p in ahead.published_posts()]
    assert "summer-reading" in [r.slug for r in ahead.published_resources()]
    assert ahead.upcoming(ahead.issues["2023-07"]) == ISSUE_LIVE


@pytest.mark.parametrize("preview", [False, True])
@pytest.mark.parametrize("moment", [ISSUE_LIVE - dt.timedelta(seconds=1), ISSUE_LIVE, NOW, LATER])
def test_the_three_views_at_once_say_what_each_says(library_at, moment, preview):
    lib = library_at(moment, preview=preview)
    lib.posts[POST_SLUG] = lib.posts[POST_SLUG].model_copy(update={"draft": True})
    for kind in (lib.posts, lib.resources, lib.catalyzers, lib.issues):
        for item in kind.values():
            assert lib.publishing(item) == (lib.shown(item), lib.is_live(item), lib.upcoming(item))


def test_drafts_are_never_shown_not_even_in_a_preview(library_at):
    lib = library_at(LATER, preview=True)
    lib.posts[POST_SLUG] = lib.posts[POST_SLUG].model_copy(update={"draft": True})
    assert POST_SLUG not in [p.key for p in lib.published_posts()]
    assert lib.upcoming(lib.posts[POST_SLUG]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1687262400", NOW),
        (" 1687262400\n", NOW),
        ("0", dt.datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_source_date_epoch_sets_the_builds_now(value, expected):
    assert model.build_now({model.SOURCE_DATE_EPOCH: value}) == expected


def test_without_source_date_epoch_the_build_publishes_at_the_clocks_time():
    before = dt.datetime.now(UTC)
    now = model.build_now({})
    assert before <= now <= dt.datetime.now(UTC)
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("value", ["", "yesterday", "1687262400.5", "9" * 30])
def test_a_bad_source_date_epoch_is_a_clear_error(value):
    with pytest.raises(model.ClockError) as error:
        model.build_now({model.SOURCE_DATE_EPOCH: value})
    assert str(error.value).startswith(f"SOURCE_DATE_EPOCH={value!r} is not a time: give whole")


@pytest.mark.parametrize(
    "command",
    [["-m", "mkdocs", "build", "--strict", "-d", "site"], ["-m", "catalyst.cli", "check"]],
    ids=["mkdocs build", "catalyst check"],
)
def test_a_bad_source_date_epoch_stops_with_its_message(project, command):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", model.SOURCE_DATE_EPOCH: "soon"}
    result = subprocess.run(
        [sys.executable, *command],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1
    assert "SOURCE_DATE_EPOCH='soon' is not a time: give whole seconds" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()


# ---------------------------------------------------------------------------- the gates


@pytest.fixture
def editable(project) -> Path:
    """A fresh copy of the project with the upcoming content, for a test to change."""
    return add_upcoming(project)


def test_an_issue_featuring_a_post_that_goes_live_after_it_is_an_error(editable):
    issue = editable / "issues/2023-07.md"
    original = issue.read_text(encoding="utf-8")
    issue.write_text(original.replace("2023-07-06T09:00", "2023-07-01T09:00"), encoding="utf-8")
    _, problems = content.load(load_settings(editable / "mkdocs.yml"), now=NOW)
    assert [str(p) for p in problems] == [
        "issues/2023-07.md:11: error: sections[0].items[0]: 'summer-reading' leads to the "
        f"post '{POST_SLUG}', which goes live on 2023-07-03 00:00 UTC, after this issue "
        "(2023-07-01 13:00 UTC): readers would find no page there"
    ]
    # In the past both, nothing is broken any more: old issues are not held to it.
    _, problems = content.load(load_settings(editable / "mkdocs.yml"), now=LATER)
    assert problems == []


JUNE_POST_FILE = (
    "how-might-learner-centered-systems-promote-relationships-and-teamwork.md"
)


def test_check_flags_a_link_to_a_page_that_goes_live_later(editable, monkeypatch):
    from catalyst import checks as check

    monkeypatch.setenv(model.SOURCE_DATE_EPOCH, epoch(NOW))
    posts = editable / "content/blog/posts"
    june_post = posts / JUNE_POST_FILE
    original = june_post.read_text(encoding="utf-8")
    at = len(original.split("\n")) + 1
    june_post.write_text(
        original + f"\nRead next: [summer reading]({POST_SLUG}.md).\n", encoding="utf-8"
    )
    # The other way round is fine: the newer post may link to the older one.
    summer = posts / f"{POST_SLUG}.md"
    summer.write_text(
        summer.read_text() + f"\nEarlier: [relationships]({JUNE_POST_FILE}).\n",
        encoding="utf-8",
    )
    problems = check.run(load_settings(editable / "mkdocs.yml"))
    assert [str(p) for p in problems if p.level == "error"] == [
        f"content/blog/posts/{JUNE_POST_FILE}:{at}: error: link '{POST_SLUG}.md' leads to a "
        "page that goes live on 2023-07-03 00:00 UTC, after this one (from 2023-06-01 00:00 "
        "UTC): the link would be broken until then"
    ]
    # Once both are live, nothing is broken any more.
    monkeypatch.setenv(model.SOURCE_DATE_EPOCH, epoch(POST_LIVE))
    problems = check.run(load_settings(editable / "mkdocs.yml"))
    assert [str(p) for p in problems if p.level == "error"] == []


def test_send_now_is_refused_while_send_at_is_ahead(fake, newsletter, june):
    issue = june[0].model_copy(update={"send_at": dt.datetime.now(UTC) + dt.timedelta(days=2)})
    from mailchimp_support import connect

    options = mailchimp.PushOptions(send_now=True, yes=True)
    with pytest.raises(mailchimp.MailchimpError) as error:
        mailchimp.push(issue, june[1], june[2], newsletter, connect(fake), options)
    message = str(error.value)
    assert message.startswith("issues/2023-06.md: --send-now: send_at is ")
    assert "still ahead, and the issue's web copy goes live on the site then" in message
    assert fake.requests == []  # refused before any request


def test_send_now_is_refused_before_an_issue_without_send_at_has_its_month(fake, newsletter,
                                                                          june):
    from mailchimp_support import connect

    month = (dt.datetime.now(UTC) + dt.timedelta(days=40)).strftime("%Y-%m")
    issue = june[0].model_copy(update={"month": month, "source": f"issues/{month}.md"})
    options = mailchimp.PushOptions(send_now=True, yes=True)
    with pytest.raises(mailchimp.MailchimpError) as error:
        mailchimp.push(issue, june[1], june[2], newsletter, connect(fake), options)
    assert str(error.value) == (
        f"issues/{month}.md: --send-now: the issue goes live on the site on {month}-01 00:00 UTC "
        "(the first day of its month: it has no send_at). Schedule it with a send_at "
        "(--schedule), or send it once its month has begun"
    )
    assert fake.requests == []


def test_the_push_command_refuses_to_send_an_unsent_issue_now(editable):
    issue = editable / "issues/2023-07.md"
    send_at = (dt.datetime.now(UTC) + dt.timedelta(days=3)).replace(minute=0, second=0)
    issue.write_text(
        issue.read_text().replace("2023-07-06T09:00:00-04:00", send_at.isoformat()),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["-f", str(editable / "mkdocs.yml"), "push", "2023-07", "--send-now", "--yes"],
        env={"MAILCHIMP_API_KEY": None},
    )
    assert result.exit_code == 1
    assert (
        f"issues/2023-07.md: --send-now: send_at is {send_at:%Y-%m-%d %H:%M} UTC, still ahead"
        in result.output
    )
    assert "Traceback" not in result.output
    assert not (editable / "build/outbox/2023-07").exists()


# ---------------------------------------------------------------------------- the built site


def upcoming_marks(site: Path) -> list[str]:
    """Every page of a built site that carries an "Upcoming" mark."""
    return [
        path.relative_to(site).as_posix()
        for path in sorted(site.rglob("*.html"))
        if BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").select(".catalyst-upcoming")
    ]


def all_text(site: Path) -> dict[str, str]:
    """Every file of a built site as text (gzip opened), keyed by its path."""
    found = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix in (".png", ".jpg", ".ico", ".woff2"):
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        found[path.relative_to(site).as_posix()] = data.decode("utf-8", errors="replace")
    return found


def test_nothing_upcoming_is_anywhere_in_a_real_build(real):
    files = all_text(real)
    assert "index.html" in files and "search/search_index.json" in files
    for name, body in files.items():
        for upcoming in UPCOMING_TEXTS:
            assert upcoming not in body, f"{upcoming!r} in {name}"
        assert "2023-07" not in name and "ada-example" not in name and POST_SLUG not in name
    assert upcoming_marks(real) == []
    assert not (real / POST_URL).exists()
    assert not (real / "issues/2023-07").exists()  # neither its page nor its email copy


def test_the_real_builds_home_page_and_feeds_show_only_what_is_live(real):
    home = page(real, "")
    assert text(home.select_one(".catalyst-latest h2")) == JUNE_TITLE
    blog = home.select("section[aria-labelledby=from-the-blog] article h3")
    assert [text(h) for h in blog] == [JUNE_POST]
    heading = text(home.select_one("#catalyzer-of-the-month"))
    assert heading == "June’s Learner-Centered Catalyzer"
    for feed in FEEDS:
        assert rss_titles(real, feed) == [JUNE_POST]
    for feed in JSON_FEEDS:
        assert json_titles(real, feed) == [JUNE_POST]
    archive = page(real, "issues")
    assert [text(h) for h in archive.select(".catalyst-issue-item h2")] == [JUNE_TITLE]
    blog = page(real, "blog")
    assert [text(h) for h in blog.select("article.md-post h2")] == [JUNE_POST]


def test_a_preview_shows_whats_upcoming_marked_with_when_it_goes_live(preview):
    post, issue = POST_LIVE.isoformat(), ISSUE_LIVE.isoformat()
    assert marks(page(preview, POST_URL)) == [post]
    banner = page(preview, POST_URL).select_one("p.catalyst-upcoming-banner")
    assert text(banner) == "Upcoming: goes live on July 3, 2023, 00:00 UTC"
    assert text(page(preview, POST_URL).select_one("h1")) == POST_TITLE
    issue_page = page(preview, "issues/2023-07")
    assert text(issue_page.select_one("p.catalyst-upcoming-banner")) == (
        "Upcoming: goes live on July 6, 2023, 13:00 UTC"
    )
    assert (preview / "issues/2023-07/email.html").is_file()
    assert marks(page(preview, "catalyzers/ada-example")) == [issue]

    home = page(preview, "")
    latest = home.select_one(".catalyst-latest")
    assert text(latest.select_one("h2")) == ISSUE_TITLE
    assert marks(latest) == [issue]
    teasers = home.select("section[aria-labelledby=from-the-blog] article")
    assert [text(t.select_one("h3")) for t in teasers] == [POST_TITLE, JUNE_POST]
    assert [marks(t) for t in teasers] == [[post], []]

    cards = page(preview, "issues").select(".catalyst-issue-item")
    assert [(text(c.select_one("h2")), marks(c)) for c in cards] == [
        (ISSUE_TITLE, [issue]),
        (JUNE_TITLE, []),
    ]
    people = page(preview, "catalyzers").select(".catalyst-people li")
    assert [marks(p) for p in people] == [[issue], []]
    assert marks(page(preview, "resources")) == [post]
    blog = page(preview, "blog").select("article.md-post")
    assert [marks(a) for a in blog] == [[post], []]
    for feed in FEEDS:
        assert rss_titles(preview, feed) == [POST_TITLE, JUNE_POST]


def test_once_live_everything_is_there_unmarked(later):
    assert (later / POST_URL / "index.html").is_file()
    assert (later / "issues/2023-07/email.html").is_file()
    assert text(page(later, "").select_one(".catalyst-latest h2")) == ISSUE_TITLE
    for feed in FEEDS:
        assert rss_titles(later, feed) == [POST_TITLE, JUNE_POST]
    assert upcoming_marks(later) == []


def test_the_feeds_channel_date_is_the_newest_posts_not_the_builds(real, later):
    def channel(site: Path, tag: str) -> str:
        root = ElementTree.parse(site / "feed_rss_created.xml").getroot()
        return root.find(f"channel/{tag}").text

    for tag in ("pubDate", "lastBuildDate"):
        assert channel(real, tag) == "Thu, 01 Jun 2023 00:00:00 +0000"
        assert channel(later, tag) == "Mon, 03 Jul 2023 00:00:00 +0000"


# ---------------------------------------------------------------------------- mkdocs serve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_mkdocs_serve_previews_whats_upcoming_marked(upcoming_project):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--no-livereload", "-a", f"127.0.0.1:{port}"],
        cwd=upcoming_project, env=environ(NOW),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base, timeout=5) as answer:
                    home = BeautifulSoup(answer.read(), "lxml")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "mkdocs serve did not answer in 120 s"
                time.sleep(0.5)
        with urllib.request.urlopen(base + POST_URL, timeout=30) as answer:
            post = BeautifulSoup(answer.read(), "lxml")
        with urllib.request.urlopen(base + "issues/2023-07/", timeout=30) as answer:
            issue = BeautifulSoup(answer.read(), "lxml")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert text(home.select_one(".catalyst-latest h2")) == ISSUE_TITLE
    assert marks(home.select_one(".catalyst-latest")) == [ISSUE_LIVE.isoformat()]
    assert marks(post) == [POST_LIVE.isoformat()]
    assert marks(issue) == [ISSUE_LIVE.isoformat(), POST_LIVE.isoformat()]


def test_a_preview_does_not_leak_into_the_next_build_of_the_process(editable, monkeypatch):
    # MkDocs keeps one instance of a plugin with on_startup for the whole process: a plain
    # build after a preview in the same process must not show the preview's upcoming things.
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from catalyst.site.build import build_site

    monkeypatch.setenv(model.SOURCE_DATE_EPOCH, epoch(NOW))
    monkeypatch.chdir(editable)
    build_site(editable / "mkdocs.yml", editable / "preview", preview=True)
    assert (editable / "preview" / POST_URL / "index.html").is_file()
    config = load_config(str(editable / "mkdocs.yml"), site_dir=str(editable / "real"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    assert (editable / "real/index.html").is_file()
    assert not (editable / "real" / POST_URL).exists()
    assert upcoming_marks(editable / "real") == []


def test_a_days_start_is_that_days_whatever_was_asked_before():
    from catalyst.content.publishing import day_start

    for day in (dt.date(2023, 6, 1), dt.date(2023, 6, 2), dt.date(2023, 6, 1)):
        assert day_start(day) == dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    east = dt.timezone(dt.timedelta(hours=5))
    late = dt.datetime(2023, 6, 2, 3, tzinfo=east)  # equal to June 1st, 22:00 UTC
    assert day_start(late.astimezone(dt.UTC)).day == 1
    assert day_start(late).day == 2  # an equal moment, another day: not taken from the first
