"""The monthly email: the seed issue's HTML and text parts, parsed and held to every rule.

The seed email is built once from a copy of the project; tests that change content build
their own. One normalised golden file keeps the whole document under review; refresh it
after an intended change with:

    CATALYST_UPDATE_GOLDEN=1 pytest tests/test_email.py -k golden
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup, Comment
from click.testing import CliRunner

from catalyst import checks as check
from catalyst.cli import main
from catalyst.content import loader as content
from catalyst.email import ahead, cache, webcopy
from catalyst.email import build as emails
from catalyst.email.markdown import markdown_to_html, markdown_to_text
from catalyst.email.text import wrap_text
from catalyst.errors import EmailError
from catalyst.settings import load_settings
from conftest import ROOT, copy_project

MONTH = "2023-06"
SITE = "https://catalyst.example.org/"
# A prepared email image (catalyst.images): name, width in pixels, content hash.
PREPARED = re.compile(
    re.escape(SITE) + r"assets/email/(?P<name>[a-z0-9-]+?)-(?P<pixels>\d+)w-[0-9a-f]{16}\.(png|jpg)"
)
GOLDEN = ROOT / "tests" / "golden" / f"email-{MONTH}.html"
PADDING = "\u034f\u200c\u00a0"
MERGE_TAG = re.compile(r"^\*\|[A-Z_:]+\|\*$")
VAGUE_LINK_TEXT = {"here", "click here", "read more", "more", "link", "this"}


@dataclasses.dataclass
class Built:
    settings: object
    library: object
    email: emails.RenderedEmail
    soup: BeautifulSoup


def build_from(project: Path, month: str = MONTH, **kwargs) -> Built:
    settings = load_settings(project / "mkdocs.yml")
    library, problems = content.load(settings)
    assert not [p for p in problems if p.level == "error"], problems
    email = emails.build(settings, library, month, **kwargs)
    return Built(settings, library, email, BeautifulSoup(email.html, "lxml"))


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Built:
    return build_from(copy_project(tmp_path_factory.mktemp("seed") / "project"), cache=False)


def edit_front_matter(path: Path, change) -> None:
    """Load a content file's front matter, let `change` edit it, write it back."""
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    meta = yaml.safe_load(head)
    change(meta)
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{dumped}---\n{body}", encoding="utf-8")


def issue_file(project: Path, month: str = MONTH) -> Path:
    return project / "issues" / f"{month}.md"


def style_of(tag) -> dict[str, str]:
    pairs = (d.split(":", 1) for d in tag.get("style", "").split(";") if ":" in d)
    return {k.strip().lower(): v.strip() for k, v in pairs}


def the_style(soup: BeautifulSoup) -> str:
    styles = soup.find_all("style")
    assert len(styles) == 1, f"{len(styles)} <style> elements"
    return styles[0].string


def comments(soup: BeautifulSoup) -> list[str]:
    return [str(c) for c in soup.find_all(string=lambda s: isinstance(s, Comment))]


def all_urls(html: str) -> list[str]:
    """Every href and src, including those inside Outlook's conditional comments."""
    return [
        m.group(2).replace("&amp;", "&")
        for m in re.finditer(r"""\b(?:href|src)=(["'])(.*?)\1""", html)
    ]


def link_urls(html: str) -> list[str]:
    """Every link's href, including the button's in Outlook's VML."""
    return [
        m.group(2).replace("&amp;", "&") for m in re.finditer(r"""\bhref=(["'])(.*?)\1""", html)
    ]


def block(css: str, opening: str) -> str:
    """The body of the CSS block that starts with `opening` (an at-rule)."""
    start = css.index(opening)
    depth, at = 0, css.index("{", start)
    for end in range(at, len(css)):
        depth += {"{": 1, "}": -1}.get(css[end], 0)
        if depth == 0:
            return css[at + 1 : end]
    raise AssertionError(f"{opening} never closes")


def declarations(css: str) -> list[str]:
    body = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return [d.strip() for d in re.findall(r"[{;]\s*([a-z-]+\s*:[^;{}]+)", body)]


# ---------------------------------------------------------------------------- layout and head


def test_every_table_is_presentational_with_no_spacing(seed):
    tables = seed.soup.find_all("table")
    assert tables
    for table in tables:
        assert table.get("role") == "presentation"
        assert (table.get("cellpadding"), table.get("cellspacing"), table.get("border")) == (
            "0",
            "0",
            "0",
        )


