"""The page cache changes nothing: after every kind of edit, a build that takes unchanged pages
from the cache writes the same files, byte for byte, as a clean build of a fresh copy.

One synthetic repository goes through rounds of edits (a post, a resource, a catalyzer, an
issue and a template edited, added and deleted; an image redrawn; a post moved to another date
so the links to it change; the config edited). After each round it is built again with its
cache, and a copy of it without a cache is built from scratch; every file of the two sites must
match.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from benchmark import generate
from conftest import mkdocs_build
from test_fastblog import same

SIZE = {"posts": 14, "resources": 10, "catalyzers": 3, "issues": 3}
STATS = re.compile(r"catalyst: page cache: (\d+) hits, (\d+) misses, (\d+) stored")

# A post whose excerpt has a footnote (Material renders excerpts statefully: see
# site/incremental.py)
# and a link to another post, whose URL a later round changes.
LINKING_POST = """\
---
date: 2017-03-04
authors: [devin]
categories: [Community]
slug: linking
description: A post that links to another.
---

# A post that links

It builds on [an earlier post](post-0003.md) and makes a claim.[^1]

[^1]: The claim's source.

<!-- more -->

The rest of it.
"""


def build(root: Path, site: Path) -> tuple[int, int, int]:
    """Build with `mkdocs build --strict`; the page cache's hits, misses and stores."""
    result = mkdocs_build(root / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    found = STATS.search(result.stderr)
    assert found, result.stderr
    return tuple(int(n) for n in found.groups())


def from_scratch(root: Path, work: Path) -> Path:
    """A clean build of a copy of `root` without its cache or site."""
    copy = work / "fresh"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=lambda where, _: ["build"] if where == str(root) else [])
    hits, _, _ = build(copy, work / "site-fresh")
    assert hits == 0
    return work / "site-fresh"


def assert_same_sites(incremental: Path, fresh: Path) -> None:
    def files(site):
        return sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())

    assert files(incremental) == files(fresh)
    compared = [p for p in files(fresh) if p.suffix != ".gz"]  # gzip headers carry a time
    differ = [p for p in compared if not same(incremental / p, fresh / p)]
    assert differ == []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def unreferenced_resource(root: Path) -> Path:
    issues = "".join(p.read_text() for p in (root / "issues").glob("*.md"))
    for path in sorted((root / "content/resources").glob("*.md")):
        if path.stem not in issues and "blog-post" not in path.read_text():
            return path
    raise AssertionError("every resource is featured")


def post_no_resource_names(root: Path) -> Path:
    resources = "".join(p.read_text() for p in (root / "content/resources").glob("*.md"))
    for path in sorted((root / "content/blog/posts").glob("post-*.md"), reverse=True):
        if f"post: {path.stem}" not in resources and path.stem != "post-0003":
            return path
    raise AssertionError("every post is a resource")


def round_posts(root: Path) -> None:
    """Three posts edited, one thing each: a title, the excerpt, the rest of the body."""
    posts = root / "content/blog/posts"
    edit(posts / "post-0005.md", "# Post 5:", "# Post five, edited:")
    edit(posts / "post-0007.md", "<!-- more -->", "Edited before the fold.\n\n<!-- more -->")
    edit(posts / "post-0008.md", "![A studio]", "Edited after the fold.\n\n![A studio]")


def round_data(root: Path) -> None:
    """A resource, a catalyzer and an issue edited."""
    edit(root / "content/resources/resource-0002.md", "title: ", "title: Edited ")
    edit(root / "content/catalyzers/catalyzer-0001.md", "role: Teacher", "role: Principal")
    edit(root / "issues/2016-02.md", "title: Issue 1", "title: Issue one, edited")


def round_theme(root: Path) -> None:
    """The theme override (templates/site/main.html) edited."""
    edit(root / "templates/site/main.html", '<meta name="theme-color" content="#1b365d">',
         '<meta name="theme-color" content="#1b365e">')


def round_add(root: Path) -> None:
    """One of each kind added, and a theme partial that overrides one of Material's."""
    (root / "content/blog/posts/linking.md").write_text(LINKING_POST, encoding="utf-8")
    resource = root / "content/resources/resource-0100.md"
    shutil.copy(root / "content/resources/resource-0001.md", resource)
    edit(resource, "title: ", "title: Added ")
    catalyzer = root / "content/catalyzers/catalyzer-0100.md"
    shutil.copy(root / "content/catalyzers/catalyzer-0000.md", catalyzer)
    edit(catalyzer, "month: 2016-01", "month: 2016-04")
    edit(catalyzer, "name: Educator 0", "name: Added Educator")
    issue = root / "issues/2016-04.md"
    shutil.copy(root / "issues/2016-01.md", issue)
    edit(issue, "month: 2016-01", "month: 2016-04")
    edit(issue, "subject: Catalyst 2016-01", "subject: Catalyst 2016-04")
    (root / "templates/site/partials/comments.html").write_text(
        '<p class="added-partial">Write to us about {{ page.title }}.</p>\n', encoding="utf-8"
    )


