"""What a build leaves behind: the same bytes every time, no network, files others can read.

- Two builds of one commit at one moment (SOURCE_DATE_EPOCH) are identical file for file,
  also an hour apart: the feeds no longer carry the build's time. A day apart, only the
  sitemap differs (MkDocs writes the build's day as every page's lastmod and as the gzip's
  mtime); past a publishing time, so do the pages that went live.
- A build asks no outside host for anything, even for a post whose image is on one: run in
  a process where every socket connect and name lookup for a non-loopback address is
  recorded and refused.
- Every writer gives its files and folders the modes the umask allows, as `open()` and
  `mkdir()` would: 0644 and 0755 under umask 022 (`tempfile` alone gives 0600 and 0700).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest

from catalyst.content import publishing as model
from conftest import copy_project
from fake_mailchimp import LIST_ID
from test_publishing import NOW, add_upcoming, epoch

pytest_plugins = ["mailchimp_fixtures"]

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
JUNE_POST = (
    "content/blog/posts/how-might-learner-centered-systems-promote-relationships-and-teamwork.md"
)
OUTSIDE_IMAGE = "https://images.example.com/teams/relationships.png"


def environ(**extra) -> dict:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", **extra}


def run(args: list, cwd: Path, env: dict, umask: int | None = None):
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def mkdocs_build(project: Path, site: Path, moment: dt.datetime) -> Path:
    env = environ(**{model.SOURCE_DATE_EPOCH: epoch(moment)})
    run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", site], project, env)
    return site


def files_of(site: Path) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


def differing(first: Path, second: Path) -> list[str]:
    a, b = files_of(first), files_of(second)
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))


# ---------------------------------------------------------------------------- reproducible


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """The project with upcoming content, built at NOW, an hour and three days later,
    and past the July issue's send_at."""
    project = add_upcoming(copy_project(tmp_path_factory.mktemp("repro") / "project"))
    moments = {
        "now": NOW,
        "hour": NOW + HOUR,
        "days": NOW + 3 * DAY,
        "july": dt.datetime(2023, 7, 10, tzinfo=dt.UTC),
    }
    return {name: mkdocs_build(project, project / name, at) for name, at in moments.items()}


def test_two_builds_of_one_commit_are_byte_identical(builds):
    # An hour apart, with an email cache filled by the first: still every byte the same.
    assert differing(builds["now"], builds["hour"]) == []
    names = files_of(builds["now"])
    assert {"index.html", "feed_rss_created.xml", "feed_json_created.json", "sitemap.xml.gz",
            "search/search_index.json", "issues/2023-06/email.html", "feed_rss_issues.xml",
            "feed_json_issues.json"} <= names.keys()


def test_only_the_sitemap_carries_the_builds_day(builds):
    assert differing(builds["now"], builds["days"]) == ["sitemap.xml", "sitemap.xml.gz"]
    root = ElementTree.parse(builds["days"] / "sitemap.xml").getroot()
    days = {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}lastmod")}
    assert days == {"2023-06-23"}


def test_past_a_publishing_time_the_pages_that_went_live_differ(builds):
    changed = differing(builds["now"], builds["july"])
    assert "issues/2023-07/index.html" in changed and "feed_rss_created.xml" in changed
    assert {"feed_rss_issues.xml", "feed_json_issues.json"} <= set(changed)  # July joins
    assert "index.html" in changed  # the home page leads with July now


# ---------------------------------------------------------------------------- no network

SITECUSTOMIZE = '''\
"""Loaded at start-up (PYTHONPATH): note and refuse every attempt to leave this machine."""
import ipaddress
import os
import socket

_LOG = os.environ["CATALYST_NETWORK_LOG"]


def _note(what):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(what + "\\n")


def _loopback(host):
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(original):
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _note(f"connect {address!r}")
            raise OSError("the test refuses connections that leave this machine")
        return original(self, address)
    return connect


socket.socket.connect = _guard(socket.socket.connect)
socket.socket.connect_ex = _guard(socket.socket.connect_ex)
_getaddrinfo = socket.getaddrinfo


def _literal(host):
    try:
        ipaddress.ip_address(str(host).split("%")[0])
        return True
    except ValueError:
        return False


def getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if not _loopback(name) and not _literal(name):  # an address is checked at connect
        _note(f"getaddrinfo {name!r}")
        raise socket.gaierror(socket.EAI_NONAME, "the test refuses name lookups")
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = getaddrinfo
'''


