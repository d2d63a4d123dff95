"""The loader and `catalyst check` on tiny broken files: each problem, its message and its line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import markdown
import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from catalyst import checks as check
from catalyst.cli import main
from catalyst.content import mergetags, nesting, safeyaml
from catalyst.content.schema import Page, Post
from catalyst.settings import load_settings
from conftest import mkdocs_build

FIXTURES = Path(__file__).parent / "fixtures"
DESTINATIONS = {
    "resources": "content/resources",
    "catalyzers": "content/catalyzers",
    "posts": "content/blog/posts",
    "issues": "issues",
}


def add_fixture(project: Path, fixture: str) -> str:
    """Copy one fixture into the project where its kind lives; return its shown path."""
    source = FIXTURES / fixture
    kind = source.parent.name
    # Issues are named for their month; other files by slug.
    name = "2023-07.md" if kind == "issues" else source.stem.replace("_", "-") + ".md"
    target = f"{DESTINATIONS[kind]}/{name}"
    shutil.copy(source, project / target)
    return target


def problems_for(project: Path) -> list[str]:
    """The check's problems, less placeholder warnings (the seed keeps its example.org
    addresses on purpose: test_placeholders.py is about those)."""
    found = check.run(load_settings(project / "mkdocs.yml"))
    return [str(p) for p in found if not (p.level == "warning" and "placeholder" in p.message)]


CASES = [
    ("resources/resource_missing_title.md", 1, "title: required field missing"),
    ("resources/resource_missing_summary.md", 1, "summary: required field missing"),
    (
        "resources/resource_unknown_kind.md",
        3,
        "kind: 'vidoe' is not one of 'blog-post', 'video', 'podcast', 'article', 'report', "
        "'book', 'tool', 'event', 'webinar' or 'recording'",
    ),
    (
        "resources/resource_with_url_and_post.md",
        5,
        "url/post: give exactly one of `url` or `post`, not both",
    ),
    (
        "resources/resource_with_neither_url_nor_post.md",
        1,
        "url/post: give exactly one of `url` or `post`, not neither",
    ),
    (
        "resources/resource_with_unknown_post.md",
        5,
        "post: no post 'how-might-learner-centered-systems' (did you mean "
        "'how-might-learner-centered-systems-promote-relationships-and-teamwork'?)",
    ),
    (
        "resources/resource_date_not_a_date.md",
        6,
        "date: 'last spring' is not a date (write YYYY-MM-DD)",
    ),
    (
        "resources/resource_image_missing.md",
        6,
        "image: image 'assets/images/no-such-picture.png' not found "
        "(looked for content/assets/images/no-such-picture.png)",
    ),
    (
        "resources/resource_malformed_yaml.md",
        4,
        "front matter is not valid YAML: while scanning a quoted scalar, "
        "found unexpected end of stream",
    ),
    (
        "resources/resource_without_front_matter.md",
        1,
        "no front matter: the file must start with a '---' line",
    ),
    (
        "resources/resource_unknown_field.md",
        6,
        "unknown field 'sumary', did you mean 'summary'? (allowed: date, draft, ends, image, "
        "image_alt, kind, location, note, online, post, quote, registration, starts, summary, "
        "tags, timezone, title, url)",
    ),
    ("catalyzers/catalyzer_missing_name.md", 1, "name: required field missing"),
    (
        "catalyzers/catalyzer_month_not_yyyy_mm.md",
        5,
        "month: 'June 2023' is not a month written YYYY-MM",
    ),
    (
        "catalyzers/catalyzer_photo_without_alt.md",
        6,
        "photo_alt: a photo needs alt text describing what it shows",
    ),
    ("issues/issue_missing_subject.md", 1, "subject: required field missing"),
    (
        "issues/issue_month_differs_from_file_name.md",
        2,
        "month: '2023-08' does not match the file name '2023-07.md'",
    ),
    (
        "issues/issue_with_unknown_resource.md",
        11,
        "sections[0].items[1]: no resource 'leading-the-way' "
        "(did you mean 'leading-the-way-to-trust-and-connectedness'?)",
    ),
    (
        "issues/issue_with_unknown_catalyzer.md",
        10,
        "sections[0].catalyzer: no catalyzer 'contessa' (did you mean 'contessa-orr'?)",
    ),
    (
        "issues/issue_with_unknown_section_kind.md",
        7,
        "sections[0].kind: 'poll' is not one of "
        "'announcement', 'story', 'resources', 'highlights', 'catalyzer', 'job', 'survey'",
    ),
    ("issues/issue_section_missing_field.md", 7, "sections[0].text: required field missing"),
    (
        "issues/issue_story_image_without_alt.md",
        10,
        "sections[0].image_alt: an image needs alt text describing what it shows",
    ),
    (
        "issues/issue_send_at_without_offset.md",
        6,
        "send_at: give a time zone offset, e.g. 2023-06-06T09:00:00-04:00",
    ),
    ("posts/post_missing_date.md", 1, "date: required field missing"),
    (
        "posts/post_unknown_author.md",
        4,
        "authors[0]: no author 'devon' in blog/.authors.yml",
    ),
    (
        "posts/post_duplicate_slug.md",
        5,
        "duplicate post slug 'how-might-learner-centered-systems-promote-relationships-and-"
        "teamwork' (also content/blog/posts/how-might-learner-centered-systems-promote-"
        "relationships-and-teamwork.md)",
    ),
]


def test_the_repository_content_has_no_problem():
    root = Path(__file__).resolve().parent.parent
    assert problems_for(root) == []


@pytest.mark.parametrize(
    ("fixture", "line", "message"), CASES, ids=[Path(c[0]).stem for c in CASES]
)
def test_each_broken_file_fails_with_its_message_and_line(project, fixture, line, message):
    shown = add_fixture(project, fixture)
    assert problems_for(project) == [f"{shown}:{line}: error: {message}"]


def test_two_catalyzers_in_one_month_are_both_named(project):
    shown = add_fixture(project, "catalyzers/catalyzer_same_month_as_another.md")
    original = "content/catalyzers/contessa-orr.md"
    assert problems_for(project) == [
        f"{shown}:5: error: month: 2023-06 has more than one catalyzer (also {original})",
        f"{original}:6: error: month: 2023-06 has more than one catalyzer (also {shown})",
    ]


def test_one_run_reports_every_problem_not_the_first(project):
    for fixture in (
        "resources/resource_unknown_kind.md",
        "catalyzers/catalyzer_missing_name.md",
        "issues/issue_with_unknown_resource.md",
    ):
        add_fixture(project, fixture)
    problems = problems_for(project)
    assert len(problems) == 3
    assert {p.split(":")[0] for p in problems} == {
        "content/resources/resource-unknown-kind.md",
        "content/catalyzers/catalyzer-missing-name.md",
        "issues/2023-07.md",
    }


def test_a_resource_file_name_must_be_a_slug(project):
    shutil.copy(
        project / "content/resources/leading-the-way-to-trust-and-connectedness.md",
        project / "content/resources/Leading The Way.md",
    )
    assert problems_for(project) == [
        "content/resources/Leading The Way.md:1: error: file name: 'Leading The Way' is not a "
        "slug; rename it 'leading-the-way.md'"
    ]


def test_an_issue_featuring_a_draft_resource_is_an_error(project):
    path = project / "content/resources/leading-the-way-to-trust-and-connectedness.md"
    path.write_text(path.read_text().replace("kind: video", "kind: video\ndraft: true", 1))
    assert problems_for(project) == [
        "issues/2023-06.md:39: error: sections[2].items[1]: "
        "'leading-the-way-to-trust-and-connectedness' is a draft"
    ]


def test_check_command_exits_1_listing_each_problem(project, monkeypatch):
    add_fixture(project, "resources/resource_unknown_kind.md")
    add_fixture(project, "issues/issue_with_unknown_resource.md")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    errors = [line for line in lines if ": error: " in line]
    assert errors[0].startswith("content/resources/resource-unknown-kind.md:3: error: kind:")
    assert errors[1].startswith("issues/2023-07.md:11: error: sections[0].items[1]: no resource")
    # The others are the seed's placeholders (example.org addresses...): warnings.
    warnings = [line for line in lines if ": warning: placeholder" in line or
                ": placeholder: " in line]
    assert len(errors) + len(warnings) == len(lines)
    assert f"2 error(s), {len(warnings)} warning(s)" in result.stderr


def test_check_command_exits_0_on_the_repository(project, monkeypatch):
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    # Only the seed's placeholders, which it keeps on purpose (see test_placeholders.py).
    assert all(": warning: " in line and "placeholder" in line
               for line in result.stdout.splitlines())


# ---------------------------------------------------------------------------- bounds


LAUGHS_LEVELS = 10  # one level more than the 378-byte original, which took 1.1 GiB and 9 s


def laughs(levels: int = LAUGHS_LEVELS) -> str:
    names = [chr(97 + n) for n in range(levels)]
    lines = ["---", "title: Laughs", f"{names[0]}: &{names[0]} [{', '.join(['lol'] * 9)}]"]
    for previous, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    return "\n".join([*lines, "---", ""])


MEASURE = """
import json, resource, sys, time, tracemalloc
from pathlib import Path
from catalyst.content import frontmatter as content
tracemalloc.start()
started = time.perf_counter()
try:
    content.read_document(Path(sys.argv[1]), "laughs.md")
    outcome = "read"
