"""The content HTML policy's allowlists: the URL schemes, elements, attributes and styles content
may carry.
"""

from __future__ import annotations

import re

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
THEME_IDS = ("__",)

# The one style content may set: a table column's alignment (the `tables` extension).
STYLE = re.compile(r"^\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*$", re.I)

# The allowlist as a message shows it (the whole list is in the editors' guide).
ALLOWED_SUMMARY = (
    "p, a, em, strong, lists, blockquote, code, pre, h1-h6, img, table, figure, details, "
    "div, span and other text elements; see the editors' guide"
)
