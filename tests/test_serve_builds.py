"""`catalyst serve`'s builds, in process: each has plugins of its own, and none outlives it.

The blog's feeds are built by mkdocs-rss-plugin, which gathers posts in a list emptied only
at start-up; with plugins kept for the whole session (as `mkdocs serve` keeps them) each
rebuild listed every post once more. A finished build must also be freed, or the server
holds two sites at once during the next rebuild.
"""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path

import pytest

from benchmark import generate
from benchmark_serve import newest_post
from catalyst.site.plugin import CatalystPlugin
from catalyst.site.serve import Builder

SIZE = {"posts": 14, "resources": 4, "catalyzers": 2, "issues": 2}
FEEDS = ("feed_rss_created.xml", "feed_json_created.json", "feed_rss_updated.xml")


def entries(site: Path, feed: str) -> list[str]:
    text = (site / feed).read_text(encoding="utf-8")
    found = re.findall(r"<guid[^>]*>([^<]+)</guid>", text)
    return found or re.findall(r'"id": "([^"]+)"', text)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """A generated repository built once, then saved twice, with what each build left."""
    root = generate(tmp_path_factory.mktemp("serve-builds") / "repo", SIZE)
    site = tmp_path_factory.mktemp("serve-site")
    builder = Builder(str(root / "mkdocs.yml"), str(site), "127.0.0.1:8765")
    config = builder.start()
    builder.serve_url = config.site_url = "http://127.0.0.1:8765/"
    first_plugin = weakref.ref(config.plugins["catalyst"])
    builder(config)
    del config
    builder.collector.freeze()  # as the server does: what is alive now is frozen
    feeds = [{feed: entries(site, feed) for feed in FEEDS}]
    post, _ = newest_post(root)
    original = post.read_text(encoding="utf-8")
    for n in range(2):
        post.write_text(original.replace("<!-- more -->", f"Saved {n}.\n\n<!-- more -->", 1),
                        encoding="utf-8")
        builder()
        feeds.append({feed: entries(site, feed) for feed in FEEDS})
    builder.collector.settle()  # what the server does once idle
    gc.collect()
    alive = sum(isinstance(o, CatalystPlugin) for o in gc.get_objects())
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    yield feeds, first_plugin, alive
    assert frozen > 0


def test_each_rebuild_lists_each_post_once_in_the_feeds(builds):
    feeds, _, _ = builds
    first = feeds[0]
    assert all(len(first[f]) == SIZE["posts"] for f in ("feed_rss_created.xml",
                                                       "feed_json_created.json")), first
    for after_save in feeds[1:]:
        for feed, ids in after_save.items():
            assert len(ids) == len(set(ids)), (feed, ids)
            assert sorted(ids) == sorted(first[feed]), feed


def test_a_finished_build_is_freed_and_none_of_it_frozen(builds):
    _, first_plugin, alive = builds
    assert first_plugin() is None
    assert alive == 0


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def build_once(root: Path, site: Path) -> Builder:
    builder = Builder(str(root / "mkdocs.yml"), str(site), "127.0.0.1:8765")
    config = builder.start()
    builder.serve_url = config.site_url = "http://127.0.0.1:8765/"
    builder(config)
    return builder


def test_after_a_post_moves_the_served_folder_holds_what_a_fresh_build_writes(tmp_path):
    root = generate(tmp_path / "repo", SIZE)
    served = build_once(root, tmp_path / "served")
    post, _ = newest_post(root)
    text = post.read_text(encoding="utf-8")
    moved = re.sub(r"^date: (\d{4})", lambda m: f"date: {int(m.group(1)) - 3}", text,
                   count=1, flags=re.M)
    assert moved != text
    post.write_text(moved, encoding="utf-8")  # its URL, the archives and the lists change
    served()
    served.collector.settle()
    build_once(root, tmp_path / "fresh").collector.settle()
    got, want = site_files(tmp_path / "served"), site_files(tmp_path / "fresh")
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []
