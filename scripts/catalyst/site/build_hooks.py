"""The guarded patches into MkDocs' build that route pages to a build's page cache session.

Two functions of MkDocs are replaced while the process runs: `Page.render` (a page's
Markdown to HTML) and `mkdocs.commands.build._build_page` (a page's template to its file).
Each replacement asks the build's catalyst plugin for its `incremental.Session`; with none
(another project, the cache off) MkDocs' own function runs, unchanged, and so does
`_build_page` under `mkdocs serve --dirty`.

They replace MkDocs and Material code we have read, so they are put in place only while the
source of every function they replace or rely on is the one they were written against
(`EXPECTED`, sha256 of its source): on any difference (another MkDocs or Material) they step
aside with one warning and MkDocs' own code runs. The warning is logged outside MkDocs'
logger, so `--strict` builds still pass.
"""

from __future__ import annotations

import functools
import logging

from catalyst.site import blog_speedups

warn = logging.getLogger("catalyst.build_hooks")  # outside "mkdocs": never fails --strict

# sha256 of the source of each function the hooks replace or rely on (MkDocs 1.6.1, Material
# 9.8.1 and 9.8.2).
EXPECTED = {
    "mkdocs.commands.build:build":
        "c476b64474acfaa20c08fdedc074238c6521bf320263065ee7de983ebf2032f9",
    "mkdocs.commands.build:_build_page":
        "adcdbd14b236112697cafec9171bd281981f15a776e0d2f941a62e7bffd9a0d5",
    "mkdocs.commands.build:_populate_page":
        "31a70ea4caef1e127a9d65a0f346ee322bad00d673ef824d82acf807e61d91c2",
    "mkdocs.structure.pages:Page.render":
        "320529348f7a8af152073d0a3ab02960ccce91f9204716144e51b20931983cc6",
    "material.plugins.blog.plugin:BlogPlugin.on_page_context":
        "67d8bff0b0c8b97af3b25f48ab1826381297847328d9b6745e5f776294580f77",
    "material.plugins.blog.plugin:BlogPlugin._render":
        "bb53ed98e28593c617bac3f98258db37a233142a3c0fb144bcd48a1e50d1d7c4",
    "material.plugins.blog.structure:Excerpt.render":
        "6ee38b3efd751ef5996bf852d21008bf7e504476671a6b1b9d5025110899c27a",
    "material.plugins.search.plugin:SearchPlugin.on_page_context":
        "33eb62fd1688be4d99a4e7bf8fc51c1be3d37602b63ad5327c9be3abf5dc8d50",
    "material.plugins.blog.plugin:BlogPlugin._resolve_original":
        "998e42990b061563f30f8ab00872b8d52195bf9019b4201fce0a6a8db4150ef0",
    "material.plugins.blog.plugin:BlogPlugin._resolve_views":
        "2dde02a1697c68df04439874bd8ad4b00b610ace1dfa181947e0a25d2d485e37",
}
_original: dict = {}
_refused: list[str] = []


def mismatches() -> list[str]:
    """The functions whose source is not the one the hooks were written against."""
    found = blog_speedups.fingerprints(EXPECTED)
    return [name for name, digest in EXPECTED.items() if found[name] != digest]


def install() -> bool:
    """Put the hooks in place once per process; False (and one warning) if they do not fit."""
    if _original:
        return True
    if _refused:
        return False
    differ = mismatches()
    if differ:
        _refused.extend(differ)
        warn.warning(
            "catalyst: the page cache is off: this MkDocs or Material differs from the one it "
            "was checked against (%s); every page is built in full", ", ".join(differ)
        )
        return False
    from mkdocs.commands import build
    from mkdocs.structure.pages import Page

    _original["render"] = Page.render
    _original["build_page"] = build._build_page
    # Each stand-in reports MkDocs' function as the one it wraps, so a guard reading its source
    # (this one, the blog speed-ups' on the next build in this process) reads MkDocs' own.
    Page.render = functools.update_wrapper(_render, Page.render)
    build._build_page = functools.update_wrapper(_build_page, build._build_page)
    return True


def _session(config):
    """The build's page cache session (incremental.Session), or None."""
    plugin = config.plugins.get("catalyst") if config is not None else None
    return getattr(plugin, "incremental", None)


def _render(page, config, files):
    session = _session(config)
    if session is None:
        return _original["render"](page, config, files)
    return session.render(page, config, files)


def _build_page(page, config, doc_files, nav, env, dirty=False, excluded=False):
    session = _session(config)
    if session is None or dirty or not session.templates:
        return _original["build_page"](page, config, doc_files, nav, env, dirty, excluded)
    return session.build_page(page, config, doc_files, nav, env, excluded)


def original(name: str):
    """MkDocs' own function: "render" (Page.render) or "build_page" (_build_page)."""
    return _original[name]
