"""The serve process's memos hand out what the function itself would, after any change of
their input: the generated pages (`SitePages.all`) and the sanitiser (`safety.clean`)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from catalyst.content.loader import load
from catalyst.site import memo, memo_files
from catalyst.site.pages import SitePages

ALL = getattr(SitePages.all, "__wrapped__", SitePages.all)  # MkDocs' own, memo or not


def pages(settings, **options) -> SitePages:
    library, problems = load(settings, **options)
    assert [p for p in problems if p.level == "error"] == []
    return SitePages(library, settings)


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_generated_pages_are_rendered_again_when_any_input_changes(project, settings):
    remembered = memo._last_pages(ALL)
    seen = []

    def same_as_a_fresh_render(**options) -> None:
        site = pages(settings, **options)
        got = remembered(site)
        assert got == ALL(site)
        seen.append(got)

    same_as_a_fresh_render()
    resource = sorted((project / "content/resources").glob("*.md"))[0]
    edit(resource, "\ntitle: ", "\ntitle: Renamed ")
    same_as_a_fresh_render()
    assert seen[-1] != seen[-2]  # a resource's title
    edit(project / "templates/pages/issues.md.j2", "# Issues", "# All the issues")
    same_as_a_fresh_render()
    assert seen[-1] != seen[-2]  # a template
    same_as_a_fresh_render(now=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    assert seen[-1] != seen[-2]  # the moment: nothing was live in 2001
    same_as_a_fresh_render(preview=True, now=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    assert seen[-1] != seen[-2]  # a preview shows it all, upcoming


def test_a_posts_text_counts_once_a_template_names_posts(project, settings):
    remembered = memo._last_pages(ALL)
    post = sorted((project / "content/blog/posts").glob("*.md"))[0]
    heading = next(line for line in post.read_text().splitlines() if line.startswith("# "))
    edit(post, heading + "\n", heading + "\n\nA new first paragraph.\n")
    site = pages(settings)
    assert remembered(site) == ALL(site)  # the pages link to posts only: same pages
    edit(project / "templates/pages/issues.md.j2", "# Issues",
         "# Issues\n\n{% for p in library.posts.values() %}{{ p.body | length }} {% endfor %}")
    site = pages(settings)
    before = remembered(site)
    assert before == ALL(site)
    edit(post, "A new first paragraph.", "A longer new first paragraph.")
    site = pages(settings)
    assert remembered(site) == ALL(site) != before


def test_the_remembered_sanitiser_cleans_each_text_as_given():
    script = (
        "from catalyst.site import memo; memo.install(); from catalyst import safety\n"
        "for text in ['<p>a</p><script>x</script>', '<p onclick=\"x\">b</p>',\n"
        "             '<p>a</p><script>x</script>']:\n"
        "    print(safety.clean(text))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines() == ["<p>a</p>", "<p>b</p>", "<p>a</p>"]


def test_validation_is_remembered_per_document_and_redone_for_a_changed_one(tmp_path):
    from catalyst.content.frontmatter import Document
    from catalyst.content.schema import Link

    calls = []

    def validate(model, doc):
        calls.append(doc)
        return model(**doc.meta), [doc.path]

    remembered = memo._document_memo(validate)
    first = Document("a.md", {"title": "A", "url": "https://example.org/"}, "", 1, {})
    item, problems = remembered(Link, first)
    problems.append("changed by the caller")
    assert remembered(Link, first) == (item, ["a.md"]) and calls == [first]
    second = Document("a.md", {"title": "B", "url": "https://example.org/"}, "", 1, {})
    assert remembered(Link, second)[0].title == "B" and calls == [first, second]


def test_installed_theme_folders_are_walked_once_and_the_projects_every_time(tmp_path):
    import jinja2
    import material

    original = getattr(jinja2.FileSystemLoader.list_templates, "__wrapped__",
                       jinja2.FileSystemLoader.list_templates)
    listing = memo._installed_templates(original)
    theme = str(next(iter(material.__path__))) + "/templates"
    (tmp_path / "main.html").write_text("x")
    loader = jinja2.FileSystemLoader([str(tmp_path), theme])
    assert listing(loader) == original(loader)
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials/extra.html").write_text("y")
    assert "partials/extra.html" in listing(loader)
    assert listing(loader) == original(loader)


def test_a_site_copy_is_remembered_by_the_email_and_settings_it_comes_from(settings):
    from catalyst.email import webcopy
    from catalyst.email.rendered import RenderedEmail

    original = getattr(webcopy.site_copy, "__wrapped__", webcopy.site_copy)
    remembered = memo._by_value(original)
    page = '<html><head><meta charset="utf-8"></head><body><a href="{}x/">{}</a></body></html>'
    for text in ("one", "two", "one"):
        email = RenderedEmail("2023-06", page.format(settings.site_url, text), text, "s", "p")
        assert remembered(email, settings) == original(email, settings)
        assert text in remembered(email, settings)
    assert memo._by_value(len)([1, 2]) == 2  # a value that cannot be hashed: called as is


def test_a_text_memo_sees_every_changed_text_and_keeps_a_bounded_number():
    calls = []

    def shout(text):
        calls.append(text)
        return text.upper()

    remembered = memo._by_text_digest(shout, maxsize=2)
    assert [remembered(t) for t in ("a", "b", "a", "c", "b")] == ["A", "B", "A", "C", "B"]
    assert calls == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came


def test_an_email_cache_entry_is_read_again_when_it_or_a_file_it_lists_changes(settings):
    import json
    import os

    from catalyst.email import build as emails
    from catalyst.email import cache

    library, _ = load(settings)
    month = "2023-06"
    email = emails.build(settings, library, month)  # rendered, then stored in the cache
    key = cache.cache_key(settings, library, month)
    original = getattr(cache.cached, "__wrapped__", cache.cached)
    remembered = memo_files.email_entries(original)
    assert remembered(settings, month, key) == email == original(settings, month, key)
    assert remembered(settings, month, "another key") is None

    path = cache.cache_dir(settings) / f"{month}.json"
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["email"]["subject"] = "Changed in the cache"
    path.write_text(json.dumps(entry), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a new time, whatever the clock's resolution
    assert remembered(settings, month, key).subject == "Changed in the cache"

    image = next(iter(entry["files"]))  # a prepared image the email uses
    with open(image, "ab") as handle:
        handle.write(b"changed")
    assert remembered(settings, month, key) is None is original(settings, month, key)