def test_the_column_is_600px_centred_fluid_and_held_by_an_outlook_ghost_table(seed):
    column = seed.soup.select_one("table.container")
    assert column.get("align") == "center"
    assert column.get("width") == "100%"
    style = style_of(column)
    assert style["max-width"] == "600px"
    assert style["margin"] == "0 auto"
    ghost = [c for c in comments(seed.soup) if c.startswith("[if mso]><table")]
    assert len(ghost) == 1
    assert 'role="presentation"' in ghost[0] and 'width="600"' in ghost[0]
    assert 'align="center"' in ghost[0]
    html = seed.email.html
    assert html.index("<!--[if mso]><table") < html.index('class="container"')
    closing = "<!--[if mso]></td></tr></table><![endif]-->"
    assert html.count(closing) == 1
    # The ghost table closes right after the column's own table.
    assert html[: html.index(closing)].rstrip().endswith("</table>")


def test_the_head_has_every_meta_an_inbox_needs_and_no_link(seed):
    soup = seed.soup
    assert seed.email.html.startswith("<!DOCTYPE html>")
    assert soup.html["lang"] == "en"
    wrapper = soup.body.find("div", recursive=False)
    assert wrapper["lang"] == "en"
    head = soup.head
    assert head.find("meta", charset=True)["charset"].lower() == "utf-8"
    named = {m["name"]: m.get("content") for m in head.find_all("meta", attrs={"name": True})}
    assert "width=device-width" in named["viewport"]
    assert "x-apple-disable-message-reformatting" in named
    assert "telephone=no" in named["format-detection"]
    assert named["color-scheme"] == "light dark"
    assert named["supported-color-schemes"] == "light dark"
    assert soup.find("link") is None
    assert soup.title.string == seed.email.subject


def test_one_style_keeps_media_queries_and_dark_mode_with_important(seed):
    css = the_style(seed.soup)
    assert len(css.encode("utf-8")) <= 16 * 1024
    small = block(css, "@media screen and (max-width: 599px)")
    dark = block(css, "@media (prefers-color-scheme: dark)")
    for rules in (small, dark):
        assert declarations(rules)
        for declaration in declarations(rules):
            assert declaration.endswith("!important"), declaration
    outlook = [line for line in css.splitlines() if line.startswith(("[data-ogsc]", "[data-ogsb]"))]
    assert any(line.startswith("[data-ogsc]") for line in outlook)
    assert any(line.startswith("[data-ogsb]") for line in outlook)
    for line in outlook:
        for declaration in declarations(line):
            assert declaration.endswith("!important"), declaration
    # premailer's own processing marker is gone: the block reached the output as written.
    assert "data-premailer" not in seed.email.html


def test_the_css_is_inlined_into_style_attributes(seed):
    h1 = seed.soup.find("h1")
    assert style_of(h1)["font-size"] == "30px"
    assert style_of(seed.soup.body)["margin"] == "0"
    for p in seed.soup.select("td p"):
        assert "margin" in style_of(p), p


def test_every_text_cell_sets_its_own_font_size_line_height_and_colour(seed):
    cells = [
        td
        for td in seed.soup.find_all("td")
        if td.find("table") is None and td.get_text(strip=True)
    ]
    assert len(cells) >= 6
    for td in cells:
        style = style_of(td)
        for property_ in ("font-family", "font-size", "line-height", "color"):
            assert property_ in style, f"{property_} missing on {str(td)[:120]}"
    for tag in seed.soup.select("td p, td h1, td h2, td h3"):
        style = style_of(tag)
        for property_ in ("font-family", "font-size", "line-height", "color"):
            assert property_ in style, f"{property_} missing on {str(tag)[:120]}"


def test_the_button_is_a_styled_link_with_a_vml_roundrect_for_outlook(seed):
    button = seed.soup.select_one("a.button")
    assert button.get_text(strip=True) == "Connect with our team"
    style = style_of(button)
    assert style["display"] == "inline-block"
    assert style["background-color"] == "#1b365d"
    assert "padding" in style
    vml = [c for c in comments(seed.soup) if "v:roundrect" in c]
    assert len(vml) == 1
    assert f'href="{button["href"]}"' in vml[0]
    assert 'fillcolor="#1b365d"' in vml[0]
    assert "Connect with our team" in vml[0]


def test_images_are_png_or_jpg_sized_fluid_and_described(seed):
    images = seed.soup.find_all("img")
    assert images
    for img in images:
        assert urlsplit(img["src"]).path.lower().endswith((".png", ".jpg", ".jpeg"))
        assert int(img["width"]) <= 552
        style = style_of(img)
        assert style["max-width"] == "100%"
        assert style["height"] == "auto"
        assert img.has_attr("alt")
    story = seed.soup.find("img", src=re.compile("design39-design-studio"))
    assert (story["width"], story["height"]) == ("552", "311")
    # Every local image is prepared (catalyst.images) and carries its shown size.
    for img in images:
        assert PREPARED.fullmatch(img["src"]), img["src"]
        assert int(img["height"]) > 0
    assert story["alt"].startswith("Design39 Learning Experience Designers sitting together")


