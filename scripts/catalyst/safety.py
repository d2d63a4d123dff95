"""The content HTML policy: what HTML, attributes and URLs editors' content may carry.

Content comes from pull requests, forks included, so nothing an editor writes may put
script on the site, in the email or in the email's web copy. This module is the one home
of that policy, used at every point where content becomes output:

- `clean` is the sanitiser (nh3, the Python binding of the Ammonia library): an allowlist
  of elements and attributes, URL schemes checked after entity decoding. The site runs
  it over every page's HTML (`plugin.on_page_content`) and every blog excerpt; the email
  runs it over every Markdown fragment (`render.markdown_to_html`).
- `markdown_text` and `markdown_url` put front-matter values into generated Markdown:
  plain text is shown as typed (HTML-escaped, with every character Markdown or
  `attr_list` would read written as an entity); URLs are percent-encoded so `)` or `](`
  cannot end the link they are in.
- `escape_meta` escapes the front matter MkDocs and Material print raw in the theme.
- `document_problems` is the email's last guard over the finished HTML.
- `content_problems` is `catalyst check`'s view of the same policy, with each file and
  line; `template_problems`, the part the build refuses too.

What is allowed is what editors need (see content/editors-guide.md, "HTML and links"),
plus what Markdown's extensions draw (icons as inline SVG, table alignment); what the
theme draws around the content is not content and is not touched.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

import markupsafe
import nh3

from catalyst import urls

# ---------------------------------------------------------------------------- the policy

SCHEMES = ("https", "http", "mailto", "tel")
"""URL schemes content may link to; relative links (no scheme) are allowed too."""

EMAIL_SCHEMES = ("https", "mailto", "tel")
"""What the finished email may carry (besides Mailchimp merge tags and a preview's origin)."""

TAGS = frozenset(
    {
        # text and structure
        "p", "br", "hr", "div", "span", "blockquote", "pre", "code", "kbd", "samp", "var",
        "em", "strong", "b", "i", "s", "del", "ins", "mark", "small", "sub", "sup", "abbr",
        "cite", "q", "dfn", "time",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "dl", "dt", "dd",
        "a", "img", "figure", "figcaption",
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
        "details", "summary",
        "article", "section", "nav", "aside", "header", "footer",
        # the icons `:material-...:` draws: shapes only (no <use>, <image>, <foreignObject>)
        "svg", "g", "path", "circle", "ellipse", "line", "polygon", "polyline", "rect",
    }
)  # fmt: skip

_SVG_PAINT = {"fill", "fill-rule", "clip-rule", "stroke", "stroke-width", "transform"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {
        "class", "id", "title", "lang", "dir",
        "aria-hidden", "aria-label", "aria-labelledby", "aria-describedby",
    },
    "a": {"href", "rel", "data-kind"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "col": {"span"},
    "colgroup": {"span"},
    "details": {"open"},
    "time": {"datetime"},
    # The Resources page's kind filter (assets/javascripts/catalyst.js reads these).
    "span": {"data-kind", "data-rank"},
    "section": {"data-kind"},
    "svg": {"xmlns", "viewBox", "width", "height", "focusable"} | _SVG_PAINT,
    "g": set(_SVG_PAINT),
    "path": {"d"} | _SVG_PAINT,
    "circle": {"cx", "cy", "r"} | _SVG_PAINT,
    "ellipse": {"cx", "cy", "rx", "ry"} | _SVG_PAINT,
    "line": {"x1", "y1", "x2", "y2"} | _SVG_PAINT,
    "polygon": {"points"} | _SVG_PAINT,
    "polyline": {"points"} | _SVG_PAINT,
    "rect": {"x", "y", "width", "height", "rx", "ry"} | _SVG_PAINT,
}  # fmt: skip

# Removed with everything inside them (the others lose their tag and keep their text).
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
        "embed", "applet", "noembed", "noframes", "xmp", "textarea", "select", "title", "math",
    }
)  # fmt: skip

# Attributes whose value is a URL, in any element a browser or mail client knows.
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "background", "poster", "srcset", "cite",
        "longdesc", "lowsrc", "dynsrc", "data", "codebase", "xlink:href", "ping", "manifest",
        "icon",
    }
)  # fmt: skip

