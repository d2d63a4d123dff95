"""Placeholders: `catalyst check` warns at path:line, `--release` refuses them, and so does
`catalyst push` (against the local fake Mailchimp) until `--allow-placeholders`.

Each kind is put, one at a time, into a copy of the project whose seed placeholders were all
replaced by real-looking values first, so what a test sees is that kind alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, PngImagePlugin

from catalyst.cli import main
from catalyst.content import placeholders
from fake_mailchimp import LIST_ID
from mailchimp_support import TITLE

pytest_plugins = ["mailchimp_fixtures"]

ISSUE = "issues/2023-06.md"
RESOURCE = "content/resources/leading-the-way-to-trust-and-connectedness.md"
CATALYZER = "content/catalyzers/contessa-orr.md"
POST = "content/blog/posts/how-might-learner-centered-systems-promote-relationships-and-teamwork.md"
DESIGN39 = "content/assets/images/design39-design-studio.png"
REAL_SETTINGS = {
    "site_url: https://catalyst.example.org/": "site_url: https://catalyst.learner-centered.net/",
    "https://catalyst.example.org/assets": "https://catalyst.learner-centered.net/assets",
    "subscribe_url: https://example.us21.list-manage.com/subscribe/post?u=0000000000000000000000000"
    "&id=0000000000": "subscribe_url: https://learner-centered.us21.list-manage.com/subscribe/post"
    "?u=5f2e8b1c9a0d4e7f3b6a2c1d8&id=7e4d2c9b1a",
    "reply_to: catalyst@example.org": "reply_to: catalyst@learner-centered.net",
    'audience_id: "0000000000"': f'audience_id: "{LIST_ID}"',
    "address: Catalyst · 123 Example Street · Example City, ST 00000":
        "address: Catalyst · 4100 Normal Street · San Diego, CA 92103",
}


def catalyst(project: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["-f", str(project / "mkdocs.yml"), *args], env=env)


def edit(project: Path, path: str, old: str, new: str) -> int:
    """Replace the first `old` with `new`; return the line `new` starts on."""
    file = project / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    at = text.index(old)
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:at].count("\n") + 1


def append(project: Path, path: str, text: str) -> int:
    file = project / path
    body = file.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text + "\n"
    file.write_text(body, encoding="utf-8")
    return len(body.splitlines())


def unmark(path: Path) -> None:
    """Save the image again without its text chunks: a real photo, as far as anyone can tell."""
    with Image.open(path) as image:
        image.load()
        image.save(path, format="PNG")


@pytest.fixture
def clean(project: Path) -> Path:
    """The project with every seed placeholder replaced by a real-looking value."""
    for path in [*project.glob("content/**/*.md"), *project.glob("issues/*.md")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("https://example.org/", "https://learner-centered.net/"),
                        encoding="utf-8")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    for old, new in REAL_SETTINGS.items():
        assert old in text, old
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    unmark(project / DESIGN39)
    return project


def placeholder_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "placeholder" in line]


def test_a_clean_project_has_no_placeholder_and_passes_the_release_check(clean):
    result = catalyst(clean, "check", "--release")
    assert result.exit_code == 0, result.output
    assert placeholder_lines(result.output) == []


# ---------------------------------------------------------------------------- each kind


@dataclass(frozen=True)
class Kind:
    name: str
    make: Callable[[Path], tuple[str, int]]  # puts one placeholder in; returns (path, line)
    unfinished: bool = False  # a TODO: an error in a published file even without --release


def _image(project: Path, name: str, mark: str) -> str:
    """A new image under content/assets/images, marked as a placeholder by Pillow."""
    path = project / "content/assets/images" / name
    image = Image.new("RGB", (40, 20), (200, 120, 40))
    if name.endswith(".png"):
        info = PngImagePlugin.PngInfo()
        info.add_itxt("Placeholder", mark)
        image.save(path, pnginfo=info)
    else:
        image.save(path, comment=f"Placeholder: {mark}".encode())
    return f"assets/images/{name}"


KINDS = [
    Kind("an example.com link in the issue's letter",
         lambda p: (ISSUE, append(p, ISSUE, "Register [here](https://www.example.com/register)."))),
    Kind("a .test email address in a featured resource",
         lambda p: (RESOURCE, edit(p, RESOURCE, "  them out here",
                                   "  them out (ask editor@newsletter.test) here"))),
    Kind("a .invalid host in the issue's button",
         lambda p: (ISSUE, edit(p, ISSUE, "url: https://learner-centered.net/partnerships",
                                "url: https://partners.invalid/book"))),
    Kind("an address that says TODO (what `catalyst new` leaves)",
         lambda p: (ISSUE, edit(p, ISSUE, "url: https://learner-centered.net/partnerships",
                                "url: https://learner-centered.net/TODO")), unfinished=True),
    Kind("a TODO: left in the issue",
         lambda p: (ISSUE, edit(p, ISSUE, "signature: Devin", "signature: 'TODO: who signs'")),
         unfinished=True),
    Kind("the all-zero ids of the subscribe form",
         lambda p: ("mkdocs.yml", edit(p, "mkdocs.yml", "u=5f2e8b1c9a0d4e7f3b6a2c1d8&id=7e4d2c9b1a",
                                       "u=0000000000000000000000000&id=0000000000"))),
    Kind("the all-zero audience id",
         lambda p: ("mkdocs.yml", edit(p, "mkdocs.yml", f'audience_id: "{LIST_ID}"',
                                       'audience_id: "0000000000"'))),
    Kind("a sample postal address in the settings",
         lambda p: ("mkdocs.yml", edit(p, "mkdocs.yml", "4100 Normal Street · San Diego, CA 92103",
                                       "123 Example Street · Example City, ST 00000"))),
    Kind("a sample postal address in the featured catalyzer",
         lambda p: (CATALYZER, append(p, CATALYZER, "Write to her at 42 Example Avenue."))),
    Kind("an example site_url",
         lambda p: ("mkdocs.yml", edit(p, "mkdocs.yml", "site_url: https://catalyst.learner-",
                                       "site_url: https://catalyst.example.org/\n#"))),
    Kind("an example reply-to address",
         lambda p: ("mkdocs.yml", edit(p, "mkdocs.yml", "reply_to: catalyst@learner-centered.net",
                                       "reply_to: catalyst@example.org"))),
    Kind("a PNG marked as a placeholder as the issue's image",
         lambda p: (ISSUE, edit(p, ISSUE, "image: assets/images/design39-design-studio.png",
                                "image: " + _image(p, "stand-in.png", "replace with a photo")))),
    Kind("a JPEG marked as a placeholder in the issue's letter",
         lambda p: (ISSUE, append(p, ISSUE, "![A team at work](../" + _image(
             p, "stand-in.jpg", "a stock picture") + ")"))),
    Kind("the Design39 placeholder image, as the seed has it",
         lambda p: (ISSUE, _remark_design39(p))),
]


def _remark_design39(project: Path) -> int:
    """The seed's own placeholder image, with its mark back (the `clean` fixture removed it)."""
    (project / DESIGN39).write_bytes((Path(__file__).parent.parent / DESIGN39).read_bytes())
    lines = (project / ISSUE).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if "design39-design-studio.png" in line)


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_each_kind_warns_in_check_and_is_an_error_for_a_release(clean, kind):
    path, line = kind.make(clean)
    checked = catalyst(clean, "check")
    found = placeholder_lines(checked.stdout)
    level = "error" if kind.unfinished else "warning"
    assert [f for f in found if f.startswith(f"{path}:{line}: {level}: ")], checked.output
    assert all(f.startswith(f"{path}:{line}: ") for f in found), found
    assert checked.exit_code == (1 if kind.unfinished else 0), checked.output

    release = catalyst(clean, "check", "--release")
    assert release.exit_code == 1
    errors = [f for f in placeholder_lines(release.stdout) if ": error: " in f]
    assert errors and all(f.startswith(f"{path}:{line}: error: ") for f in errors), release.output


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_each_kind_stops_a_push_until_it_is_allowed(clean, fake, kind):
    path, line = kind.make(clean)
    refused = catalyst(clean, "push", "2023-06", env=fake.environ())
    assert refused.exit_code == 1, refused.output
    assert f"{path}:{line}: error: " in refused.stdout
    assert "add --allow-placeholders to push them anyway" in refused.stderr
    assert fake.requests == []  # refused before any request

    allowed = catalyst(clean, "push", "2023-06", "--allow-placeholders", env=fake.environ())
    if "audience" in kind.name:  # the zero audience is not the fake's: Mailchimp says so
        assert allowed.exit_code == 1
        assert "has no audience with that id" in allowed.output
        return
    assert allowed.exit_code == 0, allowed.output
    assert f"{path}:{line}: warning: " in allowed.stdout
    assert len(fake.titled(TITLE)) == 1


