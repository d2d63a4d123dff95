"""The serve memos of MkDocs' and Material's own work hand out what the function itself would,
after any change of their input: posts (by their text), canonical URLs, Material's dates and the
theme's static files; and each steps aside, with a warning, on code it was not checked against.

The memos are tried here as functions; installed (`catalyst serve` only) they would change
this process for every other test, so installing them is tried in a fresh interpreter.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime
from material.plugins.blog.structure import Post
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from catalyst.site import files_memo, mkdocs_memo

POST_INIT = getattr(Post.__init__, "__wrapped__", Post.__init__)  # Material's own
CANONICAL = getattr(Page._set_canonical_url, "__wrapped__", Page._set_canonical_url)
ADD_THEME = getattr(Files.add_files_from_theme, "__wrapped__", Files.add_files_from_theme)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def state(post) -> tuple:
    return (post.markdown, post.meta, dict(post.config), post.excerpt, post.authors,
            post.categories, post.canonical_url, post.config.config_file_path,
            vars(post.config["date"]), type(post.config["date"]))


def test_a_post_is_remembered_by_its_text_and_read_again_after_any_edit(project):
    config = load_config(str(project / "mkdocs.yml"))
    path = sorted((project / "content/blog/posts").glob("*.md"))[0]
    calls = []

    def counted(self, file, config):
        calls.append(file.abs_src_path)
        return POST_INIT(self, file, config)

    remembered = mkdocs_memo._remembered_post_init(counted)

    def both() -> tuple:
        def file():
            return File(path.relative_to(project / "content").as_posix(), config.docs_dir,
                        config.site_dir, config.use_directory_urls)

        post = Post.__new__(Post)
        remembered(post, file(), config)
        fresh = Post.__new__(Post)
        POST_INIT(fresh, file(), config)
        assert state(post) == state(fresh)
        return post

    first = both()
    first.meta["hide"].append("toc")  # the build changes a post's meta and config
    first.config.categories.append("Changed")
    first.config.date["created"] = dt.datetime(1999, 1, 1, tzinfo=dt.UTC)
    again = both()
    assert len(calls) == 1  # the second came from the memo, unchanged by the first's changes
    assert "toc" not in again.meta["hide"] and "Changed" not in again.config.categories
    assert again.config.date["created"].year != 1999 and again.config is not first.config
    seen = [again]
    for old, new in (("date: ", "date: 2001-02-03\nold_date: "),
                     ("slug: ", "slug: renamed-post\nold_slug: "),
                     ("categories:\n", "categories:\n  - Community\n"),
                     ("\n# ", "\nA new first paragraph.\n\n# ")):
        edit(path, old, new)
        seen.append(both())
        assert state(seen[-1]) != state(seen[-2]), old
    assert len(calls) == 5  # each edit read again
    assert seen[1].config.date.created.date() == dt.date(2001, 2, 3)
    assert seen[2].config.slug == "renamed-post"
    assert seen[3].config.categories[0] == "Community"


def test_a_post_that_is_not_plain_data_is_read_every_time(project):
    config = load_config(str(project / "mkdocs.yml"))
    path = sorted((project / "content/blog/posts").glob("*.md"))[0]
    edit(path, "\nslug: ", "\nlinks:\n  - index.md\nslug: ")  # a navigation in its config
    calls = []

    def counted(self, file, config):
        calls.append(file.abs_src_path)
        return POST_INIT(self, file, config)

    remembered = mkdocs_memo._remembered_post_init(counted)
    file = File(path.relative_to(project / "content").as_posix(), config.docs_dir,
                config.site_dir, config.use_directory_urls)
    for _ in range(2):
        post = Post.__new__(Post)
        remembered(post, file, config)
        assert post.config.links is not None
    assert len(calls) == 2
    with pytest.raises(mkdocs_memo._NotPlain):
        mkdocs_memo._frozen({"a": [object()]})


def test_a_canonical_url_is_remembered_by_the_site_url_and_the_pages_url():
    remembered = mkdocs_memo._remembered_canonical_url(CANONICAL)

    class Stub:
        def __init__(self, url):
            self.url = url

    for base, url in [("https://example.org/", "blog/"), ("https://example.org/a", "blog/"),
                      ("https://example.org/", "blog/"), ("https://example.org/", "x/y.html"),
                      ("http://127.0.0.1:8000/", "blog/"), (None, "blog/"), ("", "blog/")]:
        got, want = Stub(url), Stub(url)
        remembered(got, base)
        CANONICAL(want, base)
        assert vars(got) == vars(want), (base, url)


def test_a_date_is_formatted_by_its_type_value_zone_format_and_locale():
    stamps = [
        dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC),
        dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC).astimezone(ZoneInfo("Asia/Tokyo")),
        dt.datetime(2024, 3, 2, 8, 30, tzinfo=ZoneInfo("Asia/Tokyo")),  # equal to the last
        dt.datetime(2024, 3, 2, 8, 30, tzinfo=ZoneInfo("Asia/Seoul")),  # same offset, zone
        dt.date(2024, 3, 1),
    ]
    for function in (format_date, format_datetime):
        remembered = mkdocs_memo._by_date(function)
        for _ in range(2):
            for stamp in stamps:
                for fmt in ("long", "yyyy/MM", "yyyy-MM-dd HH:mm zzzz"):
                    for locale in ("en", "fr"):
                        if function is format_date and "HH" in fmt:
                            continue
                        want = function(stamp, format=fmt, locale=locale)
                        assert remembered(stamp, format=fmt, locale=locale) == want
    assert mkdocs_memo._by_date(format_date)(stamps[0], "long", locale="en") == format_date(
        stamps[0], "long", locale="en")  # another way of calling: passed on as it is


def test_the_themes_static_files_are_the_ones_mkdocs_lists(project):
    from mkdocs.structure.files import get_files

    config = load_config(str(project / "mkdocs.yml"))
    env = config.theme.get_env()

    def listed(add) -> list[str]:
        files = get_files(config)
        add(files, env, config)
        return [f.src_uri for f in files]

    assert listed(files_memo.add_files_from_theme) == listed(ADD_THEME)
    config.theme.static_templates.add("assets/javascripts/bundle*")
    assert listed(files_memo.add_files_from_theme) == listed(ADD_THEME)
    assert not any(p.startswith("assets/javascripts/bundle") for p in listed(ADD_THEME))


def test_the_docs_folder_is_listed_as_mkdocs_lists_it_after_every_change(project, caplog):
    from mkdocs.structure.files import get_files

    original = getattr(get_files, "__wrapped__", get_files)
    config = load_config(str(project / "mkdocs.yml"))
    docs = project / "content"

    def same_as_mkdocs() -> list:
        ours, theirs = files_memo.get_files(config), original(config)
        assert [vars(f) for f in ours] == [vars(f) for f in theirs]
        assert all(f.page is None for f in ours)
        return list(ours)

    first = same_as_mkdocs()
    first[0].dest_uri = "moved/index.html"  # a build changes its files
    first[0].inclusion = first[0].inclusion.EXCLUDED
    assert same_as_mkdocs()[0].dest_uri != "moved/index.html"
    (docs / "notes").mkdir()
    (docs / "notes/README.md").write_text("# Read me\n")
    (docs / "notes/index.md").write_text("# Index\n")  # conflicts with README.md
    (docs / "notes/picture.png").write_bytes(b"png")
    same_as_mkdocs()
    assert any("conflicts with 'notes/index.md'" in m for m in caplog.messages)
    (docs / "notes/index.md").unlink()
    (docs / "notes/picture.png").rename(docs / "notes/picture-2.png")
    config.use_directory_urls = not config.use_directory_urls
    uris = [f.dest_uri for f in same_as_mkdocs()]
    assert "notes/index.html" in uris and "notes/picture-2.png" in uris


def test_the_memos_fit_the_installed_mkdocs_and_material():
    """Fails after an upgrade that changes code a memo replaces or relies on: read the new
    code, then update mkdocs_memo.EXPECTED."""
    assert mkdocs_memo.mismatches() == {name: [] for name in mkdocs_memo.EXPECTED}


def installed(prelude: str) -> subprocess.CompletedProcess:
    script = (
        f"{prelude}\n"
        "from catalyst.site import memo; memo.install()\n"
        "from material.plugins.blog.structure import Post\n"
        "from mkdocs.structure.pages import Page\n"
        "from mkdocs.theme import Theme\n"
        "from mkdocs.commands import build\n"
        "print(hasattr(Post.__init__, '__wrapped__'),"
        " hasattr(Page._set_canonical_url, '__wrapped__'),"
        " Theme(name='material').get_env().bytecode_cache is memo._BYTECODE,"
        " hasattr(build.get_files, '__wrapped__'))\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)


@pytest.mark.parametrize("memo, changed, shown", [
    ("post", "material.plugins.blog.structure:Post.__init__", ["False", "True", "True", "True"]),
    ("post", "mkdocs.config.base:Config.__init__", ["False", "True", "True", "True"]),
    ("docs_files", "mkdocs.structure.files:get_files", ["True", "True", "True", "False"]),
])
def test_on_other_code_a_memo_steps_aside_and_says_so_once(memo, changed, shown):
    result = installed("")
    assert result.stdout.split() == ["True", "True", "True", "True"]
    assert "serve memo" not in result.stderr
    result = installed(
        "from catalyst.site import mkdocs_memo\n"
        f"mkdocs_memo.EXPECTED[{memo!r}][{changed!r}] = 'another version'\n"
    )
    assert result.stdout.split() == shown  # MkDocs' or Material's own code, the rest remembered
    assert result.stderr.count(f"serve memo {memo!r} off") == 1
    assert changed in result.stderr


# ----------------------------------------------------------- a preview against fresh builds

DRIVER = """\
import sys
from pathlib import Path
from catalyst.site import files_memo, mkdocs_memo
from catalyst.site.serve import Builder
builder = Builder(str(Path(sys.argv[1]) / "mkdocs.yml"), sys.argv[2], "127.0.0.1:8765")
config = builder.load()
config.plugins.on_startup(command="serve", dirty=False)
builder.serve_url = config.site_url = "http://127.0.0.1:8765/"
for n, line in enumerate(sys.stdin):  # a rebuild for each line, as for each save
    builder(config if n == 0 else None)
    print("built", sorted(mkdocs_memo.install().items()), flush=True)