# Ids the theme's script looks up (Material reads its settings, the search worker's address
# among them, from the first element with id `__config`): content may not take them.
_THEME_IDS = ("__",)

# The one style content may set: a table column's alignment (the `tables` extension).
_STYLE = re.compile(r"^\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*$", re.I)
# C0 controls, space, DEL and the invisible format characters a browser skips or rejects.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)


# The allowlist as a message shows it (the whole list is in the editors' guide).
ALLOWED_SUMMARY = (
    "p, a, em, strong, lists, blockquote, code, pre, h1-h6, img, table, figure, details, "
    "div, span and other text elements; see the editors' guide"
)


# ---------------------------------------------------------------------------- URLs


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in `url` (lowercase), or None for a relative URL.

    Entities are decoded first (`&#106;avascript:`), then every control character, space
    and invisible character is removed (`java\\tscript:`, ` javascript:`), as browsers
    strip or ignore them before reading the scheme."""
    match = _SCHEME.match(visible(url))
    return match.group(1).lower() if match else None


def visible(url: str) -> str:
    """`url` as a browser reads it: entities decoded, invisible characters removed."""
    return _INVISIBLE.sub("", html.unescape(url or ""))


def safe_url(url: str, schemes: Iterable[str] = SCHEMES) -> bool:
    """True when `url` is relative or uses one of `schemes`."""
    scheme = url_scheme(url)
    return scheme is None or scheme in schemes


def _srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _style_urls(css: str) -> list[str]:
    return [u.strip("'\" ") for u in re.findall(r"url\s*\(([^)]*)\)", html.unescape(css), re.I)]


# ---------------------------------------------------------------------------- the sanitiser


def _filter(element: str, attribute: str, value: str) -> str | None:
    """The checks nh3's options cannot say: the style allowlist, ids the theme owns, and
    URLs judged by `safe_url` (the same function the email's last guard uses)."""
    if attribute == "id" and value.startswith(_THEME_IDS):
        return None
    if attribute == "style":
        return value if _STYLE.match(value) else None
    if attribute in URL_ATTRIBUTES and not safe_url(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    attribute_filter=_filter,
    url_schemes=set(SCHEMES),
    # Our own links keep their rel (prev/next); nh3 would otherwise add noopener to all.
    link_rel=None,
    strip_comments=True,
)

# Kept through sanitising: Material's blog cuts excerpts at this comment.
MORE = "<!-- more -->"
_MORE_TOKEN = "\ue000catalyst-more\ue000"


def clean(fragment: str) -> str:
    """`fragment` with everything outside the policy removed: no script, no event handler,
    no URL with a scheme outside `SCHEMES`, whatever the input."""
    if not fragment:
        return fragment
    keep_more = MORE in fragment
    if keep_more:
        fragment = fragment.replace(MORE, _MORE_TOKEN)
    cleaned = _CLEANER.clean(fragment)
    if keep_more:
        cleaned = cleaned.replace(_MORE_TOKEN, MORE)
    return cleaned


# ---------------------------------------------------------------------------- Markdown


# Characters Markdown, attr_list or the emoji extension would read, written as entities:
# both Markdown and raw HTML blocks show an entity as its character, and read nothing in it.
_MARKDOWN_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()!:|~^"})
_LINE_START = re.compile(r"^(?:[#+\-=]|\d+(?=\.))")


def markdown_text(value) -> markupsafe.Markup:
    """A plain-text value, ready for any place in generated Markdown (or raw HTML in it):
    it shows exactly as typed, on one line, and nothing in it is read as markup."""
    text = " ".join(str(value).split())
    text = str(markupsafe.escape(text)).translate(_MARKDOWN_ENTITIES)
    # At a line's start, `#`, `-`, `+`, `=` and `1.` would start a heading or a list.
    match = _LINE_START.match(text)
    if match and match.group(0).isdigit():
        end = match.end()
        text = text[:end] + "&#46;" + text[end + 1 :]
    elif match:
        text = f"&#{ord(text[0])};" + text[1:]
    return markupsafe.Markup(text)


# Characters a URL inside Markdown's `(...)` or a quoted attribute must not carry as is.
_URL_UNSAFE = re.compile(r"""[\s()<>"'`{}\[\]\\|^]|%(?![0-9A-Fa-f]{2})""")


def markdown_url(url: str, schemes: Iterable[str] = SCHEMES) -> markupsafe.Markup:
    """A URL for a Markdown link or image: `#` when its scheme is not allowed, otherwise
    percent-encoded wherever Markdown or HTML would read a character as syntax."""
    url = str(url).strip()
    if not safe_url(url, schemes):
        return markupsafe.Markup("#")
    encoded = _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)
    return markupsafe.Markup(html.escape(encoded, quote=True))