def test_headings_go_h1_then_one_h2_per_section(seed):
    headings = seed.soup.find_all(re.compile(r"^h[1-6]$"))
    levels = [int(h.name[1]) for h in headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, levels
    issue = seed.library.issues[MONTH]
    assert len(seed.soup.find_all("h2")) == len(issue.sections)


def test_every_link_has_meaningful_text(seed):
    for a in seed.soup.find_all("a"):
        text = a.get_text(" ", strip=True)
        assert text, a
        assert text.lower() not in VAGUE_LINK_TEXT, a


# ---------------------------------------------------------------------------- content


def test_the_preheader_is_hidden_preview_text_padded_with_invisible_characters(seed):
    preheader = seed.soup.select_one("div.preheader")
    wrapper = seed.soup.body.find("div", recursive=False)
    assert wrapper.find(True) is preheader, "the preheader must come first in the body"
    style = style_of(preheader)
    assert style["display"] == "none"
    assert style["mso-hide"] == "all"
    assert style["max-height"] == "0"
    text = preheader.get_text()
    preview = seed.library.issues[MONTH].preview_text
    assert text.startswith(preview)
    padding = text[len(preview) :]
    assert padding == PADDING * (len(padding) // len(PADDING))
    assert len(padding) // len(PADDING) >= 80


def test_view_in_browser_links_to_the_issue_page(seed):
    link = seed.soup.find("a", string="View this email in your browser")
    assert link["href"] == (
        f"{SITE}issues/{MONTH}/?utm_source=catalyst&utm_medium=email&utm_campaign={MONTH}"
    )


def test_the_letter_and_its_sign_off(seed):
    cell = seed.soup.find("h1").parent
    text = cell.get_text(" ", strip=True)
    assert seed.soup.find("h1").get_text() == "Trust and connectedness"
    assert "social connectedness is a fundamental human need" in text
    assert "Learner-centered leadership begins and ends with relational trust" in text
    signoff = cell.select_one("p.signoff")
    assert [s.strip() for s in signoff.strings] == [
        "Yours in learner-centered collaboration,",
        "Devin",
    ]


def test_the_announcement_has_its_button(seed):
    heading = seed.soup.find("h2", string="Now booking 2023-24 partnerships!")
    assert "design a plan tailored to your goals" in heading.parent.get_text()
    assert seed.soup.select_one("a.button")["href"] == "https://example.org/partnerships"


def test_the_spotlight_has_image_caption_and_link(seed):
    cell = seed.soup.find("h2", string="Partner spotlight: Design39").parent
    assert PREPARED.fullmatch(cell.find("img")["src"]).group("name") == "design39-design-studio"
    caption = cell.select_one("p.caption").get_text()
    assert caption == "Design39 Learning Experience Designers collaborating in their Design Studio"
    link = cell.find("a", string="in this piece")
    assert (
        link["href"] == "https://example.org/design39-collaboration-trust-and-human-centered-design"
    )


def test_resources_each_have_kind_title_summary_and_link(seed):
    cell = seed.soup.find("h2", string="Resources").parent
    assert style_of(cell.find("h2"))["text-transform"] == "uppercase"
    items = cell.select("div.item")
    assert [i.select_one("p.kind").get_text() for i in items] == ["BLOG POST", "VIDEO"]
    titles = [i.select_one("h3 a") for i in items]
    assert [t.get_text() for t in titles] == [
        "How might learner-centered systems promote relationships and teamwork?",
        "Leading the way to trust and connectedness",
    ]
    post = urlsplit(titles[0]["href"])
    assert f"{post.scheme}://{post.netloc}/{post.path.lstrip('/')}" == (
        f"{SITE}blog/2023/06/how-might-learner-centered-systems-promote-relationships-and-teamwork/"
    )
    assert (
        titles[1]["href"] == "https://example.org/videos/leading-the-way-to-trust-and-connectedness"
    )
    assert "Relationships—with learners" in items[0].get_text()
    assert "8 “superpowers” of learner-centered leadership" in items[1].get_text()


def test_the_catalyzer_has_its_intro_and_the_months_profile(seed):
    cell = seed.soup.find("h2", string="Learner-Centered Catalyzer").parent
    text = cell.get_text(" ", strip=True)
    assert "Each month in Catalyst we’ll celebrate a learner-centered catalyzer" in text
    assert cell.find("a", string="Tell us about them here")["href"] == (
        "https://example.org/nominate-a-catalyzer"
    )
    assert cell.find("h3").get_text() == "June’s Learner-Centered Catalyzer"
    for fact in (
        "Contessa Orr",
        "Superintendent, Muhlenberg County Public Schools",
        "Muhlenberg County, KY",
        "LC Innovators",
    ):
        assert fact in text
    assert cell.find("a", string="Logan County Impact Story")["href"] == (
        "https://example.org/stories/logan-county-impact-story"
    )
    profile = cell.find("a", string=re.compile("Read Contessa Orr’s profile"))
    assert profile["href"].startswith(f"{SITE}catalyzers/contessa-orr/?utm_source=catalyst")


def test_the_footer_has_the_merge_tags_and_a_site_link(seed):
    footer = seed.soup.select_one("td.footer")
    hrefs = {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}
    assert hrefs["Unsubscribe"] == "*|UNSUB|*"
    assert hrefs["Update your preferences"] == "*|UPDATE_PROFILE|*"
    assert "*|LIST:ADDRESSLINE|*" in footer.get_text()
    assert hrefs["Visit the Catalyst website"].startswith(f"{SITE}?utm_source=catalyst")


# ---------------------------------------------------------------------------- URLs


def test_every_href_and_src_is_absolute_https_or_a_merge_tag(seed):
    urls = all_urls(seed.email.html)
    assert len(urls) >= 12
    for url in urls:
        assert url.startswith("https://") or MERGE_TAG.match(url), url
    assert "http://" not in " ".join(urls)


def test_utm_parameters_go_on_site_links_only(seed):
    site_links = 0
    for url in link_urls(seed.email.html):
        query = parse_qs(urlsplit(url).query)
        if url.startswith(SITE):
            site_links += 1
            assert query["utm_source"] == ["catalyst"], url
            assert query["utm_medium"] == ["email"], url
            assert query["utm_campaign"] == [MONTH], url
        else:
            assert not any(key.startswith("utm_") for key in query), url
    assert site_links >= 4


def test_relative_links_and_images_resolve_to_pages_on_the_site(project):
    letter = (
        "Write to [our team](mailto:team@example.org), read [the blog post]"
        "(../blog/posts/how-might-learner-centered-systems-promote-relationships-and-teamwork.md)"
        ", meet [Contessa](../catalyzers/contessa-orr.md#links), see [all issues](index.md), "
        "[this issue's resources](#resources) and [*|ARCHIVE|*](*|ARCHIVE|*).\n\n"
        "![Design39's studio](../assets/images/design39-design-studio.png)\n\n"
        "![](/assets/images/authors/devin-vodicka.png)\n"
    )
    path = issue_file(project)
    head, _ = path.read_text(encoding="utf-8").rsplit("\n---\n", 1)
    path.write_text(f"{head}\n---\n\n{letter}", encoding="utf-8")
    built = build_from(project)
    hrefs = {a.get_text(): a["href"] for a in built.soup.find("h1").parent.find_all("a")}
    utm = f"utm_source=catalyst&utm_medium=email&utm_campaign={MONTH}"
    assert hrefs["our team"] == "mailto:team@example.org"
    assert hrefs["the blog post"] == (
        f"{SITE}blog/2023/06/how-might-learner-centered-systems-promote-relationships-and-"
        f"teamwork/?{utm}"
    )
    assert hrefs["Contessa"] == f"{SITE}catalyzers/contessa-orr/?{utm}#links"
    assert hrefs["all issues"] == f"{SITE}issues/?{utm}"
    assert hrefs["this issue's resources"] == f"{SITE}issues/{MONTH}/?{utm}#resources"
    assert hrefs["*|ARCHIVE|*"] == "*|ARCHIVE|*"
    studio, avatar = built.soup.find("h1").parent.find_all("img")
    assert PREPARED.fullmatch(studio["src"]).group("name") == "design39-design-studio"
    assert (studio["width"], studio["alt"]) == ("552", "Design39's studio")
    # A decorative image keeps an empty alt; a small one keeps its own width.
    assert PREPARED.fullmatch(avatar["src"]).group("name") == "devin-vodicka"
    assert (avatar["width"], avatar["alt"]) == ("160", "")


def test_a_plain_http_link_fails_naming_its_file(project):
    path = project / "content" / "catalyzers" / "contessa-orr.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("https://x.com/", "http://x.com/"),
        encoding="utf-8",
    )
    with pytest.raises(EmailError) as error:
        build_from(project, cache=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "http://x.com/ContessaOrr4" in text)
    assert line > 1
    assert str(error.value).startswith(f"content/catalyzers/contessa-orr.md:{line}: ")
    assert "http://x.com/ContessaOrr4" in str(error.value)
    assert "https://" in str(error.value)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("../assets/images/anim.gif", "image '../assets/images/anim.gif' must be PNG or JPG"),
        ("../assets/images/missing.png", "image '../assets/images/missing.png' not found"),
    ],
)
def test_an_image_in_the_letter_must_be_a_png_or_jpg_that_exists(project, image, message):
    (project / "content/assets/images/anim.gif").write_bytes(b"GIF89a")
    path = issue_file(project)
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n![An animation]({image})\n", encoding="utf-8"
    )
    with pytest.raises(EmailError) as error:
        build_from(project, cache=False)
    line = len(path.read_text(encoding="utf-8").splitlines())  # the image's line, the last
    assert str(error.value).startswith(f"issues/{MONTH}.md:{line}: {message}")