def test_a_clean_project_pushes_without_the_flag(clean, fake):
    result = catalyst(clean, "push", "2023-06", env=fake.environ())
    assert result.exit_code == 0, result.output
    assert placeholder_lines(result.output) == []
    assert len(fake.titled(TITLE)) == 1


@pytest.mark.parametrize(
    "options",
    [["--test", "ed@learner-centered.net"], ["--schedule"], ["--send-now", "--yes"]],
    ids=["test send", "schedule", "send now"],
)
def test_sending_and_scheduling_refuse_placeholders_too(clean, fake, options):
    line = edit(clean, ISSUE, "url: https://learner-centered.net/partnerships",
                "url: https://example.org/partnerships")
    result = catalyst(clean, "push", "2023-06", *options, env=fake.environ())
    assert result.exit_code == 1
    assert f"{ISSUE}:{line}: error: url: placeholder: " in result.stdout
    assert fake.requests == [] and fake.test_sends == []


def test_a_dry_run_goes_on_with_a_warning(clean, fake):
    line = edit(clean, ISSUE, "url: https://learner-centered.net/partnerships",
                "url: https://example.org/partnerships")
    without_key = catalyst(clean, "push", "2023-06", env={**fake.environ(),
                                                         "MAILCHIMP_API_KEY": None})
    assert without_key.exit_code == 0, without_key.output
    assert f"{ISSUE}:{line}: warning: url: placeholder: " in without_key.stdout
    assert (clean / "build/outbox/2023-06").is_dir()
    with_key = catalyst(clean, "push", "2023-06", "--dry-run", env=fake.environ())
    assert with_key.exit_code == 0, with_key.output
    assert f"{ISSUE}:{line}: warning: " in with_key.stdout
    assert all(not r.writes for r in fake.requests)


