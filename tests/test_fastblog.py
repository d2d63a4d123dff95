"""The blog speed-ups change nothing: a site built with and without them is byte-identical."""

from __future__ import annotations

import filecmp
import logging
import re
from pathlib import Path

import pytest

from benchmark import generate
from conftest import mkdocs_build

EDGE_POSTS = {
    # Each case makes the part before <!-- more --> depend on what follows, or not.
    "reference-after": "Read [the study][study].\n\n<!-- more -->\n\nMore.\n\n"
    "[study]: https://example.org/study\n",
    "footnote-after": "A claim.[^1]\n\n<!-- more -->\n\nMore.\n\n[^1]: The source.\n",
    "abbreviation-after": "The LCL model.\n\n<!-- more -->\n\nMore.\n\n"
    "*[LCL]: Learner-Centered Leadership\n",
    "html-block": '<div class="note" markdown>\nOpen block.\n\n<!-- more -->\n\n'
    "Still open.\n</div>\n",
    "code-fence": "```\ncode\n<!-- more -->\nstill code\n```\n\nAfter.\n",
    "plain": "An opening with a [link](../../resources/index.md) and **bold**.\n\n<!-- more -->\n\n"
    "The rest, with a [link](https://example.org/x).\n",
    "no-separator": "Only an opening paragraph.\n",
    "nothing-after": "An opening.\n\n<!-- more -->\n",
    # Every kind of link a view's URL may change, or not, in the part its views show.
    "links": "See [the plain post](plain.md), [a part of it](plain.md?x=1#edge-case-plain), "
    "[the resources](../../resources/index.md), [this section](#edge-case-links), "
    "[home](../../index.md), [a query](?page=2), [mail](mailto:team@example.org), "
    "[away](https://example.org/a?b=1&c=2), <a href=\"../raw/\">raw</a> and "
    "![a studio](../../assets/images/design39-design-studio.png).\n\n<!-- more -->\n\nMore.\n",
}


def add_edge_posts(root: Path) -> None:
    for n, (slug, body) in enumerate(EDGE_POSTS.items()):
        (root / f"content/blog/posts/{slug}.md").write_text(
            f"---\ndate: 2020-0{1 + n % 9}-1{n}\nauthors: [devin]\ncategories: [Leadership]\n"
            f"slug: {slug}\n---\n\n# Edge case {slug}\n\n{body}",
            encoding="utf-8",
        )


def same(a: Path, b: Path) -> bool:
    if a.name.startswith("feed_rss"):
        # The channel's own dates are the build's time; every item must match.
        def items(p):
            return re.sub(r"<(pubDate|lastBuildDate)>[^<]*</\1>", "", p.read_text(), count=2)

        return items(a) == items(b)
    return filecmp.cmp(a, b, shallow=False)


@pytest.mark.slow  # two whole-site builds of a generated repository
def test_speedups_give_the_same_site(tmp_path):
    root = generate(tmp_path / "repo", {"posts": 24, "resources": 12, "catalyzers": 3, "issues": 3})
    add_edge_posts(root)
    config = (root / "mkdocs.yml").read_text()
    assert "blog_speedups" not in config  # on by default
    slow = root / "mkdocs-slow.yml"
    slow.write_text(
        config.replace("  - catalyst:\n", "  - catalyst:\n      blog_speedups: false\n")
    )

    fast_build = mkdocs_build(root / "mkdocs.yml", tmp_path / "fast")
    assert fast_build.returncode == 0, fast_build.stderr
    slow_build = mkdocs_build(slow, tmp_path / "slow")
    assert slow_build.returncode == 0, slow_build.stderr

    fast = sorted(p.relative_to(tmp_path / "fast") for p in (tmp_path / "fast").rglob("*"))
    slow_files = sorted(p.relative_to(tmp_path / "slow") for p in (tmp_path / "slow").rglob("*"))
    assert fast == slow_files
    # Compressed sitemaps carry their build time.
    compared = [p for p in fast if (tmp_path / "fast" / p).is_file() and p.suffix != ".gz"]
    assert len(compared) > 100
    differ = [p for p in compared if not same(tmp_path / "fast" / p, tmp_path / "slow" / p)]
    assert differ == []
    # The edge cases are on the blog's index pages, with their excerpts.
    index = "".join(p.read_text() for p in (tmp_path / "fast/blog").rglob("index.html"))
    assert "Edge case reference-after" in index and 'href="https://example.org/study"' in index