def test_the_preview_server_copy_links_to_the_preview_but_a_public_http_site_fails(project):
    settings = load_settings(project / "mkdocs.yml")
    library, _ = content.load(settings)
    # `mkdocs serve` replaces site_url with its own address.
    preview = dataclasses.replace(settings, site_url="http://127.0.0.1:8000/")
    email = emails.build(preview, library, MONTH, cache=False)
    soup = BeautifulSoup(email.html, "lxml")
    assert soup.find("a", string="View this email in your browser")["href"].startswith(
        "http://127.0.0.1:8000/issues/2023-06/?utm_source=catalyst"
    )
    studio = soup.find("img", src=re.compile("design39"))["src"]
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/assets/email/design39-design-studio-600w-\w+\.png",
                        studio)
    public = dataclasses.replace(settings, site_url="http://catalyst.example.org/")
    with pytest.raises(EmailError) as error:
        emails.build(public, library, MONTH, cache=False)
    assert "'http://catalyst.example.org/" in str(error.value)
    assert "is not an absolute https:// address" in str(error.value)


# ---------------------------------------------------------------------------- text part


def test_the_text_part_has_every_section_in_order_and_every_link(seed):
    text = seed.email.text
    order = [
        "View this email in your browser:",
        "Trust and connectedness",
        "Yours in learner-centered collaboration,",
        "NOW BOOKING 2023-24 PARTNERSHIPS!",
        "Connect with our team: https://example.org/partnerships",
        "PARTNER SPOTLIGHT: DESIGN39",
        "RESOURCES",
        "BLOG POST: How might learner-centered systems",
        "VIDEO: Leading the way to trust and connectedness",
        "LEARNER-CENTERED CATALYZER",
        "JUNE’S LEARNER-CENTERED CATALYZER: Contessa Orr",
        "Update your preferences: *|UPDATE_PROFILE|*",
        "Unsubscribe: *|UNSUB|*",
        "*|LIST:ADDRESSLINE|*",
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    written = set(re.findall(r"https://[^\s)]+", text))
    for url in all_urls(seed.email.html):
        if url.startswith("https://") and seed.soup.find("a", href=url):
            assert url in written, url
    assert "<" not in text.replace("<br>", "") and "&amp;" not in text


def test_the_text_part_is_wrapped_at_78_columns_without_breaking_a_url(seed):
    for line in seed.email.text.splitlines():
        if len(line) > 78:
            assert re.fullmatch(r"\(?https://\S+", line.strip()), line


def test_wrapping_continues_list_items_and_quotes_under_themselves():
    long = "word " * 30
    wrapped = wrap_text(f"- {long}\n> {long}\n1. {long}", 40).splitlines()
    assert all(len(line) <= 40 for line in wrapped)
    assert wrapped[0].startswith("- ") and wrapped[1].startswith("  word")
    quoted = [line for line in wrapped if line.startswith(">")]
    assert len(quoted) >= 3
    assert any(line.startswith("1. ") for line in wrapped)


def test_markdown_becomes_html_and_text_with_links_written_out():
    source = "A *soft*\nbreak, [a link](https://example.org/a) &amp; AT&T.\n\n- one\n- two\n"
    assert markdown_to_html(source).startswith("<p>A <em>soft</em>")
    text = markdown_to_text(source)
    assert text == "A soft break, a link (https://example.org/a) & AT&T.\n\n- one\n- two"


# ---------------------------------------------------------------------------- size and golden


def test_the_email_is_well_under_gmails_clipping_limit(seed):
    size = len(seed.email.html.encode("utf-8"))
    assert size < 60 * 1024, size
    assert size < seed.settings.email_warn_kb * 1024


def normalise(html: str) -> str:
    """The golden file's form: the preheader's padding shortened, trailing spaces gone."""
    html = re.sub(f"(?:{PADDING})+", lambda m: f"[padding ×{len(m.group()) // 3}]", html)
    return "\n".join(line.rstrip() for line in html.splitlines() if line.strip()) + "\n"


def test_the_seed_email_matches_the_golden_file(seed):
    produced = normalise(seed.email.html)
    if os.environ.get("CATALYST_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(produced, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(True), produced.splitlines(True), "golden", "produced", n=1
        )
    )
    assert not diff, (
        "the email changed; if intended: CATALYST_UPDATE_GOLDEN=1 pytest tests/test_email.py "
        f"-k golden\n{diff[:4000]}"
    )