def path_segment(value: str) -> str:
    """One URL path segment from a plain value (a social handle): nothing is syntax."""
    return quote(str(value).strip(), safe="")


# ---------------------------------------------------------------------------- front matter

# Keys MkDocs and Material read as instructions rather than print: their values stay as they
# are (`template` is checked on its own: it chooses which theme template renders the page).
_META_INSTRUCTIONS = frozenset({"template", "hide", "search", "date", "slug", "categories",
                                "authors", "draft", "pin", "readtime", "icon"})
# Templates a page may ask for: the theme's page and Material's blog views. Any other (such
# as Material's redirect.html) could run front-matter text as script.
TEMPLATES = frozenset({"main.html", "blog.html", "blog-post.html", "blog-archive.html",
                       "blog-category.html", "blog-author.html"})  # fmt: skip


def escape_meta(meta: dict) -> list[str]:
    """HTML-escape, in place, every text value of a page's front matter that the theme prints
    (titles, descriptions, image alt text...), and drop an `image` whose URL is not allowed.
    Returns what it had to refuse, for the caller to report."""
    refused: list[str] = []
    for key, value in list(meta.items()):
        if key in _META_INSTRUCTIONS:
            continue
        meta[key] = _escape_value(value)
    template = meta.get("template")
    if template is not None and template not in TEMPLATES:
        refused.append(
            f"template: '{template}' is not allowed (allowed: {', '.join(sorted(TEMPLATES))})"
        )
    image = meta.get("image")
    if image is not None and not (isinstance(image, str) and safe_url(html.unescape(image))):
        refused.append(f"image: {_scheme_message(html.unescape(str(image)))}")
        del meta["image"]
    return refused


def escape_text(value: str) -> str:
    """Text for the theme, which prints it raw: `& < > "` escaped. Not `'`: the theme quotes
    attributes with `"`, and the feeds (which escape again) would show it as `&#x27;`."""
    return html.escape(value, quote=False).replace('"', "&quot;")


