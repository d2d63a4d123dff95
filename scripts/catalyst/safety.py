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
- `problems` is `catalyst check`'s view of the same policy, with each file and line.

What is allowed is what editors need (see content/editors-guide.md, "HTML and links"),
plus what Markdown's extensions draw (icons as inline SVG, table alignment); what the
theme draws around the content is not content and is not touched.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable
from urllib.parse import quote

import markupsafe
import nh3

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

# The one style content may set: a table column's alignment (the `tables` extension).
_STYLE = re.compile(r"^\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*$", re.I)
# C0 controls, space, DEL and the invisible format characters a browser skips or rejects.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)


def allowed_tags() -> str:
    """The allowlist as editors read it in a message."""
    return ", ".join(sorted(TAGS - {"g", "path", "circle", "ellipse", "line", "polygon",
                                    "polyline", "rect"}))


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
    """The checks nh3's options cannot say: the style allowlist, and URLs judged by
    `safe_url` (the same function the email's last guard uses)."""
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
                                "authors", "draft", "pin", "readtime", "links", "icon"})
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
        refused.append(f"image: '{html.unescape(str(image))}' uses a scheme that is not allowed")
        del meta["image"]
    return refused


def _escape_value(value):
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [_escape_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_value(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------- auditing HTML


def violations(fragment: str) -> list[tuple[str, str]]:
    """What in an HTML fragment the policy does not allow, as (message, text to look for in
    the source), in document order. `clean` would remove each of them."""
    from lxml import html as lxml_html

    found: list[tuple[str, str]] = []
    if not fragment.strip():
        return found
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, etree.ParseError):  # pragma: no cover - lxml parses any string
        return [("HTML that cannot be read", fragment[:40])]
    for element in root.iterdescendants():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions: removed, never shown
        tag = tag.lower().rsplit("}", 1)[-1]
        if tag not in TAGS:
            found.append(
                (f"raw HTML <{tag}> is not allowed (allowed: {allowed_tags()})", f"<{tag}")
            )
            continue
        allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(tag, set())
        for name, value in element.attrib.items():
            name = name.lower()
            if name not in allowed:
                what = "an event handler" if name.startswith("on") else "not allowed"
                found.append((f"attribute '{name}' on <{tag}> is {what}", name))
            elif name == "style" and not _STYLE.match(value):
                found.append((f"style '{value}' is not allowed (only text-align)", value))
            elif name in URL_ATTRIBUTES and not safe_url(value):
                found.append((_scheme_message(value), value))
    return found


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

# Fields that are Markdown; every other text field is plain text, shown as typed.
MARKDOWN_FIELDS = frozenset({"body", "text", "summary", "intro"})
URL_FIELDS = frozenset({"url", "image", "photo", "avatar"})
# Identifiers checked by the model (slugs, kinds, months, references) or not text at all.
_NOT_TEXT = frozenset({"kind", "month", "post", "items", "catalyzer", "slug", "source",
                       "authors", "categories", "draft", "pin", "date", "starts", "send_at",
                       "template", "hide", "search", "readtime", "links", "social"})

_PLAIN_MARKUP = (
    (re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*|!|\?)"), "HTML"),
    (re.compile(r"!?\[[^\]]*\]\s*\(|\]\s*\("), "a Markdown link"),
    (re.compile(r"\{\s*[:.#]|\{[^{}]*=[^{}]*\}"), "an attribute list ({ ... })"),
)
_URL_SYNTAX = re.compile(r"""[\s<>"{}|\\^`\[\]]""")
_HANDLE = re.compile(r"^@?[\w.\-]{1,100}$")
_MARKDOWN_HINT = re.compile(r"[<{&]|\]\s*[(:\[]|^\s{0,3}\[[^\]]+\]:", re.M)


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


def markdown_violations(text: str) -> list[tuple[str, str]]:
    """`violations` of the HTML an editor's Markdown becomes (raw HTML, `attr_list`,
    links and images), with the site's Markdown extensions."""
    global _AUDITOR
    if not _MARKDOWN_HINT.search(text):
        return []  # no HTML, attribute list, entity or link: nothing to find
    import markdown

    if _AUDITOR is None:
        _AUDITOR = markdown.Markdown(
            extensions=["attr_list", "md_in_html", "tables", "footnotes", "abbr", "admonition"]
        )
    _AUDITOR.reset()
    return violations(_AUDITOR.convert(text))


def content_problems(settings, library, texts: list[tuple[str, str, str]]) -> list:
    """Every place content breaks the policy, as Problems with file and line: Markdown
    fields whose HTML it does not allow, plain-text fields holding markup, URLs with a
    scheme or a character they may not have, and pages asking for another template.
    `texts` is `check.source_files`' files, read: (text, path shown, URI in docs_dir)."""
    from pydantic import BaseModel

    from .content import ContentError, _dotted, read_document
    from .model import Problem

    problems: list[Problem] = []
    files = {shown: text for text, shown, _ in texts}
    data_folders = ("blog/posts/", "resources/", "catalyzers/")

    def add(path: str, line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    def markdown(path: str, label: str, text: str, first: int, lines: list[str], end: int):
        for message, needle in markdown_violations(text):
            add(path, _find(lines, needle, first, end) or first, f"{label}: {message}")

    def walk(item, path: str, lines: list[str], loc: tuple, body_line: int, meta_end: int):
        values = dict(item)
        values.update(item.model_extra or {})
        for name, value in values.items():
            here = (*loc, name)
            label = _dotted(here)
            line = library.line_of(path, here)
            if isinstance(value, BaseModel):
                walk(value, path, lines, here, body_line, meta_end)
            elif isinstance(value, list):
                for n, entry in enumerate(value):
                    if isinstance(entry, BaseModel):
                        walk(entry, path, lines, (*here, n), body_line, meta_end)
                    elif isinstance(entry, str) and name not in _NOT_TEXT:
                        at = library.line_of(path, (*here, n))
                        text_problem(path, f"{label}[{n}]", entry, at)
            elif isinstance(value, dict) and name == "social":
                for network, handle in value.items():
                    at = library.line_of(path, (*here, network))
                    if not _HANDLE.match(str(handle)):
                        add(path, at, f"{label}.{network}: '{handle}' is not a handle "
                            "(letters, digits, '_', '.' and '-' only)")
            elif not isinstance(value, str) or name in _NOT_TEXT or name in ("heading", "source"):
                continue
            elif name == "body" and not loc:
                markdown(path, "body", value, body_line, lines, len(lines))
            elif name in MARKDOWN_FIELDS:
                markdown(path, label, value, line, lines, meta_end)
            elif name in URL_FIELDS:
                message = url_problem(label, value)
                if message:
                    add(path, line, message)
            else:
                text_problem(path, label, value, line)

    def text_problem(path: str, label: str, value: str, line: int) -> None:
        message = plain_text_problem(label, value)
        if message:
            add(path, line, message)

    seen: set[str] = set()
    for group in (library.posts, library.resources, library.catalyzers, library.issues):
        for item in group.values():
            seen.add(item.source)
            lines = files.get(item.source, "").split("\n")
            meta_end = _front_matter_end(lines)
            if isinstance(item, BaseModel):
                walk(item, item.source, lines, (), meta_end + 1, meta_end)
    for text, shown, uri in texts:
        if shown in seen or shown.startswith(settings.issues_dir.name + "/") or (
            uri.startswith(data_folders) and not uri.endswith("index.md")
        ):
            continue  # model files: checked above, or their errors already reported
        lines = text.split("\n")
        try:
            doc = read_document(settings.root / shown, shown)
            meta, body, body_line, index = doc.meta, doc.body, doc.body_line, doc.lines
        except ContentError:
            meta, body, body_line, index = {}, text, 1, {}
        for key, value in meta.items():
            line = index.get((key,), 1)
            if key == "template" and value not in TEMPLATES:
                allowed = ", ".join(sorted(TEMPLATES))
                add(shown, line, f"template: '{value}' is not allowed (allowed: {allowed})")
            elif key == "image" and isinstance(value, str):
                message = url_problem("image", value)
                if message:
                    add(shown, line, message)
            elif isinstance(value, str) and key not in _META_INSTRUCTIONS:
                text_problem(shown, key, value, line)
        markdown(shown, "body", body, body_line, lines, len(lines))
    problems += _authors_problems(settings)
    return problems


def _front_matter_end(lines: list[str]) -> int:
    """The 1-based line of the `---` closing a file's front matter (0: none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    return next((n + 1 for n in range(1, len(lines)) if lines[n].strip() == "---"), 0)


def _find(lines: list[str], needle: str, first: int, last: int) -> int | None:
    """The first line from `first` to `last` (1-based) holding `needle` (or, for a URL
    written with entities, what follows its scheme), ignoring case."""
    needles = [needle.lower()]
    if ":" in needle and len(needle.split(":", 1)[1]) >= 4:
        needles.append(needle.split(":", 1)[1].lower())
    for candidate in needles:
        for number in range(max(first, 1), min(last, len(lines)) + 1):
            if candidate and candidate in lines[number - 1].lower():
                return number
    return None


def _authors_problems(settings) -> list:
    """The blog's authors file: names and descriptions are plain text, avatars URLs."""
    import yaml

    from .model import Problem

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
