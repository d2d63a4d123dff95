"""A failed `catalyst build` says why, at the file and line to fix, and leaves site/ alone.

The mistakes below are the ones editors make: a broken link, a category that is not allowed,
a typo in a template or in mkdocs.yml. Each is made on a copy of the project; the real
command must exit non-zero, name the file and line, print no traceback, and keep the site
that was there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalyst.cli import main

POST = "content/blog/posts/how-might-learner-centered-systems-promote-relationships-and-teamwork.md"
ISSUE = "issues/2023-06.md"
CATALYZER = "content/catalyzers/contessa-orr.md"
RESOURCE = "content/resources/leading-the-way-to-trust-and-connectedness.md"


def append(project: Path, path: str, text: str) -> int:
    """Add `text` as the file's last line; return that line's number."""
    file = project / path
    body = file.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text + "\n"
    file.write_text(body, encoding="utf-8")
    return len(body.splitlines())


def replace(project: Path, path: str, old: str, new: str) -> int:
    """Replace the first `old` with `new`; return the line `new` starts on."""
    file = project / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    at = text.index(old)
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:at].count("\n") + 1


def line_of(project: Path, path: str, needle: str) -> int:
    lines = (project / path).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


@dataclass(frozen=True)
class Mistake:
    name: str
    make: Callable[[Path], tuple[str, int]]  # edits the project; returns (path, line) to name


def _pad_letter(project: Path) -> tuple[str, int]:
    paragraph = ("Learner-centered leadership starts with listening: to students, to families "
                 "and to the educators who know them best. ") * 3
    append(project, ISSUE, "\n\n".join(f"{n}. {paragraph}" for n in range(260)))
    return ISSUE, 1


MISTAKES = [
    Mistake("link to a missing page in a post",
            lambda p: (POST, append(p, POST, "Read [the guide](../guide.md) too."))),
    Mistake("missing image in a post",
            lambda p: (POST, append(p, POST, "![A chart](../../assets/images/chart.png)"))),
    Mistake("link to a missing anchor in a post",
            lambda p: (POST, append(p, POST, "See [the top](../index.md#no-such-heading)."))),
    Mistake("link to a missing page in an issue's letter",
            lambda p: (ISSUE, append(p, ISSUE, "More [on the blog](../blog/no-such-post.md)."))),
    Mistake("link to a missing page in a catalyzer's profile",
            lambda p: (CATALYZER, append(p, CATALYZER, "Her [school](../resources/school.md)."))),
    Mistake("link to a missing page in a resource's summary",
            lambda p: (RESOURCE, replace(p, RESOURCE, "summary: ",
                                         "summary: See [the notes](notes.md). "))),
    Mistake("a category the blog does not allow",
            lambda p: (POST, replace(p, POST, "  - Leadership\n", "  - Leadrship\n"))),
    Mistake("an author the blog does not know",
            lambda p: (POST, replace(p, POST, "  - devin\n", "  - devon\n"))),
    Mistake("an issue featuring a resource that does not exist",
            lambda p: (ISSUE, replace(p, ISSUE, "- leading-the-way-to-trust-and-connectedness",
                                      "- leading-the-way"))),
    Mistake("front matter that is not YAML (a colon in a value)",
            lambda p: (ISSUE, replace(p, ISSUE, "title: Trust and", "title: Trust: and"))),
    Mistake("a syntax error in a site override (templates/site)",
            lambda p: ("templates/site/main.html",
                       append(p, "templates/site/main.html", "{% if %}{% endif %}"))),
    Mistake("an unknown name in a site partial (templates/site/partials)",
            lambda p: ("templates/site/partials/copyright.html",
                       append(p, "templates/site/partials/copyright.html",
                              "{{ config.extra.social_links.first }}"))),
    Mistake("a syntax error in a generated page's template (templates/pages)",
            lambda p: ("templates/pages/issue.md.j2",
                       append(p, "templates/pages/issue.md.j2", "{% for item in %}"))),
    Mistake("an unknown field in a generated page's template (templates/pages)",
            lambda p: ("templates/pages/resources.md.j2",
                       append(p, "templates/pages/resources.md.j2", "{{ resources.newest }}"))),
    Mistake("a broken link in the home page's template",
            lambda p: ("templates/pages/home.md.j2",
                       append(p, "templates/pages/home.md.j2", "[Archive](issues/all.md)"))),
    Mistake("an unknown field in the email's template",
            lambda p: ("templates/email/issue.html.j2",
                       append(p, "templates/email/issue.html.j2", "{{ issue.sender }}"))),
    Mistake("a catalyst option of the wrong type",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "email_max_kb: 90",
                                             "email_max_kb: ninety"))),
    Mistake("an unknown catalyst option (a typo)",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "      reply_to:",
                                             "      reply_too: x\n      reply_to:"))),
    Mistake("an unknown top-level setting",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "site_dir: site",
                                             "site_dri: site\nsite_dir: site"))),
    Mistake("a Markdown extension that does not exist",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "  - footnotes\n",
                                             "  - footnote\n"))),
    Mistake("a plugin name misspelled",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "  - rss:\n", "  - rrs:\n"))),
    Mistake("a nav entry to a page that does not exist",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "Resources: resources/index.md",
                                             "Resources: resource/index.md"))),
    Mistake("a validation setting out of its choices",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "    anchors: warn",
                                             "    anchors: loud"))),
    Mistake("mkdocs.yml that is not YAML (a colon in a value)",
            lambda p: ("mkdocs.yml", replace(p, "mkdocs.yml", "copyright: Catalyst ·",
                                             "copyright: Catalyst:"))),
    Mistake("an issue whose email is over email_max_kb", _pad_letter),
]


def with_old_site(project: Path) -> Path:
    """A site/ from an earlier build, which a failed build must leave as it was."""
    site = project / "site"
    site.mkdir()
    (site / "index.html").write_text("the site as it was", encoding="utf-8")
    return site


def assert_site_untouched(project: Path) -> None:
    site = project / "site"
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "the site as it was"
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site")) == []


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_each_mistake_fails_the_build_naming_its_file_and_line(project, mistake, monkeypatch):
    path, line = mistake.make(project)
    with_old_site(project)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:{line}: " in result.stdout, result.output
    # Every message names a file of the project, and none is MkDocs' bare summary.
    for shown in result.stdout.splitlines():
        assert (project / shown.split(":", 1)[0]).is_file(), shown
    assert "Aborted with" not in result.output
    assert "the build failed" in result.stderr and "site/ is unchanged" in result.stderr
    assert_site_untouched(project)


def test_the_corpus_is_a_real_one():
    assert len(MISTAKES) >= 10
    assert len({m.name for m in MISTAKES}) == len(MISTAKES)


# ---------------------------------------------------------------------------- the real command


def catalyst_build(project: Path) -> subprocess.CompletedProcess:
    """`catalyst build` in a process of its own, from the project's top folder."""
    return subprocess.run(
        [sys.executable, "-m", "catalyst.cli", "build"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )


SUBPROCESS_CASES = ["link to a missing page in a post",
                    "a syntax error in a site override (templates/site)",
                    "a syntax error in a generated page's template (templates/pages)",
                    "a catalyst option of the wrong type",
                    "an unknown catalyst option (a typo)"]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_the_installed_command_names_the_file_and_line(project, name):
    mistake = next(m for m in MISTAKES if m.name == name)
    path, line = mistake.make(project)
    with_old_site(project)
    result = catalyst_build(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{path}:{line}: " in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith("Error: the build failed")
    assert_site_untouched(project)


def test_a_bad_setting_says_what_mkdocs_says(project):
    replace(project, "mkdocs.yml", "email_max_kb: 90", "email_max_kb: ninety")
    replace(project, "mkdocs.yml", "      from_name:", "      form_name: x\n      from_name:")
    line = line_of(project, "mkdocs.yml", "email_max_kb: ninety")
    unknown = line_of(project, "mkdocs.yml", "form_name: x")
    result = catalyst_build(project)
    assert result.returncode == 1
    assert (f"mkdocs.yml:{line}: error: Config value 'plugins': Plugin 'catalyst' option "
            "'email_max_kb': Expected type: <class 'int'> but received: <class 'str'>"
            in result.stdout)
    # MkDocs leaves the other option's warning unsaid once one is an error; alone, it is said.
    replace(project, "mkdocs.yml", "email_max_kb: ninety", "email_max_kb: 90")
    result = catalyst_build(project)
    assert result.returncode == 1
    assert (f"mkdocs.yml:{unknown}: warning: Config value 'plugins': Plugin 'catalyst' option "
            "'form_name': Unrecognised configuration name: form_name" in result.stdout)


def test_a_good_build_still_succeeds_and_replaces_the_site(project):
    with_old_site(project)
    result = catalyst_build(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Site built in ")
    assert "the site as it was" not in (project / "site/index.html").read_text(encoding="utf-8")
    assert (project / "site/issues/2023-06/email.html").is_file()
