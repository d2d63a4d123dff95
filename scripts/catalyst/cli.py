"""The `catalyst` command: argument parsing and output only; the work is in the core."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from pathlib import Path

import click

from catalyst.cli_options import new_field_options
from catalyst.errors import CatalystError, ContentError, ProblemsError
from catalyst.site.serve import command as serve_command


def _settings(config_file: str):
    from catalyst.settings import load_settings

    return load_settings(config_file)


class _Catalyst(click.Group):
    """Turns the core's CatalystError into one clean message and exit code 1: the one place
    errors are shown (one with many problems lists each, then its summary)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ProblemsError as error:
            for problem in error.problems:
                show_problem(problem)
            raise click.ClickException(error.summary) from None
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


def _valid_library(settings, *, preview: bool = False):
    """The content, or its errors shown and exit 1: no email is made from broken content.
    With `preview`, the library's views include what is not live yet."""
    from catalyst.content import loader as content

    library, problems = content.load(settings, preview=preview)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise ContentError(errors, f"{len(errors)} error(s) in the content: fix them first")
    return library


LEVEL_COLOURS = {"error": "red", "warning": "yellow"}


def show_problem(problem) -> None:
    """`path:line: level: message`, the form editors' tools and CI annotate; coloured on a tty."""
    level = click.style(problem.level, fg=LEVEL_COLOURS[problem.level], bold=True)
    if not problem.path:  # a message no file can be named for
        click.echo(f"{level}: {problem.message}")
        return
    click.echo(f"{click.style(f'{problem.path}:{problem.line}:', bold=True)} {level}: "
               f"{problem.message}")


@main.command()
@click.option("--external", is_flag=True, help="Also fetch every outside link (needs network).")
@click.option("--release", is_flag=True,
              help="Before publishing: a placeholder in anything published is an error.")
@click.option("-q", "--quiet", is_flag=True, help="Show errors only, no warnings or summary.")
@click.option("-v", "--verbose", is_flag=True, help="Say what was checked.")
@click.pass_obj
def check(obj, external: bool, release: bool, quiet: bool, verbose: bool) -> None:
    """Check every file; list each problem as path:line: level: message.

    Exits 1 when there is an error; warnings (such as placeholders: example.org addresses,
    sample ids, placeholder images) exit 0, except with --release.
    """
    from catalyst import checks

    settings = _settings(obj["config_file"])
    with Progress("Checking outside links") as progress:
        problems = checks.run(settings, external=external, release=release,
                              progress=None if quiet else progress,
                              config_file=Path(obj["config_file"]))
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


# What `new --starts/--ends` read: a local time, or one with its offset.
@main.command()
@click.argument("kind", type=click.Choice(["post", "resource", "catalyzer", "issue"]))
@new_field_options
@click.pass_obj
def new(obj, kind: str, resource_kind: str | None, **values) -> None:
    """Scaffold a new KIND file with valid front matter and print its path.

    What is not given is asked for on a terminal, or left as a marked placeholder
    in a draft (`catalyst check` lists what is left to fill).
    """
    from catalyst.content import loader as content
    from catalyst.content import scaffold

    settings = _settings(obj["config_file"])
    values["kind"] = resource_kind
    if values.get("date"):
        values["date"] = values["date"].date()
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        for field in scaffold.FIELDS[kind]:
            if not values.get(field):
                label = field.replace("_", " ").capitalize()
                values[field] = click.prompt(label, default="", show_default=False) or None
    library, _ = content.load(settings, preview=True)  # "the latest issue" even if unsent
    path = scaffold.write(scaffold.plan(kind, values, library, settings))
    click.echo(path.relative_to(settings.root).as_posix())


@main.command()
@click.option("-d", "--site-dir", type=click.Path(file_okay=False), help="Where to write the site.")
@click.option("--preview", is_flag=True,
              help="Also show what is not live yet (future posts, unsent issues), marked "
                   "'Upcoming', into build/preview/: for looking at, never for deploying.")
