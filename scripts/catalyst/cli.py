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


class _Catalyst(click.Group):
    """Turns the core's CatalystError into one clean message and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CatalystError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Catalyst, context_settings={"help_option_names": ["-h", "--help"]})
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


LEVEL_COLOURS = {"error": "red", "warning": "yellow"}


def show_problem(problem) -> None:
    """`path:line: level: message`, the form editors' tools and CI annotate; coloured on a tty."""
    level = click.style(problem.level, fg=LEVEL_COLOURS[problem.level], bold=True)
    click.echo(f"{click.style(f'{problem.path}:{problem.line}:', bold=True)} {level}: "
               f"{problem.message}")


@main.command()
@click.option("--external", is_flag=True, help="Also fetch every outside link (needs network).")
@click.option("-q", "--quiet", is_flag=True, help="Show errors only, no warnings or summary.")
@click.option("-v", "--verbose", is_flag=True, help="Say what was checked.")
@click.pass_obj
def check(obj, external: bool, quiet: bool, verbose: bool) -> None:
    """Check every file; list each problem as path:line: level: message.

    Exits 1 when there is an error; warnings (such as placeholders in drafts) exit 0.
    """
    from . import check as checks

    settings = _settings(obj["config_file"])
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet or total == 0:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Checking outside links", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    problems = checks.run(settings, external=external, progress=progress)
    errors = [p for p in problems if p.level == "error"]
    for problem in errors if quiet else problems:
        show_problem(problem)
    if verbose:
        files = checks.source_files(settings)
        click.echo(f"Checked {len(files)} files" + (" and outside links" if external else ""),
                   err=True)
    if not quiet:
        warnings = len(problems) - len(errors)
        summary = f"{len(errors)} error(s), {warnings} warning(s)"
        click.echo(summary if problems else "All content is valid.", err=True)
    sys.exit(1 if errors else 0)


@main.command()
@click.argument("kind", type=click.Choice(["post", "resource", "catalyzer", "issue"]))
@click.option("--title", help="Title (post, resource, issue).")
@click.option("--name", help="The catalyzer's name.")
@click.option("--kind", "resource_kind", help="Resource kind, e.g. video, article.")
@click.option("--url", help="The resource's outside link.")
@click.option("--post", help="The resource's blog post, by slug.")
@click.option("--summary", help="The resource's summary.")
@click.option("--description", help="The post's description.")
@click.option("--author", help="The post's author key (content/blog/.authors.yml).")
@click.option("--category", help="The post's category.")
@click.option("--role", help="The catalyzer's role.")
@click.option("--organization", help="The catalyzer's organization.")
@click.option("--location", help="The catalyzer's place, e.g. 'Muhlenberg County, KY'.")
@click.option("--month", help="YYYY-MM: the catalyzer's or the issue's month.")
@click.option("--subject", help="The issue's subject line.")
@click.option("--preview-text", help="The issue's preview text.")
@click.pass_obj
def new(obj, kind: str, resource_kind: str | None, **values) -> None:
    """Scaffold a new KIND file with valid front matter and print its path.

    What is not given is asked for on a terminal, or left as a marked placeholder
    in a draft (`catalyst check` lists what is left to fill).
    """
    from . import content, scaffold

    settings = _settings(obj["config_file"])
    values["kind"] = resource_kind
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        for field in scaffold.FIELDS[kind]:
            if not values.get(field):
                label = field.replace("_", " ").capitalize()
                values[field] = click.prompt(label, default="", show_default=False) or None
    library, _ = content.load(settings)
    path = scaffold.write(scaffold.plan(kind, values, library, settings))
    click.echo(path.relative_to(settings.root).as_posix())


@main.command()
@click.option("-d", "--site-dir", type=click.Path(file_okay=False), help="Where to write the site.")
@click.pass_obj
def build(obj, site_dir: str | None) -> None:
    """Build the whole site (strict, offline, no keys) into site/."""
    from .site import build_site

    target = build_site(Path(obj["config_file"]), Path(site_dir) if site_dir else None)
    click.echo(f"Site built in {target}")


def run() -> None:
    """The console script's entry point."""
    main(prog_name="catalyst")
