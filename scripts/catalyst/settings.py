"""The project's settings: the `catalyst` plugin's options in `mkdocs.yml`, declared once.

Each option is declared once, as a field of `Settings` carrying its MkDocs config option;
`PluginConfig` (what MkDocs validates when it builds) is made from those fields, so MkDocs
and `catalyst` (check, email, push: `load_settings`) validate the same options the same way.
Secrets never live here: the API key is read from the environment by the push alone.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config

from catalyst import urls
from catalyst.errors import ConfigError


def _option(option: c.BaseConfigOption, *, folder: bool = False):
    """A plugin option: its MkDocs declaration; `folder` options become absolute Paths."""
    return dataclasses.field(default=option.default, metadata={"option": option, "folder": folder})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the core needs to know about the project, as plain values."""

    # From MkDocs' own settings.
    root: Path
    site_url: str
    site_name: str
    docs_dir: Path
    use_directory_urls: bool = True
    # The blog plugin's `categories_allowed` (empty: any category).
    blog_categories: tuple[str, ...] = ()
    # Where the blog plugin puts a post's page, from its URL options (see catalyst.urls).
    post_template: str = urls.post_template({})
    # The plugin's options, as written under `plugins: - catalyst:`.
    newsletter_name: str = _option(c.Type(str, default="Catalyst"))
    issues_dir: Path = _option(c.Type(str, default="issues"), folder=True)
    templates_dir: Path = _option(c.Type(str, default="templates"), folder=True)
    build_dir: Path = _option(c.Type(str, default="build"), folder=True)
    # Mailchimp embedded form action: https://<dc>.list-manage.com/subscribe/post?u=...&id=...
    subscribe_url: str | None = _option(c.Optional(c.URL()))
    from_name: str = _option(c.Type(str, default="Catalyst"))
    reply_to: str = _option(c.Type(str, default=""))
    audience_id: str = _option(c.Type(str, default=""))
    segment_id: int | None = _option(c.Optional(c.Type(int)))
    tag: str | None = _option(c.Optional(c.Type(str)))
    utm_source: str = _option(c.Type(str, default="catalyst"))
    # Gmail clips messages over 102 KB: fail well before, warn before that.
    email_max_kb: int = _option(c.Type(int, default=90))
    email_warn_kb: int = _option(c.Type(int, default=75))
    # Prepared email images (catalyst.email.images): each, and all of one email's together.
    email_image_max_kb: int = _option(c.Type(int, default=150))
    email_images_max_kb: int = _option(c.Type(int, default=600))
    # Postal address for the footer of the site copy (Mailchimp fills *|LIST:ADDRESSLINE|*).
    address: str = _option(c.Type(str, default=""))
    # Same output, less work: see catalyst/site/blog_speedups.py. Off only to compare outputs.
    blog_speedups: bool = _option(c.Type(bool, default=True))
    # Unchanged pages come from build/cache/pages: see catalyst/site/incremental.py.
    page_cache: bool = _option(c.Type(bool, default=True))
    # A cold `catalyst build` of at least this many pages forks a copy that does pages from the
    # last one back on a second core: see catalyst/site/pages_ahead.py. 0: never.
    pages_ahead: int = _option(c.Type(int, default=200))

    @functools.cached_property
    def _docs_prefix(self) -> str:
        try:
            return self.docs_dir.relative_to(self.root).as_posix() + "/"
        except ValueError:
            return ""

    def docs_uri(self, source: str) -> str:
        """A loader's `source` (a path from the project's root) as a path inside docs_dir:
        how MkDocs names the file. String work: it runs for every file of the library."""
        return source.removeprefix(self._docs_prefix) if self._docs_prefix else source

    def shown(self, path: str | os.PathLike) -> str:
        """`path` as editors know it: from the project's root when it is inside, else whole.
        Links are followed only when the path as given is not inside: a broken one (a loop)
        is still named."""
        path = Path(path)
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError, RuntimeError):
            return path.as_posix()

    @classmethod
    def from_config(cls, config, plugin: Config) -> Settings:
        """From a loaded MkDocs config and the plugin's validated options."""
        root = Path(config.config_file_path).resolve().parent
        site_url = config.site_url or "https://example.org/"
        blog = config.plugins.get("material/blog")
        categories = tuple(blog.config.categories_allowed or ()) if blog is not None else ()
        blog_urls = {k: blog.config.get(k) for k in urls.BLOG_DEFAULTS} if blog else {}
        options = {}
        for item in OPTIONS:
            value = plugin[item.name]
            options[item.name] = (root / value).resolve() if item.metadata["folder"] else value
        return cls(
            root=root,
            site_url=site_url if site_url.endswith("/") else site_url + "/",
            site_name=config.site_name,
            docs_dir=Path(config.docs_dir).resolve(),
            use_directory_urls=config.use_directory_urls,
            blog_categories=categories,
            post_template=urls.post_template(blog_urls),
            **options,
        )


OPTIONS = tuple(f for f in dataclasses.fields(Settings) if "option" in f.metadata)
# What MkDocs validates under `plugins: - catalyst:`, made from the fields above.
PluginConfig = type(
    "PluginConfig",
    (Config,),
    {"__module__": __name__, **{f.name: f.metadata["option"] for f in OPTIONS}},
)


def load_settings(config_file: str | os.PathLike = "mkdocs.yml") -> Settings:
    """Read `mkdocs.yml` through MkDocs' own loader, without building anything."""
    from catalyst.config_problems import ConfigProblems, load_config

    path = Path(config_file)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file (run catalyst from the project's top folder)")
    try:
        config, warnings = load_config(path)
    except ConfigProblems as error:  # each at its line of mkdocs.yml
        raise ConfigError(str(error)) from None
    for warning in warnings:  # e.g. an unknown option: said, as MkDocs says it
        logging.getLogger("catalyst").warning(str(warning))
    plugin = config.plugins.get("catalyst")
    if plugin is None:
        raise ConfigError(f"{path}: the `catalyst` plugin is not listed under `plugins:`")
    return Settings.from_config(config, plugin.config)
