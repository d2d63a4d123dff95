"""The `catalyst` MkDocs plugin: a thin adapter from the core to MkDocs.

It loads and validates the content (a problem fails the build with `path:line`),
replaces the resource and catalyzer source files with the pages `pages.SitePages`
renders, adds the issue archive and one page per issue (placed in the nav under their
archive's tab), fills the home page's
generated block, and after the build writes each published issue's email beside its
page (`issues/YYYY-MM/email.html`). Everything it shows comes from the core; nothing
here renders.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import content, emails, fastblog, incremental, lazyexcerpts, memo
from .config import PluginConfig, Settings
from .pages import CATALYZERS_PAGE, ISSUES_PAGE, SitePages

log = logging.getLogger("mkdocs.plugins.catalyst")
ARCHIVES = {"issues": ISSUES_PAGE, "catalyzers": CATALYZERS_PAGE}


def _inclusion(src_uri: str) -> InclusionLevel:
    """Archive pages are in the nav; the pages they list are not (see on_page_context)."""
    folder = src_uri.split("/", 1)[0]
    if folder in ARCHIVES and src_uri != ARCHIVES[folder]:
        return InclusionLevel.NOT_IN_NAV
    return InclusionLevel.INCLUDED


class CatalystPlugin(BasePlugin[PluginConfig]):
    supports_multiple_instances = False

    def __init__(self):
        self.settings: Settings | None = None
        self.library = None
        self.site_pages: SitePages | None = None
        self._emails: concurrent.futures.Future | None = None
        self._files: Files | None = None
        # (pages done, pages in all) after each page, for `catalyst build`'s progress bar.
        self.progress = None
        self._pages_done = self._pages_total = 0
        # The page cache's session for the build under way (incremental.py), or None.
        self.incremental: incremental.Session | None = None
        self._dirty = False
        # Under `catalyst serve`, what the site folder already holds (serve.Written).
        self.written = None

    def on_startup(self, *, command, dirty):
        self._dirty = dirty  # `mkdocs serve --dirty` builds changed pages only: no page cache

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
        self.settings = Settings.from_config(config, self.config)
        library, problems = content.load(self.settings)
        errors = [p for p in problems if p.level == "error"]
        for problem in problems:
            if problem.level == "warning":
                log.info(str(problem))
        if errors:
            listing = "\n".join(str(p) for p in errors)
            raise PluginError(f"the content has {len(errors)} problem(s):\n{listing}")
        self.library = library
        self.site_pages = SitePages(library, self.settings)
        memo.jinja_env(self.site_pages.env)
        # The emails render (or come from the cache) on the other cores while MkDocs builds
        # the pages on this one; on_post_build collects them.
        months = [issue.month for issue in library.published_issues()]
        jobs = max(1, (os.cpu_count() or 1) - 1)
        background = concurrent.futures.ThreadPoolExecutor(1, "catalyst-emails")
        self._emails = background.submit(
            emails.build_all, self.settings, library, months, jobs=jobs
        )
        background.shutdown(wait=False)
        # Excerpts make their Markdown parser when first rendered (see lazyexcerpts.py).
        lazyexcerpts.use(self.config.blog_speedups)
        # Unchanged pages come from the page cache (see incremental.py).
        self.incremental = None
        if self.config.page_cache and not self._dirty:
            folder = self.settings.build_dir / "cache" / "pages"
            self.incremental = incremental.open_session(self, folder)
        return config

    # The blog plugin sorts its files at priority -50; ours go in before it looks.
    @event_priority(50)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        uri = self.settings.docs_uri
        # Resource and catalyzer files are data: their pages are generated from them.
        data = {uri(r.source) for r in self.library.resources.values()}
        data |= {uri(c.source) for c in self.library.catalyzers.values()}
        for file in list(files):
            if file.src_uri in data:
                files.remove(file)
        for src_uri, markdown in self.site_pages.all().items():
            existing = files.get_file_from_path(src_uri)
            if existing is not None:
                files.remove(existing)
            inclusion = _inclusion(src_uri)
            files.append(File.generated(config, src_uri, content=markdown, inclusion=inclusion))
        self._files = files
        return files

    # A page per issue and catalyzer is left out of the nav: every page of the site renders
    # the whole nav, so 240 more entries cost 40% of a ten-year build. Their archive page is
    # marked active while they render instead, so their tab still shows as the current one.
    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        archive = self._archive_of(page)
        if archive is not None:
            archive.active = True
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        archive = self._archive_of(page)
        if archive is not None:
            archive.active = False
        self.page_done()
        return output

    def page_done(self) -> None:
        """One more page written (the page cache calls it for the pages it writes)."""
        if self.progress is not None:
            self._pages_done += 1
            self.progress(self._pages_done, self._pages_total)

    def _archive_of(self, page: Page) -> Page | None:
        index = ARCHIVES.get(page.file.src_uri.split("/", 1)[0])
        if index is None or page.file.src_uri == index:
            return None
        file = self._files.get_file_from_path(index)
        return file.page if file is not None else None

    # After the blog plugin has resolved its posts (its on_nav runs at -50).
    @event_priority(-60)
    def on_nav(self, nav, *, config: MkDocsConfig, files: Files):
        if self.config.blog_speedups:
            for blog in fastblog.blog_plugins(config):
                fastblog.speed_up_membership(blog)
        return nav

    # Every page's Markdown has been read (excerpts exist); no view is rendered yet.
    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        self._pages_done, self._pages_total = 0, len(files.documentation_pages())
        if self.config.blog_speedups:
            for blog in fastblog.blog_plugins(config):
                fastblog.speed_up_excerpts(blog)
        if self.incremental is not None:
            self.incremental.on_env(config, files, fastblog.blog_plugins(config))
        memo.jinja_env(env)  # compiled templates kept across rebuilds, under catalyst serve
        return env

    def on_page_markdown(self, markdown: str, *, page: Page, config, files) -> str:
        if page.file.src_uri == "index.md":
            return self.site_pages.expand_home(markdown, page.file.src_uri)
        return markdown

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.incremental is not None:
            self.incremental.finish()  # sweep entries unused for a day
            self.incremental = None
        # Unchanged issues come from the email cache, so `mkdocs serve` reloads stay quick.
        try:
            rendered = self._emails.result()
            for email in rendered.values():
                emails.write_site_copy(email, self.settings, config.site_dir)
        except emails.EmailError as error:
            raise PluginError(str(error)) from None
        log.debug("catalyst: wrote %d email copies", len(rendered))

    def on_build_error(self, *, error: Exception) -> None:
        self.incremental = None
        # Let the background emails finish (they only fill the cache) before MkDocs exits.
        if self._emails is not None:
            concurrent.futures.wait([self._emails])

    def on_serve(self, server, *, config, builder):
        # Issues and templates live outside docs_dir: reload the preview when they change.
        for folder in (self.settings.issues_dir, self.settings.templates_dir):
            if folder.is_dir():
                server.watch(str(folder))
        return server