@pytest.fixture
def offline(tmp_path) -> tuple[dict, Path]:
    """An environment whose Python processes note and refuse any outside connection."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "network.log"
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH")) if p)
    env = environ(PYTHONPATH=path, CATALYST_NETWORK_LOG=str(log))
    # No proxy: a request must go (and be caught) where it is addressed, not via 127.0.0.1.
    for name in [n for n in env if n.lower() in ("http_proxy", "https_proxy", "all_proxy")]:
        del env[name]
    return env, log


def test_the_guard_notes_and_refuses_what_leaves_the_machine(offline, tmp_path):
    # The test below proves something only if the guard works: try both ways out.
    env, log = offline
    script = textwrap.dedent(f"""\
        import socket, urllib.request
        for attempt in (lambda: urllib.request.urlopen({OUTSIDE_IMAGE!r}, timeout=5),
                        lambda: socket.create_connection(("192.0.2.1", 443), timeout=5)):
            try:
                attempt()
            except OSError:
                pass
        """)
    run([sys.executable, "-c", script], tmp_path, env)
    assert log.read_text().splitlines() == [
        "getaddrinfo 'images.example.com'",
        "connect ('192.0.2.1', 443)",
    ]


def test_a_build_makes_no_network_request(project, offline):
    env, log = offline
    post = project / JUNE_POST
    post.write_text(
        post.read_text().replace(
            "---\n", f"---\nimage: {OUTSIDE_IMAGE}\nimage_alt: Teams at work\n", 1
        ),
        encoding="utf-8",
    )
    catalyst = Path(sys.executable).with_name("catalyst")
    run([catalyst, "build"], project, env)
    assert not log.exists(), log.read_text()
    # The image stays in the feed, its size unknown (0, as the RSS Advisory Board advises).
    feed = ElementTree.parse(project / "site/feed_rss_created.xml").getroot()
    enclosure = feed.find("channel/item/enclosure")
    assert (enclosure.get("url"), enclosure.get("length")) == (OUTSIDE_IMAGE, "0")


# ---------------------------------------------------------------------------- file modes


def modes(top: Path) -> dict[str, int]:
    """Every file and folder under `top` (itself included) with its permission bits."""
    found = {".": top.stat().st_mode & 0o777}
    for path in top.rglob("*"):
        found[path.relative_to(top).as_posix()] = path.stat().st_mode & 0o777
    return found


def assert_modes(top: Path, file_mode: int, dir_mode: int) -> None:
    found = modes(top)
    wrong = {
        name: oct(mode)
        for name, mode in found.items()
        if mode != (dir_mode if (top / name).is_dir() else file_mode)
    }
    assert wrong == {}, f"expected {oct(file_mode)} / {oct(dir_mode)}"
    assert len(found) > 1


@pytest.mark.parametrize(
    ("umask", "file_mode", "dir_mode"),
    [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)],
    ids=["umask 022", "umask 027"],
)
def test_the_built_site_follows_the_umask(project, umask, file_mode, dir_mode):
    catalyst = Path(sys.executable).with_name("catalyst")
    (project / "site").mkdir(mode=0o700)  # an old site: the new one is swapped in for it
    run([catalyst, "build"], project, environ(), umask)
    assert_modes(project / "site", file_mode, dir_mode)
    assert (project / "site/issues/2023-06/email.html").is_file()
    assert_modes(project / "build/cache", file_mode, dir_mode)


def test_every_other_writer_follows_the_umask(project, fake):
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace('audience_id: "0000000000"', f'audience_id: "{LIST_ID}"')
    )
    catalyst = Path(sys.executable).with_name("catalyst")
    offline = {k: v for k, v in environ().items() if not k.startswith("MAILCHIMP_")}
    run([catalyst, "email", "2023-06"], project, offline, 0o022)
    run([catalyst, "push", "2023-06"], project, offline, 0o022)  # dry run: the outbox
    live = {**offline, **fake.environ()}
    run([catalyst, "push", "2023-06", "--allow-placeholders"], project, live, 0o022)  # state
    new = run([catalyst, "new", "post", "--title", "Modes"], project, offline, 0o022)
    links = "from pathlib import Path; from catalyst.content.links import LinkCache; " \
            "LinkCache(Path('build/cache/links.json')).save()"
    run([sys.executable, "-c", links], project, offline, 0o022)

    assert_modes(project / "build", 0o644, 0o755)
    names = set(modes(project / "build"))
    assert {"email/2023-06.html", "email/2023-06.txt", "cache/email/2023-06.json",
            "outbox/2023-06", "state/mailchimp.json", "cache/links.json"} <= names
    assert (project / new.stdout.strip()).stat().st_mode & 0o777 == 0o644