def _escape_value(value):
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, list):
        return [_escape_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_value(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------- auditing HTML


def violations(fragment: str) -> list[tuple[str, str]]:
    """What in an HTML fragment the policy does not allow, as (message, text to look for in
    the source), in document order. `clean` would remove each of them."""
    from lxml import etree as lxml_etree
    from lxml import html as lxml_html

    found: list[tuple[str, str]] = []
    if not fragment.strip():
        return found
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml_etree.ParserError):  # pragma: no cover - lxml reads any string
        return [("HTML that cannot be read", fragment[:40])]
    for element in root.iter():
        # HTML that Markdown did not read as HTML (an unquoted `onload=alert(1)`) is shown
        # as text; it is refused all the same when it carries script.
        code = element.tag in _CODE or any(a.tag in _CODE for a in element.iterancestors())
        for text in (element.text if not code else None, element.tail):
            for match in _SHOWN_SCRIPT.finditer(text or ""):
                found.append((
                    f"'<{match.group(1)}' with '{match.group(2)}' is not allowed (it is not "
                    "read as HTML here, but would show as typed)",
                    f"<{match.group(1)}",
                ))
        if element is root:
            continue
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions: removed, never shown
        tag = tag.lower().rsplit("}", 1)[-1]
        if tag not in TAGS:
            found.append(
                (f"raw HTML <{tag}> is not allowed (allowed: {ALLOWED_SUMMARY})", f"<{tag}")
            )
            continue
        allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(tag, set())
        for name, value in element.attrib.items():
            name = name.lower()
            if name not in allowed:
                what = "an event handler" if name.startswith("on") else "not allowed"
                found.append((f"attribute '{name}' on <{tag}> is {what}", name))
            elif name == "id" and value.startswith(_THEME_IDS):
                found.append((f"id '{value}' is reserved for the theme (ids may not start "
                              "with '__')", value))
            elif name == "style" and not _STYLE.match(value):
                found.append((f"style '{value}' is not allowed (only text-align)", value))
            elif name in URL_ATTRIBUTES and not safe_url(value):
                found.append((_scheme_message(value), value))
    return found


_CODE = frozenset({"code", "pre", "kbd", "samp"})
_SHOWN_SCRIPT = re.compile(
    r"<\s*([a-z][\w:-]*)\b[^>]*?(\bon[a-z]+\s*=|(?:java|vb)script\s*:|data\s*:)", re.I
)


def _scheme_message(url: str) -> str:
    shown = url if len(url) <= 60 else url[:57] + "..."
    return (
        f"link '{shown}' uses a scheme that is not allowed "
        f"(allowed: {', '.join(SCHEMES)}, or a link to a page of the site)"
    )


def document_problems(document: str, url_problem: Callable[[str], str | None]) -> list[str]:
    """Everything in a finished HTML document (the email) that could run script, or lead
    to a URL `url_problem` has something to say about; Outlook's conditional comments
    (`<!--[if mso]>...`) are read as HTML too."""
    from lxml import etree as lxml_etree
    from lxml import html as lxml_html

    problems: list[str] = []
    parser = lxml_html.HTMLParser(remove_comments=False)
    try:
        root = lxml_html.document_fromstring(document, parser=parser)
    except (ValueError, lxml_etree.ParserError) as error:
        return [f"the HTML cannot be read: {error}"]
    _audit_tree(root, url_problem, problems, parser)
    return problems


_FORBIDDEN = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
     "button", "textarea", "select", "base", "link", "portal", "foreignobject", "use",
     "animate", "set", "handler", "listener", "import"}
)  # fmt: skip
_CONDITIONAL = re.compile(r"^\s*\[if[^\]]*\]>(.*)<!\[endif\]\s*$", re.S)


def _audit_tree(root, url_problem, problems: list[str], parser) -> None:
    from lxml import etree as lxml_etree
    from lxml import html as lxml_html

    for element in root.iter():
        if isinstance(element, lxml_etree._Comment):
            inner = _CONDITIONAL.match(element.text or "")
            if inner and inner.group(1).strip():
                fragment = lxml_html.fragment_fromstring(
                    inner.group(1), create_parent="div", parser=parser
                )
                _audit_tree(fragment, url_problem, problems, parser)
            continue
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if tag in _FORBIDDEN:
            problems.append(f"<{tag}> is not allowed in the email")
        if tag == "meta" and (element.get("http-equiv") or "").strip().lower() not in (
            "",
            "x-ua-compatible",
            "content-type",
        ):
            problems.append(f"<meta http-equiv='{element.get('http-equiv')}'> is not allowed")
        if tag == "style":
            problems += _css_problems(element.text or "", url_problem, "<style>")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.rsplit(":", 1)[-1].startswith("on"):
                problems.append(f"event handler '{name}' on <{tag}> is not allowed")
            elif name == "style":
                problems += _css_problems(value, url_problem, f"style on <{tag}>")
            elif name.rsplit(":", 1)[-1] in URL_ATTRIBUTES or name == "xlink:href":
                urls = _srcset_urls(value) if name == "srcset" else [value]
                for url in urls:
                    message = url_problem(url)
                    if message:
                        problems.append(f"{message} ({name} on <{tag}>)")


def _css_problems(css: str, url_problem, where: str) -> list[str]:
    problems = []
    decoded = _INVISIBLE.sub("", html.unescape(css)).lower()
    for needle in ("expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:"):
        if needle in decoded:
            problems.append(f"'{needle}' in {where} is not allowed")
    for url in _style_urls(css):
        message = url_problem(url)
        if message:
            problems.append(f"{message} (url() in {where})")
    return problems


# ---------------------------------------------------------------------------- catalyst check

