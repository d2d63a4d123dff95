"""The `catalyst` MkDocs plugin: a thin adapter from the core to MkDocs.

It loads and validates the content (a problem fails the build with `path:line`),
replaces the resource and catalyzer source files with the pages `pages.SitePages`
renders, adds the issue archive and one page per issue (placed in the nav under their
archive's tab), fills the home page's
generated block, and after the build writes each published issue's email beside its
page (`issues/YYYY-MM/email.html`). Everything it shows comes from the core; nothing
here renders.

Publishing follows the core's one rule (`publishing.live_at`) at the build's moment
(`publishing.build_now`): a post not live yet is left out before the blog and the feeds see
it. `mkdocs serve` and `catalyst build --preview` (`preview = True`) keep what is
upcoming and mark it. The RSS plugin is kept off the network and its channel dates
come from the content, so two builds of one commit give the same feeds.

It is also where the content HTML policy (`catalyst.safety`) meets MkDocs: every page's
front matter is HTML-escaped before the theme prints it, every page's HTML and every blog
excerpt is sanitised, and the blog's authors file is escaped. These run whether or not
`catalyst check` did.
"""

from __future__ import annotations

import logging
import os
import re
from email.utils import format_datetime
from pathlib import Path

import markupsafe
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from catalyst import safety
from catalyst.content import loader as content
from catalyst.email import ahead, images
from catalyst.email import build as emails
from catalyst.email.webcopy import write_site_copy
from catalyst.errors import ClockError, EmailError
from catalyst.settings import PluginConfig, Settings
from catalyst.site import blog_speedups, calendar, feeds, incremental, sharecard
from catalyst.site.pages import CATALYZERS_PAGE, ISSUES_PAGE, SUBSCRIBE_SLOT, SitePages

