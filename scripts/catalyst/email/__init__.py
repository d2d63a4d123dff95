"""An issue to an email: Markdown, links, templates, inlining, the text part, the cache."""
