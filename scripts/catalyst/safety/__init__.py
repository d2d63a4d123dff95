"""The content HTML policy: what HTML, attributes and URLs editors' content may carry.

Content comes from pull requests, forks included, so nothing an editor writes may put
script on the site, in the email or in the email's web copy. This package is the one home
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

Its modules: `policy` (the allowlists), `url_rules` (URLs as a browser reads them),
`sanitiser` (`clean`), `quoting` (values into Markdown and the theme), `html_audit` (what a
fragment or an editor's Markdown holds that the policy refuses), `email_audit` (the email's
last guard), `field_rules`, `hand_written` and `content_check` (`catalyst check`).
"""

from catalyst.safety.content_check import content_problems, template_problems
from catalyst.safety.email_audit import document_problems
from catalyst.safety.field_rules import MARKDOWN_FIELDS, URL_FIELDS, plain_text_problem
from catalyst.safety.html_audit import markdown_violations, violations
from catalyst.safety.policy import (
    ALLOWED_SUMMARY,
    ATTRIBUTES,
    DROPPED_WITH_CONTENT,
    EMAIL_SCHEMES,
    SCHEMES,
    TAGS,
    URL_ATTRIBUTES,
)
from catalyst.safety.quoting import (
    TEMPLATES,
    escape_meta,
    escape_text,
    markdown_text,
    markdown_url,
    path_segment,
)
from catalyst.safety.sanitiser import MORE, clean
from catalyst.safety.url_rules import safe_url, url_problem, url_scheme, visible

__all__ = [
    "ALLOWED_SUMMARY", "ATTRIBUTES", "DROPPED_WITH_CONTENT", "EMAIL_SCHEMES", "MARKDOWN_FIELDS",
    "MORE", "SCHEMES", "TAGS", "TEMPLATES", "URL_ATTRIBUTES", "URL_FIELDS", "clean",
    "content_problems", "document_problems", "escape_meta", "escape_text", "markdown_text",
    "markdown_url", "markdown_violations", "path_segment", "plain_text_problem", "safe_url",
    "template_problems", "url_problem", "url_scheme", "violations", "visible",
]  # fmt: skip
