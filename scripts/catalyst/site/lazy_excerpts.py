"""Blog excerpts that build their Markdown parser when first rendered, not when created.

Material's blog plugin makes an `Excerpt` for every post as the post is read, and each
builds a Markdown parser with every extension: a thousand parsers for a thousand posts,
about a second at that size. A build whose blog pages all come from the page cache renders
no excerpt at all, so it needs none of them. `LazyExcerpt` is Material's `Excerpt` with the
parser (and the copy of the configuration it is made from) made on first use, from the same
configuration and file list, which nothing changes between a post being read and its excerpt
being rendered; the HTML is the same.

It replaces Material's code, so it is applied only while the source of what it copies
(`Excerpt.__init__` and the `_patch` it calls) is the one it was written from; otherwise
Material's own class stays and the build is as fast as before.
"""

from __future__ import annotations

import logging
from copy import copy

from catalyst.site.blog_speedups import fingerprints

log = logging.getLogger("catalyst.lazy_excerpts")

EXPECTED = {
    "material.plugins.blog.structure:Excerpt.__init__":
        "32c96fb86b8a80c8b219fae1cf2c1627b3b5ad5bdd65b555e4f0286e4c393854",
    "material.plugins.blog.structure:_patch":
        "76163aa40f791a3de1c36983645df201c430e71a2744c91a74f1ccfabae92501",
}


def _fits() -> bool:
    return fingerprints(EXPECTED) == EXPECTED


_classes: dict = {}


def use(lazy: bool) -> bool:
    """Make the blog plugin create lazy excerpts from now on, or Material's own again.
    Returns whether excerpts are lazy (False also when Material's class is not the known one)."""
    from material.plugins.blog import plugin

    if not _classes:
        _classes["eager"] = plugin.Excerpt
        _classes["lazy"] = _lazy_class(plugin.Excerpt) if _fits() else None
        if _classes["lazy"] is None:
            log.debug("catalyst: Material's Excerpt is not the one known: excerpts stay eager")
    chosen = _classes["lazy"] if lazy else None
    plugin.Excerpt = chosen or _classes["eager"]
    return chosen is not None


def _lazy_class(excerpt_class):
    from markdown import Markdown
    from material.plugins.blog.structure import ExcerptTreeprocessor, _patch
    from mkdocs.structure.pages import _RelativePathTreeprocessor

    class LazyExcerpt(excerpt_class):
        """Material's Excerpt (blog/structure/__init__.py), its parser made on first use."""

        _catalyst_lazy = True

        def __init__(self, post, config, files):
            # Material's __init__ line by line, except that the parser is made in `md`.
            self.file = copy(post.file)
            self.post = post
            self._set_canonical_url(config.site_url)
            self.config = post.config
            self.meta = post.meta
            self.authors = []
            self.categories = []
            self.more = None
            self._parser_inputs = (config, files)

        @property
        def md(self):
            parser = self.__dict__.get("_md")
            if parser is None:
                config, files = self._parser_inputs
                config = _patch(config)
                parser = Markdown(
                    extensions=config.markdown_extensions,
                    extension_configs=config.mdx_configs,
                )
                parser.treeprocessors.register(ExcerptTreeprocessor(self.post), "excerpt", 0)
                parser.treeprocessors.register(
                    _RelativePathTreeprocessor(self.file, files, config), "relpath", 1
                )
                self.__dict__["_md"] = parser
            return parser

    return LazyExcerpt
