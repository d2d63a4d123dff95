"""The `catalyst` command: argument parsing and output only; the work is in the core."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import CatalystError


def _settings(config_file: str):
    from .config import ConfigError, load_settings

    try:
        return load_settings(config_file)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="catalyst")
@click.option(
    "-f",
    "--config-file",
    default="mkdocs.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The project's mkdocs.yml.",
)
@click.pass_context
def main(ctx: click.Context, config_file: str) -> None:
    """Catalyst: the newsletter's site, email and Mailchimp campaign from Markdown."""
    ctx.obj = {"config_file": config_file}


@main.command()
@click.pass_obj
def check(obj) -> None:
    """Check every file; list each problem as path:line: level: message."""
    from . import check as checks

    problems = checks.run(_settings(obj["config_file"]))
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    summary = f"{errors} error(s), {warnings} warning(s)"
    click.echo(summary if problems else "All content is valid.", err=True)
    sys.exit(1 if errors else 0)


@main.command()
@click.option("-d", "--site-dir", type=click.Path(file_okay=False), help="Where to write the site.")
@click.pass_obj
def build(obj, site_dir: str | None) -> None:
    """Build the whole site (strict, offline, no keys) into site/."""
    from .site import build_site

    target = build_site(Path(obj["config_file"]), Path(site_dir) if site_dir else None)
    click.echo(f"Site built in {target}")


def run() -> None:
    try:
        main(standalone_mode=False)
    except CatalystError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