# ---------------------------------------------------------------------------- bad input


def test_a_template_asking_for_a_missing_field_fails_loudly_with_its_line(project):
    partial = project / "templates" / "email" / "sections.html.j2"
    text = partial.read_text(encoding="utf-8")
    text = text.replace("{{ section.title }}</h2>", "{{ section.subtitle }}</h2>", 1)
    partial.write_text(text, encoding="utf-8")
    line = (
        text.splitlines().index(next(x for x in text.splitlines() if "section.subtitle" in x)) + 1
    )
    with pytest.raises(EmailError) as error:
        build_from(project, cache=False)
    message = str(error.value)
    assert message.startswith(f"templates/email/sections.html.j2:{line}: ")
    assert "subtitle" in message


def test_html_in_a_title_is_escaped(project):
    edit_front_matter(
        issue_file(project), lambda meta: meta.update(title="<script>alert(1)</script> & more")
    )
    built = build_from(project, cache=False)
    assert built.soup.find("script") is None
    assert built.soup.find("h1").get_text() == "<script>alert(1)</script> & more"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in built.email.html
    assert "<script>alert(1)</script> & more" in built.email.text


def test_an_issue_with_no_sections_still_renders_a_valid_email(project):
    edit_front_matter(issue_file(project), lambda meta: meta.update(sections=[]))
    built = build_from(project, cache=False)
    soup = built.soup
    assert soup.find("h1").get_text() == "Trust and connectedness"
    assert soup.find("h2") is None
    assert soup.select_one("table.container")
    assert "*|UNSUB|*" in built.email.html and "*|UNSUB|*" in built.email.text
    the_style(soup)
    for url in all_urls(built.email.html):
        assert url.startswith("https://") or MERGE_TAG.match(url)