log = logging.getLogger("mkdocs.plugins.catalyst")
ARCHIVES = {"issues": ISSUES_PAGE, "catalyzers": CATALYZERS_PAGE}
_H1 = re.compile(r"^#[ \t]+\S.*$", re.MULTILINE)


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
        self._files: Files | None = None
        # (pages done, pages in all) after each page, for `catalyst build`'s progress bar.
        self.progress = None
        self._pages_done = self._pages_total = 0
        # Show what is upcoming too, marked (`catalyst build --preview`; `mkdocs serve`).
        self.preview = False
        self._serving = False
        self._posts: dict = {}
        self._speedups = False
        # The page cache's session for the build under way (site/incremental.py), or None;
        # under `catalyst serve`, what the site folder already holds (site/serve.py).
        self.incremental: incremental.Session | None = None
        self.written = None
        self._emails_ahead: ahead.Ahead | None = None

    # The hooks follow MkDocs' lifecycle: start-up, config, files, nav, env, each page, post
    # build (or build error), serve, shut-down. With on_startup and on_shutdown, MkDocs keeps
    # one instance of the plugin for the whole process (every `mkdocs serve` rebuild, every
    # build_site call): what one build is told stops with it (on_shutdown).
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
        self.settings = Settings.from_config(config, self.config)
        # Checked once a build: Material's own code runs if they do not fit it (one warning).
        self._speedups = self.settings.blog_speedups and blog_speedups.usable(log)
        try:
            library, problems = content.load(
                self.settings, preview=self.preview or self._serving
            )
        except ClockError as error:
            raise PluginError(str(error)) from None
        problems += safety.template_problems(self.settings, library)
        errors = [p for p in problems if p.level == "error"]
        for problem in problems:
            if problem.level == "warning":
                log.info(str(problem))
        if errors:
            listing = "\n".join(str(p) for p in errors)
            raise PluginError(f"the content has {len(errors)} problem(s):\n{listing}")
        self.library = library
        self.site_pages = SitePages(library, self.settings)
        self._posts = {self.settings.docs_uri(p.source): p for p in library.posts.values()}
        self._share_cards: dict[str, tuple[str, str]] = {}  # drawn after the build (sharecard)
        self.incremental = incremental.start(self)  # unchanged pages from build/cache/pages
        # Emails the cache lacks render on another core while the pages build (on_post_build).
        months = [issue.month for issue in library.published_issues()]
        self._emails_ahead = ahead.render_ahead(self.settings, library, months)
        return config

    # The blog plugin sorts its files at priority -50; ours go in before it looks.
    @event_priority(50)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        uri = self.settings.docs_uri
        # Resource and catalyzer files are data: their pages are generated from them.
        data = {uri(r.source) for r in self.library.resources.values()}
        data |= {uri(c.source) for c in self.library.catalyzers.values()}
        # A post that is not live yet is not on the site (a preview keeps it): gone before
        # the blog plugin lists it and the RSS plugin sees it. Drafts are the blog plugin's
        # (it leaves them out of a build and shows them, marked, in `mkdocs serve`).
        later = {
            uri
            for uri, post in self._posts.items()
            if not post.draft and not self.library.shown(post)
        }
        for file in list(files):
            if file.src_uri in data or file.src_uri in later:
                files.remove(file)
        for src_uri, markdown in self.site_pages.all().items():
            existing = files.get_file_from_path(src_uri)
            if existing is not None:
                files.remove(existing)
            inclusion = _inclusion(src_uri)
            files.append(File.generated(config, src_uri, content=markdown, inclusion=inclusion))
        # Each event's .ics, a file of the site: pages link to it and MkDocs checks the links.
        for src_uri, ics in calendar.calendar_files(self.settings, self.library).items():
            files.append(File.generated(config, src_uri, content=ics))
        self._files = files
        for blog in blog_speedups.blog_plugins(config):
            _escape_authors(blog)
        return files

    # After the blog plugin has resolved its posts (its on_nav runs at -50).
    @event_priority(-60)
    def on_nav(self, nav, *, config: MkDocsConfig, files: Files):
        if self._speedups:
            for blog in blog_speedups.blog_plugins(config):
                blog_speedups.speed_up_membership(blog)
        return nav

    # Every page's Markdown has been read (excerpts exist); no view is rendered yet.
    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        self._pages_done, self._pages_total = 0, len(files.documentation_pages())
        for blog in blog_speedups.blog_plugins(config):
            if self._speedups:
                blog_speedups.speed_up_excerpts(blog)
            _sanitise_excerpts(blog)
        self._tame_feeds(config)
        incremental.env_ready(self, env, config, files)
        return env

    def _tame_feeds(self, config: MkDocsConfig) -> None:
        """Two changes to mkdocs-rss-plugin (1.19 has no option for either), before its
        on_post_build writes the feeds:

        - no network: it asks an outside host for the size of each post image that is
          an absolute URL (HEAD, then GET, timeouts of 5 and 30 s). The size becomes 0,
          the RSS Advisory Board's value for a length that is not known.
        - reproducible: the channel's pubDate and lastBuildDate are the build's time; they
          become the newest post's publishing time, which only the content changes.
        """
        from mkdocs_rss_plugin.plugin import GitRssPlugin

        posts = self.library.published_posts()
        newest = max((self.library.live_at(p) for p in posts), default=None)
        for plugin in config.plugins.values():
            if not isinstance(plugin, GitRssPlugin) or not plugin.config.enabled:
                continue
            util = getattr(plugin, "util", None)
            if util is None or not hasattr(util, "get_remote_image_length"):
                raise PluginError(
                    "catalyst: this mkdocs-rss-plugin cannot be kept off the network "
                    "(no Util.get_remote_image_length): pin mkdocs-rss-plugin 1.19"
                )
            util.get_remote_image_length = _no_remote_image_length
            if newest is not None:
                stamp = format_datetime(newest)
                for feed in (plugin.feed_created, plugin.feed_updated):
                    feed.pubDate = feed.buildDate = stamp

    # Before the blog plugin (-50) makes excerpts that share the post's front matter.
    def on_page_markdown(self, markdown: str, *, page: Page, config, files) -> str:
        if not getattr(page, "_catalyst_escaped", False):
            refused = safety.escape_meta(page.meta)
            page._catalyst_escaped = True
            if refused:
                raise PluginError("\n".join(self._at(page, message) for message in refused))
        if page.file.src_uri == "index.md":
            return self.site_pages.expand_home(markdown, page.file.src_uri)
        post = self._posts.get(page.file.src_uri)
        if post is not None:
            # A share image of its own: the post's image, its first, or one drawn from its title.
            image, drawn = sharecard.choose(page.file.src_uri, page.meta, markdown)
            page.meta.setdefault("image", image)
            page.meta.setdefault("image_alt", str(markupsafe.escape(post.display_title)))
            if drawn:
                self._share_cards[image] = (post.display_title, f"{self.settings.site_name} blog")
            banner = self.site_pages.upcoming_banner(post)
            if banner:
                return _after_title(markdown, str(banner))
        return markdown

    # Before the RSS plugin (-75) reads the HTML for its feeds.
    def on_page_content(self, html: str, *, page: Page, config, files) -> str:
        html = safety.clean(html)
        if page.file.src_uri == "index.md":
            html = html.replace(SUBSCRIBE_SLOT, self.site_pages.subscribe_form(), 1)
        return html

    def _at(self, page: Page, message: str) -> str:
        """`path:line: error: message` for a front-matter key of a page's source file."""
        path = page.file.abs_src_path
        if not path:
            return f"{page.file.src_uri}:1: error: {message}"
        key = message.split(":", 1)[0]
        try:
            shown = Path(path).resolve().relative_to(self.settings.root).as_posix()
        except ValueError:
            shown = page.file.src_uri
        line = 1
        with open(path, encoding="utf-8", errors="replace") as source:
            for number, text in enumerate(source, 1):
                if text.startswith(f"{key}:"):
                    line = number
                    break
        return f"{shown}:{line}: error: {message}"

    # A page per issue and catalyzer is left out of the nav: every page of the site renders
    # the whole nav, so 240 more entries cost 40% of a ten-year build. Their archive page is
    # marked active while they render instead, so their tab still shows as the current one.
    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        archive = self._archive_of(page)
        if archive is not None:
            archive.active = True
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        # Every local image of the page (theme's too) gets its width and height: nothing jumps
        # while images load.
        output = images.with_dimensions(output, page.url, self.settings.docs_dir)
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

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        incremental.finish(self)
        # Unchanged issues come from the email cache, so `mkdocs serve` reloads stay quick.
        months = [issue.month for issue in self.library.published_issues()]
        self._stop_emails_ahead(wait=True)
        try:
            rendered = emails.build_all(self.settings, self.library, months)
            for email in rendered.values():
                write_site_copy(email, self.settings, config.site_dir)
                # The email's prepared images, where its addresses point (email.images).
                images.publish(self.settings, [i[1] for i in email.images], config.site_dir)
            sharecard.publish(self.settings, self._share_cards, config.site_dir)
            feeds.write(self.settings, self.library, rendered, config.site_dir)
        except EmailError as error:
            raise PluginError(str(error)) from None
        log.debug("catalyst: wrote %d email copies", len(rendered))

    def on_build_error(self, *, error: Exception) -> None:
        if self.incremental is not None:
            self.incremental.ahead.stop()
        self.incremental = None
        self._stop_emails_ahead(wait=False)

    def _stop_emails_ahead(self, *, wait: bool) -> None:
        emails_ahead, self._emails_ahead = self._emails_ahead, None
        if emails_ahead is not None:
            emails_ahead.wait() if wait else emails_ahead.cancel()

    def on_serve(self, server, *, config, builder):
        # Issues and templates live outside docs_dir: reload the preview when they change.
        for folder in (self.settings.issues_dir, self.settings.templates_dir):
            if folder.is_dir():
                server.watch(str(folder))
        return server

    def on_shutdown(self) -> None:
        self._stop_emails_ahead(wait=False)
        self.preview = False
        self.progress = None