def test_speedups_step_aside_when_material_is_not_what_they_were_checked_against(
    tmp_path, monkeypatch, caplog
):
    """Both paths of the start-up check: when Material matches, the speed-ups run; when a
    function they mirror has changed, one warning, Material's own code, the plain output."""
    from catalyst.site import blog_speedups
    from catalyst.site.build import build_site

    root = generate(tmp_path / "repo", {"posts": 8, "resources": 4, "catalyzers": 2, "issues": 2})
    add_edge_posts(root)
    plain = root / "mkdocs-plain.yml"
    plain.write_text((root / "mkdocs.yml").read_text().replace(
        "  - catalyst:\n", "  - catalyst:\n      blog_speedups: false\n"))
    rendered, converted = [], []
    head_only, convert = blog_speedups._render_head, blog_speedups._convert_head

    def counted(self, page, separator):
        rendered.append(page)
        return head_only(self, page, separator)

    def conversions(self, page, separator):
        converted.append(page)
        return convert(self, page, separator)

    monkeypatch.setattr(blog_speedups, "_render_head", counted)
    monkeypatch.setattr(blog_speedups, "_convert_head", conversions)
    caplog.set_level(logging.WARNING)

    build_site(root / "mkdocs.yml", tmp_path / "fast", strict=False)
    assert rendered, "the speed-ups did not run on the Material they were checked against"
    # Views whose links read the same share a conversion (the index's later pages, archives
    # and categories, one level deeper than the index): fewer conversions than views shown.
    assert 0 < len(converted) < len(rendered)
    assert not [r for r in caplog.records if "speed-ups off" in r.getMessage()]

    rendered.clear()
    changed = "material.plugins.blog.structure:Excerpt.render"
    monkeypatch.setitem(blog_speedups.SOURCES, changed, "0" * 64)
    build_site(root / "mkdocs.yml", tmp_path / "guarded", strict=False)
    warnings = [r.getMessage() for r in caplog.records if "speed-ups off" in r.getMessage()]
    assert len(warnings) == 1 and f"{changed} has changed" in warnings[0]
    assert rendered == []

    build_site(plain, tmp_path / "plain", strict=False)
    guarded = sorted(p.relative_to(tmp_path / "guarded") for p in (tmp_path / "guarded").rglob("*"))
    assert guarded == sorted(
        p.relative_to(tmp_path / "plain") for p in (tmp_path / "plain").rglob("*")
    )
    compared = [p for p in guarded if (tmp_path / "guarded" / p).is_file() and p.suffix != ".gz"]
    assert len(compared) > 50
    assert [p for p in compared if not same(tmp_path / "guarded" / p, tmp_path / "plain" / p)] == []


def test_the_guard_vouches_by_series_and_blog_plugin_code_not_by_patch_release(monkeypatch):
    """A release of the recorded series whose blog plugin is unchanged keeps the speed-ups on
    (9.8.2 changed only the privacy plugin); another series or a changed blog plugin does not."""
    from catalyst.site import blog_speedups

    assert blog_speedups.mismatch() is None
    installed = blog_speedups.metadata.version("mkdocs-material")
    assert installed.startswith(blog_speedups.MATERIAL_SERIES + ".")

    monkeypatch.setattr(blog_speedups, "BLOG_PLUGIN", "0" * 64)
    assert "blog plugin is not the code they were checked against" in blog_speedups.mismatch()

    monkeypatch.undo()
    monkeypatch.setattr(blog_speedups, "MATERIAL_SERIES", "9.7")
    assert blog_speedups.mismatch() == (
        f"mkdocs-material is {installed}, they were checked against 9.7.x"
    )


def test_a_conversion_is_given_again_only_to_views_its_links_read_the_same_from():
    """What a view's URL changes in an excerpt is its relative links: a conversion for one
    view fits another only when each resolves to the same relative path from both."""
    from catalyst.site.blog_speedups import _links, _View

    html = (
        '<h1><a href="../../2024/01/a-post/">A post</a></h1><p><a href="https://example.org/x">'
        'x</a> <a href="../../2024/01/a-post/#part">y</a> <img src="../../../assets/i.png" />'
        ' <a href="#top">z</a> <a href="/abs/">w</a> <a href="?q=1&amp;r=2">q</a></p>'
    )
    view = _View("blog/page/2/", html, None, [], _links(html, "blog/page/2/"))
    assert view.fits("blog/page/2/")
    assert view.fits("blog/archive/2024/") and view.fits("blog/category/leadership/")
    assert not view.fits("blog/")  # one level up: "2024/01/a-post/"
    assert not view.fits("blog/archive/2024/page/2/")  # two deeper
    assert not view.fits("blog/2024/01/another/")  # shares more of the post's path
    assert _links('<a href="../../../../../too-far/">', "blog/page/2/") is None  # unsure
    index = _View("blog/", '<a href="2024/01/a-post/">', None, [], None)
    assert index.fits("blog/") and not index.fits("blog/page/2/")