"""


def assert_same_pages(preview: Path, fresh: Path) -> None:
    """The same pages and search index (what the memos feed), byte for byte. Not the feeds:
    mkdocs-rss-plugin 1.19 lists each post again on every rebuild of one process (its page
    list is made in __init__ only), with or without these memos."""
    from test_fastblog import same

    def pages(site: Path) -> list[Path]:
        return sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file() and (
            p.suffix == ".html" or p.name == "search_index.json"))

    assert pages(preview) == pages(fresh)
    assert len(pages(fresh)) > 30
    assert [p for p in pages(fresh) if not same(preview / p, fresh / p)] == []


def redate(path: Path, date: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^date: .*$", f"date: {date}", text, count=1, flags=re.M),
                    encoding="utf-8")


class Preview:
    """`catalyst serve`'s builder in a process of its own, rebuilding when told."""

    def __init__(self, root: Path, site: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(root), str(site)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)

    def build(self) -> str:
        self.process.stdin.write("build\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def close(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


def test_a_preview_rebuilt_after_edits_is_a_fresh_preview_of_the_edited_content(tmp_path):
    """Posts moved to another date, renamed (slug), recategorised, added and deleted between
    rebuilds of one preview: its site matches, file for file, a first build of a copy."""
    import shutil

    from benchmark import generate

    root = generate(tmp_path / "repo", {"posts": 10, "resources": 4, "catalyzers": 2,
                                        "issues": 2})
    posts = root / "content/blog/posts"
    preview = Preview(root, tmp_path / "site")
    everything = "built " + str(sorted((memo, True) for memo in mkdocs_memo.EXPECTED)) + "\n"
    try:
        assert preview.build() == everything
        rounds = [
            lambda: (redate(posts / "post-0003.md", "2015-06-01"),
                     edit(posts / "post-0005.md", "slug: post-0005", "slug: renamed"),
                     edit(posts / "post-0006.md", "categories: [", "categories: [Community, ")),
            lambda: (shutil.copy(posts / "post-0002.md", posts / "added.md"),
                     edit(posts / "added.md", "slug: post-0002", "slug: added"),
                     (posts / "post-0004.md").unlink()),
        ]
        for n, change in enumerate(rounds):
            change()
            assert preview.build() == everything
            copy = tmp_path / f"fresh-{n}"
            shutil.copytree(root, copy, ignore=shutil.ignore_patterns("build"))
            fresh = Preview(copy, tmp_path / f"site-{n}")
            assert fresh.build() == everything
            fresh.close()
            assert_same_pages(tmp_path / "site", tmp_path / f"site-{n}")
    finally:
        preview.close()