# Fields that are Markdown (schema.field, as the schema marks them); every other text field is
# plain text, shown as typed. A file's body is Markdown too.
from catalyst.content.schema import MARKDOWN_FIELDS  # noqa: E402

URL_FIELDS = frozenset({"url", "image", "photo", "avatar"})
# Identifiers checked by the model (slugs, kinds, months, references), what the loader fills
# in, and what is not text at all.
_NOT_TEXT = frozenset({"kind", "month", "post", "items", "catalyzer", "slug", "source",
                       "authors", "categories", "draft", "pin", "date", "starts", "send_at",
                       "template", "hide", "search", "readtime", "links", "social",
                       "Post.heading"})

_PLAIN_MARKUP = (
    (re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*|!|\?)"), "HTML"),
    (re.compile(r"\]\("), "a Markdown link"),
    (re.compile(r"\{\s*[:.#]|\{[^{}]*=[^{}]*\}"), "an attribute list ({ ... })"),
    (re.compile(r"[\"'`]\s*on[a-z]+\s*=", re.I), "an HTML attribute"),
)
_URL_SYNTAX = re.compile(r"""[\s<>"{}|\\^`\[\]]""")
# What a plain-text value must hold for `plain_text_problem` to have anything to say.
_SUSPECT = re.compile(r"""[<\]{"'`]""")
_HANDLE = re.compile(r"^@?[\w.\-]{1,100}$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# The start of every URL a Markdown link, image or reference definition gives.
_INLINE_TARGET = re.compile(r"\]\(\s*<?\s*([^\s)>]*)")
# Any indentation: a definition inside a list item is indented too.
_REFERENCE_TARGET = re.compile(r"^\s*\[[^\]\n]+\]:\s*<?\s*(\S*)", re.M)


def plain_text_problem(label: str, value: str) -> str | None:
    """Why a plain-text value would not show as its editor meant, or None."""
    for pattern, what in _PLAIN_MARKUP:
        match = pattern.search(value)
        if match:
            return (
                f"{label}: '{match.group(0).strip()}' is {what}, but this field is plain text: "
                "it would show as typed (remove it, or move it to a Markdown field)"
            )
    return None


def url_problem(label: str, value: str, schemes: Iterable[str] = SCHEMES) -> str | None:
    if not safe_url(value, schemes):
        return f"{label}: {_scheme_message(value)}"
    bad = _URL_SYNTAX.search(value.strip())
    if bad:
        char = bad.group(0) if not bad.group(0).isspace() else "a space"
        return f"{label}: '{value}' holds {char!s}, which a URL cannot carry unencoded"
    return None


_AUDITOR = None


def _may_break_policy(text: str) -> bool:
    """False when Markdown cannot make anything the policy refuses of `text`: no HTML but
    comments, no attribute list, and every link's URL allowed. (Converting every post to
    find nothing was most of `catalyst check`'s time on a large site.)"""
    if "{" in text or ("<" in text and "<" in _COMMENT.sub("", text)):
        return True
    urls = _INLINE_TARGET.findall(text) if "](" in text else []
    if "]:" in text:
        urls += _REFERENCE_TARGET.findall(text)
    return not all(safe_url(url) for url in urls)


def markdown_violations(text: str) -> list[tuple[str, str]]:
    """`violations` of the HTML an editor's Markdown becomes (raw HTML, `attr_list`,
    links and images), with the site's Markdown extensions."""
    global _AUDITOR
    if not _may_break_policy(text):
        return []
    import markdown

    if _AUDITOR is None:
        # What the site's Markdown reads (mkdocs.yml's extensions and MkDocs' own defaults,
        # fenced code among them); the icons and smart symbols add nothing to look at.
        _AUDITOR = markdown.Markdown(
            extensions=["attr_list", "md_in_html", "tables", "fenced_code", "footnotes",
                        "abbr", "admonition", "def_list"]
        )
    _AUDITOR.reset()
    return violations(_AUDITOR.convert(text))


def content_problems(settings, library, texts: list[tuple[str, str, str]]) -> list:
    """Every place content breaks the policy, as Problems with file and line: Markdown
    fields whose HTML it does not allow, plain-text fields holding markup, URLs with a
    scheme or a character they may not have, and pages asking for another template.
    `texts` is `check.source_files`' files, read: (text, path shown, URI in docs_dir)."""
    from pydantic import BaseModel

    from catalyst.content.validation import dotted
    from catalyst.errors import Problem

    problems: list[Problem] = []
    files = {shown: text for text, shown, _ in texts}

    def add(path: str, line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    def markdown(path: str, label: str, text: str, first: int, lines: list[str], end: int):
        # Violations come in document order: each is looked for after the one before it.
        cursor = (first, 0)
        for message, needle in markdown_violations(text):
            found = _find(lines, needle, cursor, end) or _find(lines, needle, (first, 0), end)
            if found:
                cursor = found
            add(path, found[0] if found else first, f"{label}: {message}")

    def walk(item, path: str, loc: tuple, file: list) -> None:
        """Every text field of a model, by kind. `file` is [lines, front matter's end],
        filled in only when a Markdown field needs it."""
        values = dict(item)
        values.update(item.model_extra or {})
        model = type(item).__name__
        for name, value in values.items():
            here = (*loc, name)
            if isinstance(value, BaseModel):
                walk(value, path, here, file)
            elif isinstance(value, list):
                for n, entry in enumerate(value):
                    if isinstance(entry, BaseModel):
                        walk(entry, path, (*here, n), file)
                    elif isinstance(entry, str) and name not in _NOT_TEXT:
                        text_problem(path, (*here, n), plain_text_problem, entry)
            elif isinstance(value, dict) and name == "social":
                for network, handle in value.items():
                    if not _HANDLE.match(str(handle)):
                        add(path, library.line_of(path, (*here, network)),
                            f"{dotted(here)}.{network}: '{handle}' is not a handle "
                            "(letters, digits, '_', '.' and '-' only)")
            elif not isinstance(value, str) or name in _NOT_TEXT or f"{model}.{name}" in _NOT_TEXT:
                continue
            elif (name == "body" and not loc) or f"{model}.{name}" in MARKDOWN_FIELDS:
                if not _may_break_policy(value):
                    continue
                if not file:
                    lines = files.get(path, "").split("\n")
                    file += [lines, _front_matter_end(lines)]
                lines, meta_end = file
                if name == "body" and not loc:
                    markdown(path, "body", value, meta_end + 1, lines, len(lines))
                else:
                    markdown(path, dotted(here), value, library.line_of(path, here), lines,
                             meta_end)
            elif name in URL_FIELDS:
                text_problem(path, here, url_problem, value)
            else:
                text_problem(path, here, plain_text_problem, value)

    def text_problem(path: str, loc: tuple, rule, value: str) -> None:
        if rule is plain_text_problem and not _SUSPECT.search(value):
            return
        message = rule(dotted(loc), value)
        if message:
            add(path, library.line_of(path, loc), message)

    for group in (library.posts, library.resources, library.catalyzers, library.issues):
        for item in group.values():
            walk(item, item.source, (), [])
    pages = _hand_written(settings, library)
    for path, shown in pages:
        meta, body, body_line, index = _read_page(path, shown, files.get(shown))
        for key, value in meta.items():
            line = index.get((key,), 1)
            if key == "image" and isinstance(value, str):
                message = url_problem("image", value)
                if message:
                    add(shown, line, message)
            elif isinstance(value, str) and key not in _META_INSTRUCTIONS:
                message = plain_text_problem(key, value)
                if message:
                    add(shown, line, message)
        lines = files.get(shown, "").split("\n")
        markdown(shown, "body", body, body_line, lines, len(lines))
    problems += template_problems(settings, library, pages)
    problems += _authors_problems(settings)
    return problems


def template_problems(settings, library, pages: list | None = None) -> list:
    """Pages and posts asking for a theme template other than the page's and the blog's
    (Material's redirect.html, say, would run a front-matter value as script). Unlike the
    rest of the policy this cannot be sanitised, so the build refuses it too."""
    from catalyst.errors import Problem

    allowed = ", ".join(sorted(TEMPLATES))
    problems = []

    def check(path: str, line: int, template) -> None:
        if template is not None and template not in TEMPLATES:
            problems.append(
                Problem(path, line, f"template: '{template}' is not allowed (allowed: {allowed})")
            )

    for post in library.posts.values():
        template = getattr(post, "template", None) or (post.model_extra or {}).get("template")
        check(post.source, library.line_of(post.source, ("template",)), template)
    for path, shown in _hand_written(settings, library) if pages is None else pages:
        meta, _, _, index = _read_page(path, shown, None)
        check(shown, index.get(("template",), 1), meta.get("template"))
    return problems


def _hand_written(settings, library) -> list:
    """(path, path shown) of the pages in docs_dir that the model does not load: the home
    page, the editors' guide, the blog's index and any other page an editor adds."""
    loaded = {
        item.source
        for group in (library.posts, library.resources, library.catalyzers)
        for item in group.values()
    }
    docs = settings.docs_dir
    # Content the model loads (checked field by field, or reported broken): only an index
    # page in these folders is hand-written. Not walking them keeps this quick.
    data = {docs / urls.POSTS_DIR, docs / urls.RESOURCES_DIR, docs / urls.CATALYZERS_DIR}
    found = []
    for folder, subfolders, names in os.walk(docs):
        here = Path(folder)
        if here in data:
            subfolders.clear()
            names = [n for n in names if n == "index.md"]
        subfolders.sort()
        found += [here / n for n in sorted(names) if n.endswith(".md")]
    pages = []
    for path in found:
        try:
            shown = path.relative_to(settings.root).as_posix()
        except ValueError:
            shown = path.as_posix()
        if shown not in loaded:
            pages.append((path, shown))
    return pages


def _read_page(path, shown: str, text: str | None) -> tuple[dict, str, int, dict]:
    """A hand-written page's front matter, body, body's first line and key lines."""
    from catalyst.content.frontmatter import read_document
    from catalyst.errors import ContentError

    try:
        doc = read_document(path, shown)
    except ContentError:  # no front matter (allowed for a page), or a broken one
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
        return {}, text, 1, {}
    return doc.meta, doc.body, doc.body_line, doc.lines


def _front_matter_end(lines: list[str]) -> int:
    """The 1-based line of the `---` closing a file's front matter (0: none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    return next((n + 1 for n in range(1, len(lines)) if lines[n].strip() == "---"), 0)


def _find(
    lines: list[str], needle: str, start: tuple[int, int], last: int
) -> tuple[int, int] | None:
    """Where `needle` (or, for a URL written with entities, what follows its scheme) next
    occurs from `start` (1-based line, column) to line `last`, ignoring case: the line and
    the column just after it."""
    needles = [needle.lower()]
    if ":" in needle and len(needle.split(":", 1)[1]) >= 4:
        needles.append(needle.split(":", 1)[1].lower())
    first, column = start
    for candidate in filter(None, needles):
        for number in range(max(first, 1), min(last, len(lines)) + 1):
            at = lines[number - 1].lower().find(candidate, column if number == first else 0)
            if at >= 0:
                return number, at + len(candidate)
    return None


def _authors_problems(settings) -> list:
    """The blog's authors file: names and descriptions are plain text, avatars URLs."""
    import yaml

    from catalyst.errors import Problem

    path = settings.docs_dir / "blog" / ".authors.yml"
    if not path.is_file():
        return []
    shown = path.relative_to(settings.root).as_posix()
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return []  # the content loader reports a broken authors file
    problems = []
    for key, authors in getattr(root, "value", []) if isinstance(root, yaml.MappingNode) else []:
        if key.value != "authors" or not isinstance(authors, yaml.MappingNode):
            continue
        for author_key, author in authors.value:
            if not isinstance(author, yaml.MappingNode):
                continue
            for field, value in author.value:
                if not isinstance(value, yaml.ScalarNode):
                    continue
                label = f"authors.{author_key.value}.{field.value}"
                line = value.start_mark.line + 1
                if field.value in URL_FIELDS or field.value == "url":
                    message = url_problem(label, value.value)
                else:
                    message = plain_text_problem(label, value.value)
                if message:
                    problems.append(Problem(shown, line, message))
    return problems