except content.ContentError as error:
    outcome = str(error)
elapsed = time.perf_counter() - started
print(json.dumps({"outcome": outcome, "seconds": elapsed,
                  "peak": tracemalloc.get_traced_memory()[1]}))
"""

CHECK = """
import json, resource, sys, time
from catalyst.cli import main
started = time.perf_counter()
try:
    main(["check"], prog_name="catalyst")
except SystemExit as end:
    code = end.code
print(json.dumps({"code": code, "seconds": time.perf_counter() - started,
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
      file=sys.stderr)
"""


def _python(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_billion_laughs_fails_fast_and_small_in_the_loader(tmp_path):
    path = tmp_path / "laughs.md"
    path.write_text(laughs())
    result = _python(MEASURE, str(path))
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    assert measured["outcome"] == (
        "laughs.md:3: error: YAML anchors (&a) are not allowed in front matter: "
        "write the value out"
    )
    assert measured["seconds"] < 1.0
    assert measured["peak"] < 100 * 2**20


def test_billion_laughs_costs_a_check_no_more_than_a_normal_one(project):
    """Each `catalyst check` in its own process, its own peak resident memory and time."""
    normal = _python(CHECK, cwd=project)
    (project / "content/resources/laughs.md").write_text(laughs())
    attacked = _python(CHECK, cwd=project)
    before = json.loads(normal.stderr.strip().splitlines()[-1])
    after = json.loads(attacked.stderr.strip().splitlines()[-1])
    assert before["code"] == 0 and after["code"] == 1
    assert "content/resources/laughs.md:3: error: YAML anchors (&a)" in attacked.stdout
    assert "Traceback" not in attacked.stderr
    assert (after["rss_kib"] - before["rss_kib"]) * 1024 < 100 * 2**20
    assert after["seconds"] - before["seconds"] < 1.0


def test_the_bounded_yaml_reads_every_file_as_pyyaml_does():
    """The composer refuses more, never reads differently: every front matter of the
    repository constructs to what yaml.safe_load makes of it."""
    root = Path(__file__).resolve().parent.parent
    files = [*(root / "content").rglob("*.md"), *(root / "issues").glob("*.md")]
    compared = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---\n"):
            continue
        source = text.split("\n---\n", 1)[0].removeprefix("---\n")
        assert safeyaml.parse(source, first_line=2).value == yaml.safe_load(source), path
        compared += 1
    assert compared >= 5


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("a: 1\nb: *x\n", 3, "YAML aliases (*x) are not allowed"),
        ("a: &x 1\n", 2, "YAML anchors (&x) are not allowed"),
        ("a: 1\nb:\n  c: 2\n  c: 3\n", 5, "key 'c' is given twice (lines 4 and 5)"),
        ("on: 1\n", 2, "key 'on' is read as a true/false value: put it in quotes"),
        ("2023: 1\n", 2, "key '2023' is read as a number"),
        ("? [a]\n: 1\n", 2, "a key must be a word"),
        ("a: " + "{b: " * 21 + "1" + "}" * 21 + "\n", 2, "nested more than 20 levels deep"),
        ("a:\n  - 2023-02-30\n", 3, "'2023-02-30' is not a real date (day is out of range"),
    ],
    ids=["undefined-alias", "anchor", "duplicate", "bool-key", "number-key", "list-key",
         "deep", "impossible-date"],
)
def test_bounded_yaml_refuses_at_the_line(source, line, message):
    with pytest.raises(safeyaml.YamlProblems) as raised:
        safeyaml.parse(source, first_line=2)
    [(where, what)] = raised.value.problems
    assert where == line
    assert message in what


def _converter() -> markdown.Markdown:
    """Python-Markdown with the site's own extensions, as MkDocs configures them."""
    from mkdocs.config import load_config

    config = load_config(str(Path(__file__).resolve().parent.parent / "mkdocs.yml"))
    return markdown.Markdown(extensions=config.markdown_extensions,
                             extension_configs=config.mdx_configs)


NESTED = {
    "indented-list": lambda depth: "\n".join("  " * n + "- x" for n in range(depth)),
    "list-markers": lambda depth: "- " * depth + "x",
    "quotes": lambda depth: "> " * depth + "x",
    "markdown-blocks": lambda depth: "<div markdown>\n\n" * depth + "x\n\n" + "</div>\n\n" * depth,
}


@pytest.mark.parametrize("form", list(NESTED))
def test_markdown_at_the_nesting_bound_converts_quickly_and_past_it_is_refused(form):
    make = NESTED[form]
    depth = nesting.MAX_NESTING
    while nesting.too_deep(make(depth + 1)) is None:  # the deepest text the bound lets through
        depth += 1
    assert nesting.too_deep(make(depth)) is None
    started = time.perf_counter()
    _converter().convert(make(depth))
    assert time.perf_counter() - started < 2.0
    assert nesting.too_deep(make(1000)) is not None


def test_post_front_matter_allows_what_the_blog_plugin_and_material_read():
    """The allowed keys come from the installed code: the blog plugin's PostConfig and
    the page keys Material's templates read; everything else is refused."""
    from material.plugins.blog.structure.config import PostConfig

    allowed = set(Post.front_matter_fields())
    assert set(PostConfig().keys()) <= allowed
    assert set(Page.front_matter_fields()) <= allowed
    assert {"title", "description", "hide", "search", "template", "icon", "status",
            "subtitle", "tags"} <= allowed
    assert not allowed & Post.loader_fields


def test_a_post_using_every_allowed_key_passes_check_and_builds(project, tmp_path):
    post = project / "content/blog/posts/every-key.md"
    post.write_text(
        "---\ndate: 2023-06-02\nauthors: [devin]\ncategories: [Leadership]\nslug: every-key\n"
        "title: Every key\ndescription: A post that uses every key.\ndraft: false\npin: true\n"
        "readtime: 3\nlinks:\n  - blog/index.md\n  - Elsewhere: https://example.org/more\n"
        "hide: [feedback]\nsearch:\n  boost: 2\ntemplate: blog-post.html\n"
        "icon: material/star\nstatus: new\nsubtitle: Its subtitle\ntags: [teams]\n"
        "image: assets/images/design39-design-studio.png\nimage_alt: Educators at a table\n"
        "---\n\n# Every key\n\nIt says what it is.\n",
        encoding="utf-8",
    )
    assert problems_for(project) == []
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    page = tmp_path / "site/blog/2023/06/every-key/index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert soup.find("meta", property="og:image")["content"].endswith(
        "/assets/images/design39-design-studio.png"
    )


def test_every_merge_tag_the_email_templates_use_is_known():
    root = Path(__file__).resolve().parent.parent / "templates/email"
    used = {tag for path in root.glob("*.j2")
            for tag in mergetags.PATTERN.findall(path.read_text(encoding="utf-8"))}
    assert used >= {"UNSUB", "UPDATE_PROFILE", "LIST:ADDRESSLINE"}
    assert all(mergetags.is_known(tag) for tag in used)
    assert not mergetags.is_known("FIRSTNAME")
    assert mergetags.suggestion("FIRSTNAME") == "FNAME"
    assert mergetags.is_known("DATE:Y") and mergetags.is_known("IF:FNAME")


def test_an_items_attributes_are_read_as_getattr_reads_them(settings):
    from catalyst.content import loader

    library, _ = loader.load(settings)
    things = [*library.posts.values(), *library.resources.values(),
              *library.catalyzers.values(), *library.issues.values()]
    sections = [section for issue in library.issues.values() for section in issue.sections]
    things += sections + [sub for section in sections for sub in getattr(section, "items", [])]
    asked = 0
    for thing in things + ["a slug", None]:
        for name in ("image", "photo", "sections", "items", "title", "slug", "upper"):
            assert loader._named(thing, name) == getattr(thing, name, None), (thing, name)
            asked += getattr(thing, name, None) is not None
    assert asked > len(things)  # some were there


def test_a_slug_is_made_from_each_text_as_given():
    from markupsafe import Markup

    from catalyst.content.schema import slugify

    assert [slugify(t) for t in ("A Title", "A title!", "Another", "A Title")] == [
        "a-title", "a-title", "another", "a-title"]
    assert slugify(Markup("A &amp; B")) == slugify("A &amp; B")  # a str's kin, not remembered
