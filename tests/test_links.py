"""Link checks: internal links and images resolve; external ones against a local server."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from catalyst import checks as check
from catalyst.cli import main
from catalyst.content import links
from catalyst.settings import load_settings

POST = "content/blog/posts/how-might-learner-centered-systems-promote-relationships-and-teamwork.md"


def append(project, path, text):
    file = project / path
    file.write_text(file.read_text() + text)
    return len(file.read_text().splitlines())


def problems(project, **options):
    """The check's problems, less the seed's placeholder warnings (test_placeholders.py)."""
    found = check.run(load_settings(project / "mkdocs.yml"), **options)
    return [str(p) for p in found if not (p.level == "warning" and "placeholder" in p.message)]


def test_the_repository_links_resolve(project):
    assert problems(project) == []


def test_a_broken_internal_link_fails_with_path_and_line(project):
    text = "\nSee [the archive](../../issues/index.md) and [this](missing.md).\n"
    line = append(project, POST, text)
    assert problems(project) == [f"{POST}:{line}: error: link 'missing.md' not found"]


def test_a_missing_image_fails_with_path_and_line(project):
    line = append(project, "issues/2023-06.md", "\n![A chart](../assets/images/chart.png)\n")
    assert problems(project) == [
        f"issues/2023-06.md:{line}: error: link '../assets/images/chart.png' not found"
    ]


def test_a_link_to_a_draft_post_fails(project):
    result = CliRunner().invoke(
        main, ["-f", str(project / "mkdocs.yml"), "new", "post", "--title", "Unfinished"]
    )
    assert result.exit_code == 0
    line = append(project, "content/catalyzers/contessa-orr.md",
                  "\nRead [an unfinished post](../blog/posts/unfinished.md).\n")
    found = [p for p in problems(project) if ": error: " in p]
    assert found == [
        f"content/catalyzers/contessa-orr.md:{line}: error: link '../blog/posts/unfinished.md' "
        "is a draft: it is not on the site"
    ]


def test_links_in_code_are_not_links(project):
    append(project, POST, "\n```markdown\n[not a link](nowhere.md)\n```\n\n`[nor](this.md)`\n")
    assert problems(project) == []


def test_links_to_generated_pages_and_anchors_resolve(project):
    append(project, "issues/2023-06.md",
           "\n[Resources](../resources/index.md), [Contessa](../catalyzers/contessa-orr.md), "
           "[archive](index.md#top), [home](../index.md).\n")
    assert problems(project) == []


def test_links_resolve_from_an_issue_as_from_its_page(project):
    line = append(project, "issues/2023-06.md", "\n[Resources](resources/index.md)\n")
    assert problems(project) == [
        f"issues/2023-06.md:{line}: error: link 'resources/index.md' not found"
    ]


class _Handler(BaseHTTPRequestHandler):
    def do_HEAD(self):  # noqa: N802 - http.server's naming
        if self.path == "/ok":
            self.send_response(200)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/slow":
            time.sleep(1.5)
            self.send_response(200)
        elif self.path == "/head-refused":
            self.send_response(405)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802
        self.server.gets += 1
        self.send_response(200 if self.path == "/head-refused" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.gets = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_are_checked_only_when_asked(project, web):
    server, base = web
    # Only this file is fetched: tests never reach a host other than 127.0.0.1.
    shown = "content/blog/posts/links.md"
    text = "---\ndate: 2023-06-02\nauthors: [devin]\n---\n\n# Links\n"
    lines = {}
    for n, name in enumerate(("ok", "gone", "moved", "slow", "head-refused")):
        text += f"\n[{name}]({base}/{name})\n"
        lines[name] = 8 + 2 * n
    (project / shown).write_text(text)
    assert problems(project) == []  # not fetched without --external
    files = [(project / shown, shown, "blog/posts/links.md")]
    cache = links.LinkCache(project / "build/cache/links.json")
    found = [str(p) for p in links.external_problems(files, cache, timeout=0.5)]
    assert sorted(found) == sorted([
        f"{shown}:{lines['gone']}: error: link '{base}/gone' answered 404 Not Found",
        f"{shown}:{lines['moved']}: warning: link '{base}/moved' redirects to {base}/ok",
        f"{shown}:{lines['slow']}: error: link '{base}/slow' no answer within 0.5 s",
    ])
    assert server.gets == 1  # only the server that refuses HEAD is asked with GET
    # Good answers are cached for the next run; bad ones are asked again.
    cached = links.LinkCache(project / "build/cache/links.json")
    assert cached.get(f"{base}/ok") is not None and cached.get(f"{base}/gone") is None