def _no_remote_image_length(image_url: str, *args, **kwargs) -> int:
    """mkdocs-rss-plugin's remote image size, without asking the image's host."""
    return 0


def _after_title(markdown: str, block: str) -> str:
    """`block` as a paragraph right under the page's `# Title` (MkDocs and the blog take
    the title from a first-line heading), or first when there is none."""
    heading = _H1.search(markdown)
    if heading is None:
        return f"{block}\n\n{markdown}"
    at = heading.end()
    rest = markdown[at:].lstrip("\n")
    return f"{markdown[:at]}\n\n{block}\n\n{rest}"


def _sanitise_excerpts(blog_plugin) -> None:
    """Sanitise each excerpt as it is rendered: the blog's views print them as they are."""
    for post in getattr(getattr(blog_plugin, "blog", None), "posts", []):
        excerpt = getattr(post, "excerpt", None)
        if excerpt is None or getattr(excerpt, "_catalyst_clean", False):
            continue
        render = excerpt.render

        def clean_render(page, separator, _excerpt=excerpt, _render=render):
            _render(page, separator)
            _excerpt.content = safety.clean(_excerpt.content)
            if _excerpt.more:
                _excerpt.more = safety.clean(_excerpt.more)

        excerpt.render = clean_render
        excerpt._catalyst_clean = True


def _escape_authors(blog_plugin) -> None:
    """The authors file is content too: names and descriptions are printed raw by the
    theme, and avatars and links must not use a scheme outside the policy."""
    for key, author in (getattr(blog_plugin, "authors", None) or {}).items():
        if getattr(author, "_catalyst_escaped", False):
            continue
        for name in ("name", "description"):
            value = author.get(name)
            if isinstance(value, str):
                author[name] = safety.escape_text(value)
        for name in ("avatar", "url"):
            value = author.get(name)
            if isinstance(value, str) and not safety.safe_url(value):
                log.warning(f"blog authors: {key}.{name}: {value!r} is not an allowed URL: ignored")
                author[name] = "#" if name == "url" else ""
        author._catalyst_escaped = True