def test_a_placeholder_in_a_draft_is_a_warning_even_for_a_release(clean):
    made = catalyst(clean, "new", "post", "--title", "Sign up", "--description", "How to join.")
    assert made.exit_code == 0, made.output
    path = made.stdout.strip()
    line = append(clean, path, "Sign up [here](https://example.org/sign-up).")
    result = catalyst(clean, "check", "--release")
    assert result.exit_code == 0, result.output
    assert f"{path}:{line}: warning: placeholder: 'https://example.org/sign-up'" in result.stdout


def test_a_placeholder_outside_what_a_push_sends_does_not_stop_it(clean, fake):
    """A post the issue does not feature is for the release check, not the push."""
    line = append(clean, "content/editors-guide.md", "Ask [us](https://example.org/ask).")
    assert f"content/editors-guide.md:{line}: error: " in catalyst(
        clean, "check", "--release").stdout
    result = catalyst(clean, "push", "2023-06", env=fake.environ())
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------------- scaffolds and seed


def test_a_resource_scaffolded_without_url_is_caught(clean):
    made = catalyst(clean, "new", "resource", "--title", "Teams that learn", "--kind", "video",
                    "--summary", "A video on teams.")
    assert made.exit_code == 0, made.output
    path = "content/resources/teams-that-learn.md"
    text = (clean / path).read_text(encoding="utf-8")
    url = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("url:"))
    drafted = catalyst(clean, "check")
    assert drafted.exit_code == 0
    assert f"{path}:{url}: warning: url: placeholder: 'https://example.org/TODO'" in drafted.stdout
    # Once `draft: true` is taken out, it is an error, release or not: no longer passes.
    (clean / path).write_text(text.replace("draft: true\n", ""), encoding="utf-8")
    for args in (["check"], ["check", "--release"]):
        checked = catalyst(clean, *args)
        assert checked.exit_code == 1
        assert f"{path}:{url}: error: url: placeholder: 'https://example.org/TODO'" in (
            checked.stdout)


def test_the_seeds_unknown_addresses_are_reported_as_placeholders(project):
    """The seed keeps its unknown addresses as example.org links: each is reported, at its line."""
    checked = catalyst(project, "check")
    assert checked.exit_code == 0
    reported = {tuple(line.split(":", 2)[:2]) for line in placeholder_lines(checked.stdout)}
    expected = set()
    for path in (ISSUE, RESOURCE, CATALYZER, POST):
        for number, line in enumerate((project / path).read_text().splitlines(), 1):
            if "example.org" in line:
                expected.add((path, str(number)))
    config = (project / "mkdocs.yml").read_text().splitlines()
    for key in ("site_url:", "subscribe_url:", "reply_to:", "audience_id:", "address:"):
        expected.add(("mkdocs.yml", str(next(n for n, line in enumerate(config, 1)
                                             if line.strip().startswith(key)))))
    expected.add((ISSUE, str(_remark_design39(project))))
    assert len(expected) >= 13  # 7 addresses in content, 5 settings, 1 image
    assert expected <= reported, sorted(expected - reported)
    release = catalyst(project, "check", "--release")
    assert release.exit_code == 1
    assert re.search(r"^\d+ error\(s\), 0 warning\(s\)$", release.stderr, re.MULTILINE)


def test_the_design39_image_says_it_is_a_placeholder(project):
    mark = placeholders.image_mark(project / DESIGN39)
    assert mark and "replace it with the partner's photo" in mark
    with Image.open(project / DESIGN39) as image:  # read by another PNG reader, too
        assert image.text.get("Placeholder") == mark
    assert placeholders.image_mark(project / "content/assets/images/social-card.png") is None
