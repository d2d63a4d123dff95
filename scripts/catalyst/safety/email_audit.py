"""The email's last guard: everything in a finished HTML document that could run script or lead to
a URL not allowed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from catalyst.safety.policy import URL_ATTRIBUTES
from catalyst.safety.url_rules import INVISIBLE, srcset_urls, style_urls


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
                urls = srcset_urls(value) if name == "srcset" else [value]
                for url in urls:
                    message = url_problem(url)
                    if message:
                        problems.append(f"{message} ({name} on <{tag}>)")


def _css_problems(css: str, url_problem, where: str) -> list[str]:
    problems = []
    decoded = INVISIBLE.sub("", html.unescape(css)).lower()
    for needle in ("expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:"):
        if needle in decoded:
            problems.append(f"'{needle}' in {where} is not allowed")
    for url in style_urls(css):
        message = url_problem(url)
        if message:
            problems.append(f"{message} (url() in {where})")
    return problems