def test_highlights_and_an_event_render_by_their_kind(project):
    (project / "content" / "resources" / "summer-institute.md").write_text(
        "---\ntitle: Summer institute\nkind: event\nurl: https://example.org/institute\n"
        "starts: 2023-07-10T09:00:00-04:00\nlocation: San Diego, CA\n"
        "summary: Three days of design work.\nquote: Come build with us.\n---\n",
        encoding="utf-8",
    )

    def change(meta):
        meta["sections"][2]["items"].append("summer-institute")
        meta["sections"].append(
            {
                "kind": "highlights",
                "heading": "From our partners",
                "items": [
                    {"title": "Design39", "quote": "We plan together.", "attribution": "A. LED"}
                ],
            }
        )

    edit_front_matter(issue_file(project), change)
    built = build_from(project, cache=False)
    event = built.soup.find("a", string="Summer institute").find_parent("div")
    assert event.select_one("p.kind").get_text() == "EVENT"
    assert event.select_one("p.meta").get_text() == "Mon, Jul 10, 9:00 AM UTC−4 · San Diego, CA"
    assert event.find("blockquote").get_text(strip=True) == "Come build with us."
    highlights = built.soup.find("h2", string="From our partners").parent
    assert highlights.find("h3").get_text() == "Design39"
    assert "— A. LED" in highlights.get_text()
    assert "FROM OUR PARTNERS" in built.email.text and "> We plan together." in built.email.text


# ---------------------------------------------------------------------------- writing, site copy


def test_write_puts_the_html_and_text_beside_each_other(seed, tmp_path):
    html_path, text_path = emails.write(seed.email, tmp_path / "out")
    assert (html_path.name, text_path.name) == (f"{MONTH}.html", f"{MONTH}.txt")
    assert html_path.read_text(encoding="utf-8") == seed.email.html
    assert text_path.read_text(encoding="utf-8") == seed.email.text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{MONTH}.html",
        f"{MONTH}.txt",
    ]