def round_delete(root: Path) -> None:
    """One of each kind deleted (with the issue of the deleted catalyzer's month), the theme
    partial too; the linked post moved to another month, so its URL and every link to it
    change; the config edited."""
    post_no_resource_names(root).unlink()
    unreferenced_resource(root).unlink()
    (root / "content/catalyzers/catalyzer-0100.md").unlink()
    (root / "issues/2016-04.md").unlink()
    (root / "templates/site/partials/comments.html").unlink()
    moved = root / "content/blog/posts/post-0003.md"
    text = moved.read_text(encoding="utf-8")
    moved.write_text(re.sub(r"^date: .*$", "date: 2019-12-30", text, count=1, flags=re.M),
                     encoding="utf-8")
    edit(root / "mkdocs.yml", "site_description: >-\n", "site_description: >-\n  Edited.\n")


def round_image(root: Path) -> None:
    """The image every post shows redrawn at another size: pages carry its width and height."""
    from PIL import Image

    image = root / "content/assets/images/design39-design-studio.png"
    with Image.open(image) as drawn:
        drawn.resize((drawn.width // 2, drawn.height // 2)).save(image)


def test_incremental_builds_match_clean_builds(tmp_path):
    root = generate(tmp_path / "repo", SIZE)
    hits, misses, stored = build(root, tmp_path / "site")
    assert hits == 0 and misses == stored > 0
    hits, misses, stored = build(root, tmp_path / "site")
    assert hits > 0 and misses == stored == 0, "an unchanged build takes every page from cache"
    assert_same_sites(tmp_path / "site", from_scratch(root, tmp_path))
    for change in (round_posts, round_data, round_theme, round_image, round_add, round_delete):
        change(root)
        hits, misses, _ = build(root, tmp_path / "site")
        assert hits > 0 and misses > 0, change.__name__  # some pages redone, most not
        assert_same_sites(tmp_path / "site", from_scratch(root, tmp_path))
    hits, misses, stored = build(root, tmp_path / "site")
    assert misses == stored == 0


# ---------------------------------------------------------------------------- the guards

SMALL = {"posts": 6, "resources": 4, "catalyzers": 2, "issues": 2}


def test_the_hooks_fit_the_installed_mkdocs_and_material():
    """Fails after an upgrade of MkDocs or Material that changes code the hooks replace or
    rely on: read the new code, then update build_hooks.EXPECTED."""
    from catalyst.site import build_hooks

    assert build_hooks.mismatches() == []


def run_mkdocs(root: Path, site: Path, prelude: str = "", env: dict | None = None):
    """`mkdocs build --strict` in a fresh interpreter, after running `prelude` in it."""
    import os
    import subprocess
    import sys

    script = f"{prelude}\nfrom mkdocs.__main__ import cli\ncli()"
    return subprocess.run(
        [sys.executable, "-c", script, "build", "--strict", "-f", str(root / "mkdocs.yml"),
         "-d", str(site)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )


def test_on_other_mkdocs_code_the_cache_steps_aside(tmp_path):
    root = generate(tmp_path / "repo", SMALL)
    cached = run_mkdocs(root, tmp_path / "cached")
    assert cached.returncode == 0, cached.stderr
    shutil.rmtree(root / "build")
    prelude = (
        "from catalyst.site import build_hooks\n"
        "build_hooks.EXPECTED['mkdocs.commands.build:_build_page'] = 'another version'\n"
    )
    other = run_mkdocs(root, tmp_path / "other", prelude)
    assert other.returncode == 0, other.stderr  # a warning, but not one that fails --strict
    assert "the page cache is off" in other.stderr
    assert "mkdocs.commands.build:_build_page" in other.stderr
    assert STATS.search(other.stderr) is None
    assert not (root / "build/cache/pages").exists()
    assert_same_sites(tmp_path / "other", tmp_path / "cached")


HOOK = '''\
import os


def on_post_page(output, page, config):
    return output + "<!-- " + os.environ["HOOK_MARK"] + " -->"
'''


def test_with_an_unknown_page_handler_every_page_is_rendered(tmp_path):
    """A handler of on_post_page (or on_page_context) the cache does not know may depend on
    anything, so pages are not taken from the cache; their Markdown conversion still is."""
    root = generate(tmp_path / "repo", SMALL)
    (root / "hooks.py").write_text(HOOK, encoding="utf-8")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as config:
        config.write("\nhooks:\n  - hooks.py\n")
    for mark in ("first", "second"):
        result = run_mkdocs(root, tmp_path / mark, env={"HOOK_MARK": mark})
        assert result.returncode == 0, result.stderr
        hits, _, _ = map(int, STATS.search(result.stderr).groups())
        pages = sorted((tmp_path / mark).rglob("index.html"))
        assert len(pages) > 10
        assert all(f"<!-- {mark} -->" in p.read_text(encoding="utf-8") for p in pages)
    assert hits > 0  # conversions came from the cache


MARKDOWN_HOOK = '''\
import os


def on_page_markdown(markdown, page, config, files):
    return markdown.replace("Devin", os.environ["HOOK_WORD"])
'''


def test_hooks_and_local_plugins_are_part_of_the_key(tmp_path):
    """A hook file (or a plugin that is no installed package) is keyed by its source: editing it
    renders every page again; what it does to a page's Markdown is keyed by that Markdown."""
    root = generate(tmp_path / "repo", SMALL)
    hook = root / "hooks.py"
    hook.write_text(MARKDOWN_HOOK, encoding="utf-8")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as config:
        config.write("\nhooks:\n  - hooks.py\n")
    with open(root / "content/index.md", "a", encoding="utf-8") as home_page:
        home_page.write("\nBy Devin.\n")

    def home(site: Path) -> str:
        return (site / "index.html").read_text(encoding="utf-8")

    first = run_mkdocs(root, tmp_path / "first", env={"HOOK_WORD": "Ada"})
    assert first.returncode == 0, first.stderr
    assert "By Ada." in home(tmp_path / "first")
    second = run_mkdocs(root, tmp_path / "second", env={"HOOK_WORD": "Grace"})
    assert second.returncode == 0, second.stderr
    assert "By Grace." in home(tmp_path / "second")
    hits, _, _ = map(int, STATS.search(second.stderr).groups())
    assert hits > 0
    hook.write_text(MARKDOWN_HOOK + "\n# edited\n", encoding="utf-8")
    third = run_mkdocs(root, tmp_path / "third", env={"HOOK_WORD": "Grace"})
    assert third.returncode == 0, third.stderr
    assert_same_sites(tmp_path / "third", tmp_path / "second")
    _, misses, _ = map(int, STATS.search(third.stderr).groups())
    pages = len(list((tmp_path / "third").rglob("index.html")))
    assert misses >= pages  # every page's HTML rendered again after the hook changed


def test_a_keys_plain_form_is_the_same_for_exact_types_and_their_kin():
    import collections
    import datetime as dt
    import types

    from catalyst.site.fingerprint import Uncacheable, plain

    class Text(str):
        pass

    class Items(list):
        pass

    value = {"b": (1, [2.5, None, True]), "a": {"c": dt.date(2020, 1, 2), 3: "x"}}
    kin = types.MappingProxyType({
        "a": collections.OrderedDict([(3, Text("x")), ("c", dt.date(2020, 1, 2))]),
        "b": Items([1, (2.5, None, True)]),
    })
    assert plain(value) == plain(kin) == {
        "a": {"3": "x", "c": "2020-01-02"}, "b": [1, [2.5, None, True]]}
    deep = "x"
    for _ in range(14):
        deep = [deep]
    try:
        plain(deep)
    except Uncacheable:
        pass
    else:
        raise AssertionError("nesting past 12 levels has no plain form")


def test_page_cache_entries_are_written_on_a_thread_and_their_failures_raised(tmp_path):
    from catalyst.site.pagecache import Store

    key = "ab" + "0" * 30
    store = Store(tmp_path / "pages")
    store.put(key, {"search": [{"title": "é"}]}, b"<p>x</p>")
    store.flush()  # written, whole
    assert Store(tmp_path / "pages").get(key) == ({"search": [{"title": "é"}]}, b"<p>x</p>")
    assert [p.name for p in (tmp_path / "pages/ab").iterdir()] == [key]  # no temporary left
    (tmp_path / "blocked").write_text("a file where the folder goes", encoding="utf-8")
    blocked = Store(tmp_path / "blocked")
    blocked.put(key, {}, b"")
    with pytest.raises(OSError):
        blocked.flush()