@click.pass_obj
def build(obj, site_dir: str | None, preview: bool) -> None:
    """Build the whole site (strict, offline, no keys) into site/.

    Only what is live is in it: an issue from its send_at (or its month's first day), a
    post from its date, at the current UTC time or SOURCE_DATE_EPOCH when set.
    """
    import time

    from catalyst.site.build import BuildError, build_site

    started = time.perf_counter()
    target_dir = Path(site_dir) if site_dir else None
    if preview and target_dir is None:
        # Never into site/, which holds the site as it is published.
        target_dir = _settings(obj["config_file"]).build_dir / "preview"
    try:
        with Progress("Building the site") as progress:
            target = build_site(
                Path(obj["config_file"]), target_dir, progress=progress, preview=preview
            )
    except BuildError as error:
        error.summary += "; site/ is unchanged"
        raise
    what = "Preview (with what is upcoming)" if preview else "Site"
    click.echo(f"{what} built in {target} ({time.perf_counter() - started:.1f} s)")


main.add_command(serve_command)  # `catalyst serve`: the live preview (catalyst.site.serve)


class Progress:
    """A progress bar on a terminal's stderr, fed by the core's (done, total) callbacks."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty() or total <= 0:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


@main.command()
@click.argument("month")
@click.option("--screenshot", is_flag=True,
              help="Also render it in headless Chromium at 600px and 375px wide (PNGs beside it).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Where to write the files (default: build/email).")
@click.pass_obj
def email(obj, month: str, screenshot: bool, out_dir: str | None) -> None:
    """Render issue MONTH (YYYY-MM, `latest`, or `all`) as email: its HTML and text part,
    with sizes. `all` renders every issue in issues/, drafts and upcoming ones included (what
    the pull-request preview compares before and after a change)."""
    from catalyst.email import build as emails
    from catalyst.email.compose import month_named

    settings = _settings(obj["config_file"])
    # Any issue's email, live or not: it is for looking at before the push (`latest` is the
    # newest issue that is not a draft, sent or not).
    library = _valid_library(settings, preview=True)
    if month == "all":
        rendered = list(emails.build_all(settings, library, sorted(library.issues)).values())
        if not rendered:
            click.echo("No issues in issues/: no email written.", err=True)
    else:
        rendered = [emails.build(settings, library, month_named(settings, library, month))]
    for one in rendered:
        _budget_warning(settings, library, one)
    out = Path(out_dir) if out_dir else settings.build_dir / "email"
    for one in rendered:
        html_path, text_path = emails.write(one, out)
        for path in (html_path, text_path):
            click.echo(f"{_shown(path)}  {_size(path.stat().st_size)}")
        if screenshot:
            from catalyst.email import browser

            for path in browser.screenshots(html_path, settings):
                click.echo(f"{_shown(path)}  {_size(path.stat().st_size)}")


def _budget_warning(settings, library, rendered) -> None:
    """An email above email_warn_kb (one above email_max_kb never gets this far)."""
    from catalyst.email.budget import budget

    problem = budget(settings, library, rendered)
    if problem is not None:
        show_problem(problem)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB ({size} bytes)"


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter(f"{value!r} is not a month written YYYY-MM")
    return value


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


@main.command()
@click.argument("month", callback=lambda ctx, param, value: _month(value))
@click.option("--test", "test_emails", multiple=True, metavar="ADDR",
              help="Send a test email to ADDR (repeat it, or separate addresses with commas).")
@click.option("--schedule", is_flag=True,
              help="Schedule it at the issue's send_at, if Mailchimp's send checklist is ready.")
@click.option("--reschedule", is_flag=True,
              help="Let a scheduled campaign be unscheduled, updated and scheduled again.")
@click.option("--send-now", is_flag=True,
              help="Send it to the audience now (needs --yes and a test of this exact email).")
@click.option("--yes", is_flag=True, help="Confirm --send-now.")
@click.option("--dry-run", is_flag=True,
              help="Send no change: write the requests to build/outbox/MONTH/ instead.")
@click.option("--allow-placeholders", is_flag=True,
              help="Push even though the issue, its content or the settings hold placeholders.")
@click.pass_obj
def push(obj, month: str, test_emails: tuple[str, ...], schedule: bool, reschedule: bool,
         send_now: bool, yes: bool, dry_run: bool, allow_placeholders: bool) -> None:
    """Create or update issue MONTH's Mailchimp campaign; nothing is sent unless asked.

    The API key comes from MAILCHIMP_API_KEY only; without it this is a dry run.
    A placeholder (an example.org address, the sample ids, a placeholder image) in what it
    would send stops it, unless --allow-placeholders; a dry run only warns.
    """
    from catalyst.content import placeholders
    from catalyst.email import build as emails
    from catalyst.mailchimp import api as mailchimp_api
    from catalyst.mailchimp import push as mailchimp
    from catalyst.mailchimp.campaigns import campaign_title
    from catalyst.mailchimp.outbox import Outbox

    settings = _settings(obj["config_file"])
    library = _valid_library(settings)
    if month not in library.issues:
        raise click.ClickException(f"no issue {month} (issues/{month}.md)")
    email = emails.build(settings, library, month)
    _budget_warning(settings, library, email)
    found = placeholders.for_push(settings, library, month, Path(obj["config_file"]))
    options = mailchimp.PushOptions(
        test_emails=tuple(a.strip() for t in test_emails for a in t.split(",") if a.strip()),
        schedule=schedule, reschedule=reschedule, send_now=send_now, yes=yes,
    )
    live = mailchimp_api.connect(
        os.environ, on_retry=lambda message: click.echo(f"  retry: {message}", err=True)
    )
    _placeholder_gate(found, allowed=allow_placeholders or not live or dry_run)
    if live and not dry_run:
        api = live
        click.echo(f"Pushing {campaign_title(settings, month)} to {live.base_url}")
    else:
        api = Outbox(settings.build_dir / "outbox" / month, live)
        why = "--dry-run: only reads reach Mailchimp" if live else (
            f"no {mailchimp_api.API_KEY_VARIABLE}: nothing reaches Mailchimp")
        click.echo(f"Dry run ({why})")
    result = mailchimp.push(library.issues[month], email.html, email.text, settings, api,
                            options, on_step=lambda m: click.echo(f"  {m}"))
    _show_push(result, pending_id=mailchimp_api.PENDING_ID)


def _placeholder_gate(found: list, *, allowed: bool) -> None:
    """Before any request: placeholders refuse the push, or are said and let through."""
    for finding in found:
        problem = finding.problem(release=True)
        show_problem(problem if not allowed else dataclasses.replace(problem, level="warning"))
    if found and not allowed:
        raise click.ClickException(
            f"{len(found)} placeholder(s) in what this push would send (listed above): "
            "replace them, or add --allow-placeholders to push them anyway"
        )


def _show_push(result, *, pending_id: str) -> None:
    where = f"id {result.campaign_id}, status {result.status}"
    if result.campaign_id == pending_id:
        where = "not created (dry run)"
    if result.schedule_time:
        where += f" for {result.schedule_time:%Y-%m-%d %H:%M} UTC"
    click.echo(f"Campaign {result.title!r}: {where}")
    reads, writes = _count(result.reads, "read"), _count(result.writes, "write")
    click.echo(f"API calls: {len(result.requests)} ({reads}, {writes})")
    if result.outbox:
        folder = os.path.relpath(result.outbox)
        planned = len(list(result.outbox.glob("*.json")))
        click.echo(f"The {planned} requests it would make are in {folder}/")


@main.command()
@click.argument("month", callback=lambda ctx, param, value: _month(value))
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON.")
@click.pass_obj
def report(obj, month: str, as_json: bool) -> None:
    """How issue MONTH's campaign did: sends, opens, clicks, unsubscribes, top links."""
    from catalyst.mailchimp import api as mailchimp_api
    from catalyst.mailchimp.report import report as report_of

    settings = _settings(obj["config_file"])
    api = mailchimp_api.connect(os.environ)
    if api is None:
        raise click.ClickException(f"the report is read from Mailchimp: set "
                                   f"{mailchimp_api.API_KEY_VARIABLE}")
    result = report_of(month, settings, api)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    sent = f" (sent {result.send_time})" if result.send_time else ""
    click.echo(f"{result.title}{sent}")
    rows = [("Sends", result.sends, ""),
            ("Opens", result.opens, f"{result.open_rate:.1%}"),
            ("Clicks", result.clicks, f"{result.click_rate:.1%}"),
            ("Unsubscribes", result.unsubscribes, "")]
    for label, count, rate in rows:
        click.echo(f"  {label:<14}{count:>9,}  {rate:>6}".rstrip())
    if result.top_links:
        width = max(len(link.url) for link in result.top_links)
        click.echo(f"Top links{'':<{width - 7}}{'Clicks':>8}{'Unique':>8}")
        for link in result.top_links:
            click.echo(f"  {link.url:<{width}}{link.clicks:>8,}{link.unique_clicks:>8,}")


def run() -> None:
    """The console script's entry point."""
    main(prog_name="catalyst")


if __name__ == "__main__":
    run()