def test_the_site_copy_has_working_links_instead_of_merge_tags(seed):
    copy = webcopy.site_copy(seed.email, seed.settings)
    assert "*|" not in copy
    soup = BeautifulSoup(copy, "lxml")
    footer = soup.select_one("td.footer")
    links = {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}
    assert links["Unsubscribe"] == (
        "https://example.us21.list-manage.com/unsubscribe?u=0000000000000000000000000&id=0000000000"
    )
    assert links["Update your preferences"].startswith("mailto:catalyst@example.org?subject=")
    assert seed.settings.address in footer.get_text()
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_the_command_writes_both_files_and_prints_their_sizes(project, tmp_path):
    out = tmp_path / "emails"
    result = CliRunner().invoke(
        main, ["-f", str(project / "mkdocs.yml"), "email", MONTH, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    for line, name in zip(lines, (f"{MONTH}.html", f"{MONTH}.txt"), strict=True):
        size = (out / name).stat().st_size
        assert line.endswith(f"{name}  {size / 1024:.1f} KB ({size} bytes)"), line


def test_the_command_takes_latest_and_names_a_missing_issue(project, tmp_path):
    config = str(project / "mkdocs.yml")
    result = CliRunner().invoke(main, ["-f", config, "email", "latest", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{MONTH}.html").is_file()
    result = CliRunner().invoke(main, ["-f", config, "email", "2031-01", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "issues/2031-01.md:1: no issue 2031-01 (issues: 2023-06)" in result.output


def test_the_site_copy_leads_into_the_site_it_is_part_of_relatively(seed):
    # Relative to issues/2023-06/email.html, so the images load from the built site wherever
    # it is served (site/ before deployment, a preview server, site_url); the sent email
    # keeps its absolute addresses.
    sent = all_urls(seed.email.html)
    copy = all_urls(webcopy.site_copy(seed.email, seed.settings))
    assert len(copy) == len(sent)
    here = SITE + f"issues/{MONTH}/email.html"
    pairs = [(s, c) for s, c in zip(sent, copy, strict=True) if s.startswith(SITE)]
    # the issue, the masthead, its image, the post, the catalyzer, the home page
    assert len(pairs) == 6
    for original, relative in pairs:
        assert not urlsplit(relative).scheme and not relative.startswith("/"), relative
        assert urljoin(here, relative) == original
    assert any(re.fullmatch(r"\.\./\.\./assets/email/design39-design-studio-600w-\w+\.png", url)
               for url in copy)
    assert f"./?utm_source=catalyst&utm_medium=email&utm_campaign={MONTH}" in copy
    outside = [(s, c) for s, c in zip(sent, copy, strict=True) if s.startswith("https://")
               and not s.startswith(SITE)]
    assert outside and all(s == c for s, c in outside)
    assert all(url.startswith(SITE) for url in all_urls(seed.email.html) if "assets/" in url)


def test_the_built_site_has_the_site_copy_of_each_issue(built_site):
    copy = built_site / "issues" / MONTH / "email.html"
    html = copy.read_text(encoding="utf-8")
    assert "*|" not in html
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("h1").get_text() == "Trust and connectedness"
    assert soup.select_one("td.footer a[href^='https://example.us21.list-manage.com/unsubscribe']")
    images = [img["src"] for img in soup.find_all("img")]
    assert images and all((copy.parent / src).resolve().is_file() for src in images), images


def test_the_issue_page_links_to_its_email(built_site):
    soup = BeautifulSoup(
        (built_site / "issues" / MONTH / "index.html").read_text(encoding="utf-8"), "lxml"
    )
    link = soup.select_one("article a[href='email.html']")
    assert link is not None and "email" in link.get_text().lower()


# ---------------------------------------------------------------------------- cache and budget


def cached_entry(settings) -> Path:
    return cache.cache_dir(settings) / f"{MONTH}.json"


def mark_cache(settings) -> None:
    """Put a marker into the cached email, so a reuse is visible in the result."""
    path = cached_entry(settings)
    path.write_text(path.read_text(encoding="utf-8").replace("</html>", "</html><!--cached-->"))


def test_an_unchanged_issue_is_reused_from_the_cache(project):
    first = build_from(project)
    assert cached_entry(first.settings).is_file()
    mark_cache(first.settings)
    again = build_from(project)
    assert again.email.html == first.email.html.replace("</html>", "</html><!--cached-->")
    assert not [p for p in cache.cache_dir(first.settings).iterdir() if p.suffix != ".json"]


def test_an_email_from_the_cache_equals_the_one_rendered(project):
    first = build_from(project)
    again = build_from(project)  # from the cache
    assert first.email.images and again.email == first.email
    assert hash(again.email) == hash(first.email)  # tuples, as rendered: a memo can key on it


@pytest.mark.parametrize(
    "change",
    [
        "issue",
        "resource",
        "post",
        "catalyzer",
        "template",
        "css",
        "image",
        "settings",
    ],
)
def test_a_change_to_any_input_rebuilds_the_email(project, change):
    first = build_from(project)
    mark_cache(first.settings)
    if change == "issue":
        edit_front_matter(issue_file(project), lambda m: m.update(signature="Devin V."))
    elif change == "resource":
        path = project / "content/resources/leading-the-way-to-trust-and-connectedness.md"
        edit_front_matter(path, lambda m: m.update(title="Leading the way"))
    elif change == "post":
        path = project / "content/blog/posts"
        post = next(path.glob("*.md"))
        edit_front_matter(post, lambda m: m.update(slug="relationships-and-teamwork"))
        resource = project / "content/resources"
        resource = (
            resource / "how-might-learner-centered-systems-promote-relationships-and-teamwork.md"
        )
        edit_front_matter(resource, lambda m: m.update(post="relationships-and-teamwork"))
    elif change == "catalyzer":
        path = project / "content/catalyzers/contessa-orr.md"
        edit_front_matter(path, lambda m: m.update(role="Chief Learning Officer"))
    elif change == "template":
        path = project / "templates/email/issue.html.j2"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("in your browser", "online"), encoding="utf-8")
    elif change == "css":
        path = project / "templates/email/email.css"
        path.write_text(path.read_text(encoding="utf-8") + "\n.unused { color: red; }\n")
    elif change == "image":
        path = project / "content/assets/images/design39-design-studio.png"
        path.write_bytes((project / "content/assets/images/authors/devin-vodicka.png").read_bytes())
    elif change == "settings":
        config = project / "mkdocs.yml"
        config.write_text(config.read_text().replace("utm_source: catalyst", "utm_source: news"))
    again = build_from(project)
    assert "<!--cached-->" not in again.email.html
    # An unused CSS rule is rebuilt too, though premailer drops it from the output.
    assert again.email.html != first.email.html or change == "css"


def two_issues(project: Path):
    seed = issue_file(project).read_text(encoding="utf-8")
    # July has no catalyzer of its own: it features June's again.
    july = seed.replace("month: 2023-06", "month: 2023-07").replace(
        "  - kind: catalyzer\n", "  - kind: catalyzer\n    catalyzer: contessa-orr\n"
    )
    issue_file(project, "2023-07").write_text(july, encoding="utf-8")
    settings = load_settings(project / "mkdocs.yml")
    library, problems = content.load(settings)
    assert not problems, problems
    return settings, library, ["2023-06", "2023-07"]


def test_build_all_renders_cache_misses_and_keeps_them(project):
    settings, library, months = two_issues(project)
    together = emails.build_all(settings, library, months)
    assert list(together) == months
    for month in months:
        alone = emails.build(settings, library, month, cache=False)
        assert together[month] == alone
        assert (cache.cache_dir(settings) / f"{month}.json").is_file()
    mark_cache(settings)
    again = emails.build_all(settings, library, months)
    assert "<!--cached-->" in again[MONTH].html


def test_emails_rendered_ahead_are_in_the_cache_when_the_build_asks(project, monkeypatch):
    # As in a cold site build: a process of their own renders what the cache lacks (on any
    # machine here, and beside a thread, as under `mkdocs serve`).
    settings, library, months = two_issues(project)
    monkeypatch.setattr(ahead, "cores", lambda: 2)
    monkeypatch.setattr(ahead, "AHEAD_MIN", 1)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        started = ahead.render_ahead(settings, library, months)
        assert started is not None
        started.wait()
    finally:
        stop.set()
        thread.join()
    shared = cache.shared_inputs(settings, library)
    for month in months:
        key = cache.cache_key(settings, library, month, shared)
        assert cache.holds_key(settings, month, key)
        assert cache.cached(settings, month, key) == emails.build(
            settings, library, month, cache=False
        )
    mark_cache(settings)
    assert "<!--cached-->" in emails.build_all(settings, library, months)[MONTH].html
    assert ahead.render_ahead(settings, library, months) is None  # nothing left to render


def test_emails_are_rendered_ahead_only_where_it_can_pay(project, monkeypatch):
    settings, library, months = two_issues(project)
    monkeypatch.setattr(ahead, "cores", lambda: 2)
    assert ahead.AHEAD_MIN > len(months)
    assert ahead.render_ahead(settings, library, months) is None  # too few to pay
    monkeypatch.setattr(ahead, "AHEAD_MIN", 1)
    monkeypatch.setattr(ahead, "cores", lambda: 1)
    assert ahead.render_ahead(settings, library, months) is None  # no other core
    assert not cache.cache_dir(settings).exists()


def test_budget_problems_fail_above_the_maximum_and_warn_above_the_warning(project):
    config = project / "mkdocs.yml"
    original = config.read_text(encoding="utf-8")
    for maximum, warning, level in ((10, 5, "error"), (90, 10, "warning"), (90, 75, None)):
        config.write_text(
            original.replace("email_max_kb: 90", f"email_max_kb: {maximum}").replace(
                "email_warn_kb: 75", f"email_warn_kb: {warning}"
            ),
            encoding="utf-8",
        )
        settings = load_settings(config)
        library, _ = content.load(settings)
        problems = emails.budget_problems(settings, library)
        if level is None:
            assert problems == []
            continue
        (problem,) = problems
        assert (problem.path, problem.line, problem.level) == (f"issues/{MONTH}.md", 1, level)
        assert re.match(r"email is \d+\.\d KB; Gmail clips messages over 102 KB", problem.message)
        assert f"keep it under {maximum} KB" in problem.message


def test_catalyst_check_reports_an_email_over_budget(project):
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("email_max_kb: 90", "email_max_kb: 5"),
        encoding="utf-8",
    )
    problems = check.run(load_settings(config))
    assert any(
        p.path == f"issues/{MONTH}.md" and p.level == "error" and p.message.startswith("email is")
        for p in problems
    )


def test_building_prints_nothing_not_even_cssutils_warnings(project, capfd):
    build_from(project, cache=False)
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")
