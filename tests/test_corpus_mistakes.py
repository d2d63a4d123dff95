"""Hostile and mistaken inputs, each through the real `catalyst check` (and `catalyst build`).

Every case breaks a fresh copy of the project one way, then runs the command line in a
subprocess, as an editor or CI would, and asserts: the exit code (1 for an error, 0 for a
warning only), the offending file's `path:line: level:` and the gist of the message, no
Python traceback, and nothing left behind: no new file outside build/, no temporary file
anywhere, and after a failed build `site/` exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import copy_project

POST = "content/blog/posts/how-might-learner-centered-systems-promote-relationships-and-teamwork.md"
RESOURCE = "content/resources/leading-the-way-to-trust-and-connectedness.md"
CATALYZER = "content/catalyzers/contessa-orr.md"
ISSUE = "issues/2023-06.md"
GOOD_RESOURCE = (
    "---\ntitle: A resource\nkind: video\nsummary: What it is.\nurl: https://example.org/v\n"
)


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[Path, Path], None]  # (project, a folder outside it)
    path: str  # the file the problem is reported at
    line: int
    gist: str  # a fragment of the message
    level: str = "error"
    build: bool = False  # also run `catalyst build`, which must fail the same way


def write(project: Path, relative: str, text: str | bytes) -> None:
    target = project / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")


def edit(project: Path, relative: str, old: str, new: str) -> None:
    target = project / relative
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def link(project: Path, relative: str, target: str | Path) -> None:
    (project / relative).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, project / relative)


def resource(project: Path, name: str, extra: str = "", body: str = "") -> None:
    write(project, f"content/resources/{name}.md", f"{GOOD_RESOURCE}{extra}---\n{body}")


# ---------------------------------------------------------------------------- the corpus

LAUGHS = "\n".join(
    [
        "---",
        "title: Laughs",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *[
            f"{chr(98 + n)}: &{chr(98 + n)} [{','.join(['*' + chr(97 + n)] * 9)}]"
            for n in range(8)
        ],
        "---",
        "",
    ]
)


def _git_config(project: Path, outside: Path) -> None:
    write(project, ".git/config", "[remote \"origin\"]\n\turl = https://token@example.org/r\n")
    link(project, "content/assets/config.txt", "../../.git/config")


def _loop_pair(project: Path, outside: Path) -> None:
    link(project, "content/assets/one", "two")
    link(project, "content/assets/two", "one")


def _deep_list(project: Path, outside: Path) -> None:
    body = "\n".join("  " * level + "- item" for level in range(1000))
    resource(project, "deep-list", body=f"\n{body}\n")


CASES = [
    # -- symlinks: nothing from outside reaches the site, and no loop hangs or crashes
    Case(
        "symlink-to-outside-file",
        lambda p, o: (write(o, "secret.txt", "outside secret\n"),
                      link(p, "content/assets/notes.txt", o / "secret.txt")),
        "content/assets/notes.txt", 1, "outside the repository's content", build=True,
    ),
    Case(
        "symlink-to-outside-folder",
        lambda p, o: (write(o, "shared/a.md", "# Outside\n"),
                      link(p, "content/shared", o / "shared")),
        "content/shared", 1, "outside the repository's content", build=True,
    ),
    Case(
        "symlink-to-clone-git-config", _git_config,
        "content/assets/config.txt", 1, "'../../.git/config', outside", build=True,
    ),
    Case(
        "symlink-to-proc-environ",
        lambda p, o: link(p, "content/assets/env.txt", "/proc/self/environ"),
        "content/assets/env.txt", 1, "'/proc/self/environ', outside", build=True,
    ),
    Case(
        "folder-symlink-looping-to-parent",
        lambda p, o: link(p, "content/assets/again", ".."),
        "content/assets/again", 1, "loops back into itself", build=True,
    ),
    Case(
        "symlinks-looping-to-each-other", _loop_pair,
        "content/assets/one", 1, "symlink loops",
    ),
    Case(
        "dangling-symlink-resource",
        lambda p, o: link(p, "content/resources/gone.md", o / "missing.md"),
        "content/resources/gone.md", 1, "does not exist",
    ),
    Case(
        "symlinked-issue-from-outside",
        lambda p, o: (write(o, "2023-07.md", (p / ISSUE).read_text().replace("2023-06", "2023-07")),
                      link(p, "issues/2023-07.md", o / "2023-07.md")),
        "issues/2023-07.md", 1, "outside the repository's content",
    ),
    Case(
        "symlink-in-theme-overrides",
        lambda p, o: (write(o, "key.txt", "private key\n"),
                      link(p, "templates/site/key.txt", o / "key.txt")),
        "templates/site/key.txt", 1, "outside the repository's content", build=True,
    ),
    # -- YAML bounded
    Case(
        "billion-laughs",
        lambda p, o: write(p, "content/resources/laughs.md", LAUGHS),
        "content/resources/laughs.md", 3, "YAML anchors (&a) are not allowed", build=True,
    ),
    Case(
        "alias-without-anchor-on-its-line",
        lambda p, o: resource(p, "alias", extra="quote: &q Hello\ntags: [*q]\n"),
        "content/resources/alias.md", 6, "YAML anchors (&q)",
    ),
    Case(
        # The email takes only https: the check says so at the line, before the email fails.
        "event-registration-over-http",
        lambda p, o: write(
            p, "content/resources/summit.md",
            GOOD_RESOURCE.replace("kind: video", "kind: event")
            + "starts: 2030-05-04T09:00:00\ntimezone: America/Los_Angeles\n"
            "registration: http://example.org/register\n---\n",
        ),
        "content/resources/summit.md", 8, "registration: link 'http://example.org/register'",
    ),
    Case(
        "yaml-nested-1000-deep",
        lambda p, o: resource(p, "deep-yaml", extra="tags: " + "[" * 1000 + "]" * 1000 + "\n"),
        "content/resources/deep-yaml.md", 6, "nested more than 20 levels deep",
    ),
    Case(
        "duplicate-key",
        lambda p, o: edit(p, CATALYZER, "role: Superintendent\n",
                          "role: Superintendent\nrole: Teacher\n"),
        CATALYZER, 4, "key 'role' is given twice (lines 3 and 4)",
    ),
    Case(
        "key-read-as-boolean",
        lambda p, o: resource(p, "bool-key", extra="yes: true\n"),
        "content/resources/bool-key.md", 6, "key 'yes' is read as a true/false value",
    ),
    Case(
        "impossible-date",
        lambda p, o: resource(p, "bad-date", extra="date: 2023-13-45\n"),
        "content/resources/bad-date.md", 6, "'2023-13-45' is not a real date",
    ),
    Case(
        "number-too-long",
        lambda p, o: resource(p, "big-number", extra="quote: " + "7" * 5000 + "\n"),
        "content/resources/big-number.md", 6, "a number with more than 4300 digits",
    ),
    Case(
        "python-object-tag",
        lambda p, o: resource(
            p, "python-tag", extra="quote: !!python/object/apply:os.system [id]\n"
        ),
        "content/resources/python-tag.md", 6, "could not determine a constructor",
    ),
    Case(
        "two-yaml-documents",
        lambda p, o: resource(p, "two-docs", extra="...\nmore: 1\n"),
        "content/resources/two-docs.md", 7, "front matter is not valid YAML",
    ),
    # -- Markdown bounded
    Case(
        "markdown-list-1000-levels", _deep_list,
        "content/resources/deep-list.md", 48, "Markdown nested too deep", build=True,
    ),
    Case(
        "one-line-of-1000-list-markers",
        lambda p, o: resource(p, "markers", extra="quote: \"" + "- " * 1000 + "x\"\n"),
        "content/resources/markers.md", 6, "Markdown nested too deep",
    ),
    Case(
        "nested-markdown-divs",
        lambda p, o: edit(
            p, POST, "<!-- more -->\n",
            "<!-- more -->\n\n" + "<div markdown>\n" * 300 + "x\n" + "</div>\n" * 300,
        ),
        POST, 64, "Markdown nested too deep", build=True,
    ),
    # -- encodings
    Case(
        "resource-not-utf8",
        lambda p, o: write(p, "content/resources/latin.md",
                           GOOD_RESOURCE.encode() + b"quote: caf\xe9\n---\n"),
        "content/resources/latin.md", 6, "not UTF-8 text (byte 0xe9)",
    ),
    Case(
        "page-not-utf8",
        lambda p, o: write(p, "content/index.md",
                           (p / "content/index.md").read_bytes() + b"\n\xff\xfe\n"),
        "content/index.md", 26, "not UTF-8 text (byte 0xff)", build=True,
    ),
    # -- unknown and loader-filled fields
    Case(
        "post-unknown-field",
        lambda p, o: edit(p, POST, "description:", "descripton:"),
        POST, 9, "unknown field 'descripton', did you mean 'description'? (allowed: authors,",
    ),
    Case(
        "section-unknown-field",
        lambda p, o: edit(p, ISSUE, "    button: Connect", "    buton: Connect"),
        ISSUE, 14, "sections[0]: unknown field 'buton', did you mean 'button'?",
    ),
    Case(
        "page-unknown-field",
        lambda p, o: edit(p, "content/editors-guide.md", "search:", "serch:"),
        "content/editors-guide.md", 4, "unknown field 'serch', did you mean 'search'?",
    ),
    Case(
        "post-category-not-allowed",
        lambda p, o: edit(p, POST, "  - Collaboration", "  - Colaboration"),
        POST, 7, "'Colaboration' is not in the blog's categories_allowed", build=True,
    ),
    Case(
        "post-template-redirect",
        lambda p, o: edit(p, POST, "date: 2023-06-01", "date: 2023-06-01\ntemplate: redirect.html"),
        POST, 3, "template: 'redirect.html' is not one of",
    ),
    Case(
        "post-links-javascript",
        lambda p, o: edit(p, POST, "date: 2023-06-01",
                          "date: 2023-06-01\nlinks:\n  - Click: javascript:alert(1)"),
        POST, 3, "'javascript:alert(1)' is neither a path nor an http(s) URL",
    ),
    Case(
        "resource-sets-its-slug",
        lambda p, o: edit(p, RESOURCE, "kind: video", "kind: video\nslug: elsewhere"),
        RESOURCE, 4, "slug: not a front-matter field here: Catalyst fills it in from the file's",
    ),
    Case(
        "catalyzer-sets-its-source",
        lambda p, o: edit(p, CATALYZER, "role: Superintendent", "role: Superintendent\nsource: x"),
        CATALYZER, 4, "source: not a front-matter field here",
    ),
    Case(
        "issue-sets-its-body",
        lambda p, o: edit(p, ISSUE, "signature: Devin", "signature: Devin\nbody: Replaced"),
        ISSUE, 10, "body: not a front-matter field here",
    ),
    Case(
        "post-slug-too-long",
        lambda p, o: edit(p, POST, "slug: how-might", "slug: " + "very-" * 40 + "how-might"),
        POST, 8, "characters, more than 120",
    ),
    # -- paths of images
    Case(
        "image-outside-content",
        lambda p, o: edit(p, ISSUE, "image: assets/images/design39-design-studio.png",
                          "image: ../../etc/x.png"),
        ISSUE, 19, "sections[1].image: '../../etc/x.png' must be a plain path inside content/",
    ),
    Case(
        "photo-absolute-path",
        lambda p, o: edit(p, CATALYZER, "month: 2023-06",
                          "month: 2023-06\nphoto: /etc/passwd.png\nphoto_alt: A photo"),
        CATALYZER, 7, "photo: '/etc/passwd.png' is an absolute path",
    ),
    Case(
        "image-javascript-url",
        lambda p, o: edit(p, ISSUE, "image: assets/images/design39-design-studio.png",
                          "image: javascript:alert(1)//x.png"),
        ISSUE, 19, "is neither a path inside content/ nor an https:// URL",
    ),
    Case(
        "image-through-symlink-to-outside",
        lambda p, o: (write(o, "x.png", b"\x89PNG\r\n\x1a\n"),
                      link(p, "content/assets/images/x.png", o / "x.png"),
                      edit(p, ISSUE, "image: assets/images/design39-design-studio.png",
                           "image: assets/images/x.png")),
        ISSUE, 19, "sections[1].image: image 'assets/images/x.png' leads outside",
    ),
    # -- the subject
    Case(
        "subject-over-150",
        lambda p, o: edit(p, ISSUE, 'subject: "Catalyst:', 'subject: "' + "x" * 140 + " Catalyst:"),
        ISSUE, 4, "Mailchimp takes at most 150",
    ),
    # -- editor warnings: exit 0, said at the line
    Case(
        "subject-over-80",
        lambda p, o: edit(p, ISSUE, 'subject: "Catalyst:', 'subject: "' + "x" * 40 + " Catalyst:"),
        ISSUE, 4, "inboxes show the first 40 to 80", level="warning",
    ),
    Case(
        "markdown-image-without-alt",
        lambda p, o: edit(
            p, CATALYZER, "Contessa has embraced",
            "![](../assets/images/design39-design-studio.png)\n\nContessa has embraced",
        ),
        CATALYZER, 15, "image without alt text", level="warning",
    ),
    Case(
        "html-img-without-alt",
        lambda p, o: edit(p, POST, "<!-- more -->\n",
                          "<!-- more -->\n\n<img src=\"../../assets/images/logo.svg\">\n"),
        POST, 24, "<img> without an alt attribute", level="warning",
    ),
    Case(
        "heading-level-skipped",
        lambda p, o: edit(p, POST, "<!-- more -->\n", "<!-- more -->\n\n## Part\n\n#### Detail\n"),
        POST, 26, "heading level skipped: #### after ##", level="warning",
    ),
    Case(
        "template-syntax-in-content",
        lambda p, o: edit(p, ISSUE, "When we listen", "Dear {{ first_name }}, when we listen"),
        ISSUE, 50, "'{{ first_name }}' will reach readers as written", level="warning",
    ),
    Case(
        "unknown-merge-tag",
        lambda p, o: edit(p, ISSUE, "When we listen", "Dear *|FIRSTNAME|*, when we listen"),
        ISSUE, 50, "*|FIRSTNAME|* is not a Mailchimp merge tag", level="warning",
    ),
]


# ---------------------------------------------------------------------------- running


def catalyst(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from catalyst.cli import run; run()", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"},
        timeout=300,
    )


def snapshot(project: Path) -> dict[str, tuple[int, int]]:
    """Every path (links not followed) with its size and modification time."""
    found = {}
    for folder, dirs, files in os.walk(project):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            found[path.relative_to(project).as_posix()] = (info.st_size, info.st_mtime_ns)
    return found


def assert_nothing_left(project: Path, before: dict) -> None:
    after = snapshot(project)
    changed = {
        path
        for path in set(before) | set(after)
        if before.get(path) != after.get(path)
        and not path.startswith("build/") and path != "build"
    }
    # Folders' times change when a file is made and removed in them: compare files only.
    changed = {path for path in changed if not (project / path).is_dir()}
    assert changed == set(), changed
    temporary = [path for path in after if Path(path).name.startswith(".")
                 and path not in before]
    assert temporary == [], temporary


def test_the_corpus_is_large_and_distinct():
    assert len(CASES) >= 25
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_mistake_is_reported_at_its_line(case: Case, tmp_path: Path):
    project = copy_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    case.setup(project, outside)
    before = snapshot(project)

    result = catalyst(project, "check")
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == (1 if case.level == "error" else 0), output
    expected = f"{case.path}:{case.line}: {case.level}: "
    lines = [line for line in result.stdout.splitlines() if line.startswith(expected)]
    assert any(case.gist in line for line in lines), output
    assert_nothing_left(project, before)


BUILD_CASES = [case for case in CASES if case.build]


@pytest.mark.parametrize("case", BUILD_CASES, ids=[case.name for case in BUILD_CASES])
def test_a_failed_build_copies_nothing_and_leaves_the_old_site(case: Case, tmp_path: Path):
    project = copy_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    case.setup(project, outside)
    write(project, "site/index.html", "<p>the site as it was</p>\n")
    before = snapshot(project)

    result = catalyst(project, "build")
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == 1, output
    assert f"{case.path}:{case.line}: error: " in output, output
    assert (project / "site/index.html").read_text() == "<p>the site as it was</p>\n"
    assert sorted(p.name for p in (project / "site").iterdir()) == ["index.html"]
    assert_nothing_left(project, before)


def test_symlinks_that_stay_inside_the_content_are_built(tmp_path: Path):
    """The rule is where a link leads, not that it is one: inside content/, it is published."""
    project = copy_project(tmp_path / "project")
    link(project, "content/assets/images/logo-copy.svg", "logo.svg")
    link(project, "content/assets/pictures", "images")
    result = catalyst(project, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    logo = (project / "content/assets/images/logo.svg").read_bytes()
    assert (project / "site/assets/images/logo-copy.svg").read_bytes() == logo
    assert (project / "site/assets/pictures/logo.svg").read_bytes() == logo
