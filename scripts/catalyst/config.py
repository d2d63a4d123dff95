"""Newsletter settings: the `catalyst` plugin's options in `mkdocs.yml`, and the environment.

The options are declared once, as MkDocs config options (`PluginConfig`), so MkDocs
validates them when it builds and `catalyst` validates them the same way when it reads
`mkdocs.yml` on its own (check, email, push). Secrets never live here: the API key is
read from the environment by the push alone.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class PluginConfig(Config):
    """The `catalyst` plugin's options, as written under `plugins: - catalyst:`."""

    newsletter_name = c.Type(str, default="Catalyst")
    issues_dir = c.Type(str, default="issues")
    templates_dir = c.Type(str, default="templates")
    build_dir = c.Type(str, default="build")
    # Mailchimp embedded form action: https://<dc>.list-manage.com/subscribe/post?u=...&id=...
    subscribe_url = c.Optional(c.URL())
    from_name = c.Type(str, default="Catalyst")
    reply_to = c.Type(str, default="")
    audience_id = c.Type(str, default="")
    segment_id = c.Optional(c.Type(int))
    tag = c.Optional(c.Type(str))
    utm_source = c.Type(str, default="catalyst")
    # Gmail clips messages over 102 KB: fail well before, warn before that.
    email_max_kb = c.Type(int, default=90)
    email_warn_kb = c.Type(int, default=75)
    # Postal address for the footer of the site copy (Mailchimp fills *|LIST:ADDRESSLINE|*).
    address = c.Type(str, default="")
    catalyzer_intro = c.Type(str, default="")
    # Same output, less work: see catalyst/fastblog.py. Off only to compare outputs.
    blog_speedups = c.Type(bool, default=True)
    # Unchanged pages come from build/cache/pages: see catalyst/incremental.py.
    page_cache = c.Type(bool, default=True)


@dataclass(frozen=True)
class Settings:
    """Everything the core needs to know about the project, as plain values."""

    root: Path
    site_url: str
    site_name: str
    docs_dir: Path
    issues_dir: Path
    templates_dir: Path
    build_dir: Path
    newsletter_name: str = "Catalyst"
    subscribe_url: str | None = None
    from_name: str = "Catalyst"
    reply_to: str = ""
    audience_id: str = ""
    segment_id: int | None = None
    tag: str | None = None
    utm_source: str = "catalyst"
    email_max_kb: int = 90
    email_warn_kb: int = 75
    address: str = ""
    use_directory_urls: bool = True
    extra: dict = field(default_factory=dict)

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

    @classmethod
    def from_config(cls, config, plugin: PluginConfig) -> Settings:
        """From a loaded MkDocs config and the plugin's validated options."""
        root = Path(config.config_file_path).resolve().parent
        site_url = config.site_url or "https://example.org/"
        return cls(
            root=root,
            site_url=site_url if site_url.endswith("/") else site_url + "/",
            site_name=config.site_name,
            docs_dir=Path(config.docs_dir).resolve(),
            issues_dir=(root / plugin.issues_dir).resolve(),
            templates_dir=(root / plugin.templates_dir).resolve(),
            build_dir=(root / plugin.build_dir).resolve(),
            newsletter_name=plugin.newsletter_name,
            subscribe_url=plugin.subscribe_url,
            from_name=plugin.from_name,
            reply_to=plugin.reply_to,
            audience_id=plugin.audience_id,
            segment_id=plugin.segment_id,
            tag=plugin.tag,
            utm_source=plugin.utm_source,
            email_max_kb=plugin.email_max_kb,
            email_warn_kb=plugin.email_warn_kb,
            address=plugin.address,
            use_directory_urls=config.use_directory_urls,
        )


class ConfigError(Exception):
    """mkdocs.yml cannot be read or its catalyst options are wrong."""


def load_settings(config_file: str | os.PathLike = "mkdocs.yml") -> Settings:
    """Read `mkdocs.yml` through MkDocs' own loader, without building anything."""
    from mkdocs import config as mkdocs_config
    from mkdocs.exceptions import ConfigurationError

    path = Path(config_file)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file (run catalyst from the project's top folder)")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    try:
        config = mkdocs_config.load_config(str(path))
    except ConfigurationError as error:
        raise ConfigError(f"{path}: {error}") from None
    plugin = config.plugins.get("catalyst")
    if plugin is None:
        raise ConfigError(f"{path}: the `catalyst` plugin is not listed under `plugins:`")
    return Settings.from_config(config, plugin.config)
