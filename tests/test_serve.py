"""`catalyst serve`: each save shows on the saved page and on every page that lists it.

A real server (MkDocs' LiveReloadServer with catalyst's builder) runs on a generated
repository; a post, a resource, a catalyzer and an issue are saved in turn, a post is
deleted, and after each the pages are fetched over HTTP and parsed. Each save rebuilds once:
a build reading every file must not set off the next one.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from benchmark import generate
from benchmark_serve import Server, fetch, free_port, newest_post

SIZE = {"posts": 12, "resources": 6, "catalyzers": 2, "issues": 2}
TIMEOUT = 300


def text(url: str) -> str:
    page = fetch(url)
    return BeautifulSoup(page, "lxml").get_text(" ") if page else ""


def edit(path: Path, pattern: str, new: str) -> None:
    old = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, new, old, count=1, flags=re.M)
    assert changed != old, (path, pattern)
    path.write_text(changed, encoding="utf-8")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = generate(tmp_path_factory.mktemp("serve") / "repo", SIZE)
    server = Server([sys.executable, "-m", "catalyst.cli", "serve"], root, free_port())
    try:
        server.wait(lambda: fetch(server.url + "blog/") is not None, TIMEOUT, "building")
        yield root, server
    finally:
        server.stop()


def save_and_see(server: Server, change, marker: str, paths: list[str]) -> None:
    """Make `change`, wait for its rebuild, and find `marker` on every page of `paths`."""
    before = server.reloads
    change()
    server.wait(lambda: server.reloads > before, TIMEOUT, "rebuilding")
    missing = [p for p in paths if marker not in text(server.url + p)]
    assert missing == [], "".join(server.log[-20:])


def test_a_saved_post_shows_on_its_page_and_every_listing(served):
    root, server = served
    post, path = newest_post(root)
    category = re.search(r"categories: \[([^,\]]+)", post.read_text()).group(1)
    category = category.strip().lower().replace(" ", "-")
    year = path.split("/")[1]
    marker = "A sentence saved in the preview"
    save_and_see(server, lambda: edit(post, r"^<!-- more -->", f"{marker}.\n\n<!-- more -->"),
                 marker, [path, "blog/", f"blog/archive/{year}/", f"blog/category/{category}/"])


def test_a_saved_resource_catalyzer_and_issue_show_where_they_are_listed(served):
    root, server = served
    save_and_see(server, lambda: edit(root / "content/resources/resource-0001.md",
                                      r"^title: .*$", "title: A renamed resource"),
                 "A renamed resource", ["resources/"])
    save_and_see(server, lambda: edit(root / "content/catalyzers/catalyzer-0000.md",
                                      r"^name: .*$", "name: Renamed Educator"),
                 "Renamed Educator", ["catalyzers/", "catalyzers/catalyzer-0000/"])
    save_and_see(server, lambda: edit(root / "issues/2016-02.md",
                                      r"^title: .*$", "title: A renamed issue"),
                 "A renamed issue", ["issues/", "issues/2016-02/", ""])


def test_a_deleted_post_leaves_the_site_and_nothing_loops(served):
    root, server = served
    post, path = newest_post(root)
    title = re.search(r"^# (.*)$", post.read_text(), re.M).group(1)
    assert title in text(server.url + "blog/")
    before = server.reloads
    post.unlink()
    server.wait(lambda: server.reloads > before, TIMEOUT, "rebuilding")
    assert fetch(server.url + path) is None  # 404
    assert title not in text(server.url + "blog/")
    reloads = server.reloads
    time.sleep(3)
    assert server.reloads == reloads, "a rebuild started with no file saved"
