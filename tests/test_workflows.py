"""The GitHub workflows and the pre-commit hooks: valid, safe, and doing what the README says.

Steps are not only read: their `run` scripts are replayed here under the shell the workflow
declares, as GitHub would run them (https://docs.github.com/en/actions/reference/
workflow-syntax-for-github-actions#defaultsrunshell), against real and broken copies of the
project.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import copy_project

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
# How GitHub runs a `run` script on Linux: `shell: bash`, and no shell named at all.
GITHUB_SHELLS = {
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
    None: ["bash", "-e"],
}
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")


def tool(name: str) -> str:
    found = shutil.which(name) or str(BIN / name)
    assert Path(found).is_file(), f"{name} is missing: pip install -e '.[test]'"
    return found


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github/workflows" / name).read_text())


def jobs_and_steps():
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        for job_name, job in workflow["jobs"].items():
            for step in job["steps"]:
                yield path.name, workflow, job_name, job, step


def step_named(workflow: dict, job: str, name: str) -> dict:
    return next(s for s in workflow["jobs"][job]["steps"] if s.get("name") == name)


def shell_of(workflow: dict, job: str, step: dict) -> str | None:
    """The shell GitHub runs `step` with: its own, else the job's default, else the workflow's."""
    return (
        step.get("shell")
        or workflow["jobs"][job].get("defaults", {}).get("run", {}).get("shell")
        or workflow.get("defaults", {}).get("run", {}).get("shell")
    )


def replay(script: str, shell: str | None, cwd: Path, tmp_path: Path, **env: str):
    """Run a step's script as GitHub would: written to a file, run by the declared shell."""
    file = tmp_path / f"step-{len(list(tmp_path.glob('step-*')))}.sh"
    file.write_text(script)
    return subprocess.run(
        [*GITHUB_SHELLS[shell], str(file)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env},
    )


def broken_project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project")
    issue = project / "issues/2023-06.md"
    issue.write_text(
        issue.read_text().replace(
            "      - leading-the-way-to-trust-and-connectedness\n",
            "      - leading-the-way\n",
        )
    )
    return project


# ------------------------------------------------------------------ linters


def test_every_workflow_passes_actionlint():
    assert len(WORKFLOWS) == 3
    result = subprocess.run(
        [tool("actionlint"), "-color=false", *map(str, WORKFLOWS)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_fail_on_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github/workflows/broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.nope.value }}\n")
    result = subprocess.run([tool("actionlint"), "-color=false", str(broken)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.yml:6" in result.stdout


def zizmor(folder: Path) -> list[dict]:
    # Offline (no audit that needs GitHub), pedantic (code smells count too), and no config
    # file: a finding can only be silenced by a `# zizmor: ignore[...]` comment beside it.
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-config", "--persona", "pedantic",
         "--format", "json", "--no-progress", str(folder)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def test_zizmor_finds_nothing_in_the_workflows():
    findings = [f for f in zizmor(ROOT / ".github/workflows") if not f.get("ignored")]
    where = [
        (f["ident"], f["locations"][0]["concrete"]["location"]["start_point"]["row"] + 1,
         f["locations"][0]["concrete"]["feature"].strip())
        for f in findings
    ]
    assert where == []


def test_zizmor_does_find_what_the_workflows_used_to_do(tmp_path):
    old = tmp_path / ".github/workflows/old.yml"
    old.parent.mkdir(parents=True)
    old.write_text(
        "name: old\non: pull_request\npermissions:\n  contents: read\n  pages: write\n"
        "jobs:\n  x:\n    name: x\n    runs-on: ubuntu-latest\n    env:\n"
        "      MAILCHIMP_API_KEY: ${{ secrets.MAILCHIMP_API_KEY }}\n    steps:\n"
        "      - uses: actions/checkout@v5\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    found = {f["ident"] for f in zizmor(tmp_path / ".github/workflows")}
    assert {"unpinned-uses", "template-injection", "artipacked"} <= found


# ------------------------------------------------------------------ every step fails on a failure


def test_every_run_step_is_bash_with_errexit_and_pipefail():
    runs = [(name, job, step) for name, workflow, job, _, step in jobs_and_steps() if "run" in step]
    assert len(runs) >= 12
    for name, job, step in runs:
        workflow = load(name)
        assert shell_of(workflow, job, step) == "bash", f"{name} {job}: {step.get('name')}"


def test_the_pull_request_check_step_fails_on_a_content_error(tmp_path):
    workflow = load("pull-request.yml")
    step = step_named(workflow, "check", "Check the content")
    assert "catalyst check | tee check.txt" in step["run"]
    project = broken_project(tmp_path)
    result = replay(step["run"], shell_of(workflow, "check", step), project, tmp_path)
    assert "issues/2023-06.md:" in result.stdout and ": error: " in result.stdout
    assert result.returncode != 0, "the step passed although catalyst check failed"
    # And the check's output is kept for the summary step, as it was printed.
    assert ": error: " in (project / "check.txt").read_text()


def test_under_githubs_default_shell_the_same_step_would_have_passed(tmp_path):
    # The workflow before this fix: no shell named, so `bash -e` without pipefail, and
    # `catalyst check | tee` ends with tee's exit status. This is what the test above catches.
    step = step_named(load("pull-request.yml"), "check", "Check the content")
    project = broken_project(tmp_path)
    result = replay(step["run"], None, project, tmp_path)
    assert ": error: " in result.stdout
    assert result.returncode == 0


@pytest.mark.parametrize(
    ("allow", "called"),
    [("", "check --release"), ("false", "check --release"), ("true", "check")],
)
def test_the_deploy_check_refuses_placeholders_unless_the_variable_allows_them(
    allow, called, tmp_path
):
    # Only the wiring: a stand-in `catalyst` records how it was called (the --release flag
    # itself belongs to the check).
    workflow = load("deploy.yml")
    step = step_named(workflow, "build", "Check the content")
    assert step["env"] == {"ALLOW_PLACEHOLDERS": "${{ vars.CATALYST_ALLOW_PLACEHOLDERS }}"}
    fake = tmp_path / "bin" / "catalyst"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "$*" >> "$CALLS"\nexit "${FAKE_EXIT:-0}"\n')
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    path = f"{fake.parent}{os.pathsep}{os.environ['PATH']}"
    shell = shell_of(workflow, "build", step)
    passed = replay(step["run"], shell, tmp_path, tmp_path, ALLOW_PLACEHOLDERS=allow,
                    CALLS=str(calls), PATH=path)
    assert passed.returncode == 0, passed.stderr
    assert calls.read_text().splitlines() == [called]
    failed = replay(step["run"], shell, tmp_path, tmp_path, ALLOW_PLACEHOLDERS=allow,
                    CALLS=str(calls), PATH=path, FAKE_EXIT="1")
    assert failed.returncode == 1


# ------------------------------------------------------------------ security


def test_every_action_is_pinned_by_commit_with_its_release_in_a_comment():
    uses = [
        line
        for path in WORKFLOWS
        for line in path.read_text().splitlines()
        if re.match(r"^\s*(-\s+)?uses:", line)
    ]
    assert len(uses) >= 9
    for line in uses:
        assert PINNED.match(line), f"not pinned by commit, with '# vX.Y.Z': {line.strip()}"
    # One commit per action across the workflows: no two releases of one action.
    pins: dict[str, set[str]] = {}
    for line in uses:
        action, sha, _ = PINNED.match(line).groups()
        pins.setdefault(action, set()).add(sha)
    assert all(len(shas) == 1 for shas in pins.values()), pins


def test_permissions_are_granted_per_job_and_only_the_deploy_job_writes():
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            granted = job["permissions"]
            writes = {scope for scope, level in granted.items() if level == "write"}
            if (path.name, name) == ("deploy.yml", "deploy"):
                assert granted == {"pages": "write", "id-token": "write"}
            else:
                assert writes == set(), f"{path.name} {name}: {writes}"
                assert granted == {"contents": "read"}, f"{path.name} {name}"


def test_the_mailchimp_key_is_given_to_the_one_step_that_pushes():
    holders = []
    for name, workflow, job_name, job, step in jobs_and_steps():
        assert "MAILCHIMP_API_KEY" not in workflow.get("env", {}), name
        assert "MAILCHIMP_API_KEY" not in job.get("env", {}), f"{name} {job_name}"
        if "MAILCHIMP_API_KEY" in step.get("env", {}):
            holders.append((name, step))
    [(name, step)] = holders
    assert name == "mailchimp.yml"
    assert step["env"]["MAILCHIMP_API_KEY"] == "${{ secrets.MAILCHIMP_API_KEY }}"
    assert "catalyst push" in step["run"] and "pip" not in step["run"]


def test_no_expression_is_expanded_inside_a_run_script():
    # Values reach scripts through `env:`, so text from a pull request is never shell code.
    for name, _, job, _, step in jobs_and_steps():
        assert "${{" not in step.get("run", ""), f"{name} {job}: {step.get('name')}"


def unquoted_variable(line: str) -> bool:
    """Whether a shell line uses $NAME or ${NAME} outside double quotes ($((...)) aside)."""
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)  # drop double-quoted strings
    outside = re.sub(r"'[^']*'", "''", outside)
    outside = re.sub(r"\$\(\(.*?\)\)", "", outside)
    return re.search(r"\$\{?[A-Za-z_]", outside) is not None


def test_every_variable_in_a_run_script_is_quoted():
    assert unquoted_variable("for address in $TEST_EMAILS; do")  # the old mailchimp step
    assert not unquoted_variable('echo "| ${month} | $((html / 1024)) KB |" >> "$OUT"')
    for name, _, job, _, step in jobs_and_steps():
        for line in step.get("run", "").splitlines():
            assert not unquoted_variable(line), f"{name} {job}: {line.strip()}"


# ------------------------------------------------------------------ what each workflow does


def test_pull_requests_check_build_test_and_upload_the_site():
    workflow = load("pull-request.yml")
    assert list(workflow[True]) == ["pull_request"]  # PyYAML reads the key `on` as True
    steps = workflow["jobs"]["check"]["steps"]
    runs = [step.get("run", "") for step in steps]
    check = next(i for i, r in enumerate(runs) if "catalyst check" in r)
    build = next(i for i, r in enumerate(runs) if r.strip() == "catalyst build")
    tests = next(i for i, r in enumerate(runs) if r.startswith("pytest"))
    assert check < build < tests
    assert runs[tests] == 'pytest -q -m "not browser"'
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "site" and upload["with"]["path"] == "site/"
    assert steps.index(upload) > build


def test_the_preview_compares_every_issue_before_and_after_and_screenshots_the_changed():
    workflow = load("pull-request.yml")
    steps = workflow["jobs"]["preview"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # the base commit is there to build
    base = step_named(workflow, "preview", "Build every issue's email at the base")
    # The checkout of a pull request is its merge into the base: the first parent is the base.
    assert workflow["jobs"]["preview"]["steps"][0]["uses"].startswith("actions/checkout@")
    assert "ref" not in steps[0]["with"]
    assert 'git worktree add --detach "$BASE_TREE" HEAD^1' in base["run"]
    assert '"$BASE_VENV/bin/catalyst" email all' in base["run"]
    head = step_named(workflow, "preview", "Build every issue's email with the change")
    assert head["run"] == 'catalyst email all -o "$RUNNER_TEMP/emails/head"'
    shots = step_named(workflow, "preview", "Screenshot the emails that change")
    assert shots["env"] == {"MONTHS": "${{ steps.changed.outputs.months }}"}
    upload = steps[-1]
    assert "build/email/*.png" in upload["with"]["path"]


def test_main_and_every_morning_deploy_to_pages():
    deploy = load("deploy.yml")
    assert deploy[True]["push"]["branches"] == ["main"]
    [schedule] = deploy[True]["schedule"]
    minute, hour, *every = schedule["cron"].split()
    assert every == ["*", "*", "*"] and 0 <= int(hour) < 24 and 0 <= int(minute) < 60
    steps = deploy["jobs"]["deploy"]["steps"]
    assert steps[-1]["uses"].startswith("actions/deploy-pages@")
    build = [s.get("run", "") for s in deploy["jobs"]["build"]["steps"]]
    assert build.index("catalyst build") > next(
        i for i, r in enumerate(build) if "catalyst check --release" in r
    )


PUSH_STEP = "Push the campaign, send the test emails, then schedule if asked"


def test_mailchimp_is_by_hand_only_and_tests_before_it_schedules():
    push = load("mailchimp.yml")
    assert list(push[True]) == ["workflow_dispatch"]
    assert push[True]["workflow_dispatch"]["inputs"]["month"]["required"] is True
    step = step_named(push, "push", PUSH_STEP)
    script = step["run"]
    assert script.index('catalyst push "$MONTH" "${args[@]}"') < script.index("--schedule")


def test_the_mailchimp_step_passes_each_test_address_and_schedules_only_when_asked(tmp_path):
    workflow = load("mailchimp.yml")
    step = step_named(workflow, "push", PUSH_STEP)
    fake = tmp_path / "bin" / "catalyst"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done >> "$CALLS"\n'
                    'echo >> "$CALLS"\n')
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    run = dict(CALLS=str(calls), PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}",
               MONTH="2023-06", TEST_EMAILS="a@example.org  b@example.org *", SCHEDULE="false")
    result = replay(step["run"], shell_of(workflow, "push", step), tmp_path, tmp_path, **run)
    assert result.returncode == 0, result.stderr
    # Split on spaces, never globbed: `*` stays `*` (and is then refused by catalyst).
    assert calls.read_text().splitlines() == [
        "[push][2023-06][--test][a@example.org][--test][b@example.org][--test][*]"
    ]
    calls.unlink()
    result = replay(step["run"], "bash", tmp_path, tmp_path, **{**run, "SCHEDULE": "true"})
    assert calls.read_text().splitlines()[-1] == "[push][2023-06][--schedule]"
    calls.unlink()
    allowed = {**run, "SCHEDULE": "true", "ALLOW_PLACEHOLDERS": "true"}
    result = replay(step["run"], "bash", tmp_path, tmp_path, **allowed)
    assert calls.read_text().splitlines() == [
        "[push][2023-06][--allow-placeholders][--test][a@example.org][--test][b@example.org]"
        "[--test][*]",
        "[push][2023-06][--schedule][--allow-placeholders]",
    ]
    bad = replay(step["run"], "bash", tmp_path, tmp_path, **{**run, "MONTH": "2023-6; rm x"})
    assert bad.returncode == 1 and "must be written YYYY-MM" in bad.stdout


# ------------------------------------------------------------------ the preview, replayed


def _two_issues(root: Path) -> Path:
    """The project with a second issue, 2023-07, like June's with its own letter."""
    project = copy_project(root)
    june = (project / "issues/2023-06.md").read_text()
    july = june.replace("month: 2023-06", "month: 2023-07", 1).replace(
        "    heading: Learner-Centered Catalyzer\n",
        "    heading: Learner-Centered Catalyzer\n    catalyzer: contessa-orr\n",
        1,
    )
    (project / "issues/2023-07.md").write_text(july)
    return project


def _emails(project: Path, out: Path) -> None:
    result = subprocess.run(
        [tool("catalyst"), "email", "all", "-o", str(out)],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


CHANGES = {
    "nothing": (lambda p: None, []),
    "the email's CSS": (
        lambda p: _edit(p / "templates/email/email.css", ".bg-card { background-color: #ffffff; }",
                        ".bg-card { background-color: #fffffe; }"),
        ["2023-06", "2023-07"],
    ),
    # premailer drops a rule that matches nothing: no email changes, none is previewed.
    "a CSS rule no email uses": (
        lambda p: (p / "templates/email/email.css").write_text(
            (p / "templates/email/email.css").read_text() + "\n.unused { color: #123456; }\n"
        ),
        [],
    ),
    # The text part only: the HTML is the same.
    "the text template": (
        lambda p: _edit(p / "templates/email/issue.txt.j2", "View this email in your browser:",
                        "Read this email in your browser:"),
        ["2023-06", "2023-07"],
    ),
    "a setting in mkdocs.yml": (
        lambda p: _edit(p / "mkdocs.yml", "utm_source: catalyst", "utm_source: newsletter"),
        ["2023-06", "2023-07"],
    ),
    "a featured resource": (
        lambda p: _edit(
            p / "content/resources/leading-the-way-to-trust-and-connectedness.md",
            "Earlier this spring", "Last spring",
        ),
        ["2023-06", "2023-07"],
    ),
    "one issue's letter": (
        lambda p: _edit(p / "issues/2023-07.md", "social connectedness", "belonging"),
        ["2023-07"],
    ),
    "a new issue": (
        lambda p: (p / "issues/2023-08.md").write_text(
            (p / "issues/2023-07.md").read_text().replace("month: 2023-07", "month: 2023-08")
        ),
        ["2023-08"],
    ),
}


@pytest.fixture(scope="module")
def base_emails(tmp_path_factory):
    runner_temp = tmp_path_factory.mktemp("runner")
    _emails(_two_issues(tmp_path_factory.mktemp("base") / "project"),
            runner_temp / "emails" / "base")
    return runner_temp / "emails" / "base"


@pytest.mark.slow  # two emails built per change, in a fresh process each
@pytest.mark.parametrize("change", CHANGES)
def test_the_preview_finds_every_month_whose_email_a_change_touches(change, base_emails, tmp_path):
    edit, expected = CHANGES[change]
    project = _two_issues(tmp_path / "head")
    edit(project)
    runner_temp = tmp_path / "runner"
    shutil.copytree(base_emails, runner_temp / "emails" / "base")
    _emails(project, runner_temp / "emails" / "head")
    workflow = load("pull-request.yml")
    step = step_named(workflow, "preview", "Find the emails that change")
    output = tmp_path / "github-output"
    result = replay(step["run"], shell_of(workflow, "preview", step), project, tmp_path,
                    RUNNER_TEMP=str(runner_temp), GITHUB_OUTPUT=str(output))
    assert result.returncode == 0, result.stderr
    [line] = output.read_text().splitlines()
    assert line.removeprefix("months=").split() == expected


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.mark.slow  # a git repository, a merge and each month's email built on its own
@pytest.mark.parametrize("base_knows_all", [True, False])
def test_the_base_emails_are_built_from_the_merge_commits_first_parent(base_knows_all, tmp_path):
    # A pull request's checkout: the change merged into its base. A stand-in `python -m venv`
    # makes an environment whose `catalyst` is the real one run from the base's tree (pip
    # would need the network), and, for a base older than `email all`, refuses `all`.
    repo = _two_issues(tmp_path / "repo")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    _git(repo, "checkout", "-qb", "change")
    _edit(repo / "issues/2023-07.md", "social connectedness", "belonging")
    _git(repo, "commit", "-qam", "change")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "merge", "-q", "--no-ff", "-m", "merge", "change")

    fake = tmp_path / "bin"
    fake.mkdir()
    refuse = "" if base_knows_all else 'if [ "$1" = email ] && [ "$2" = all ]; then exit 1; fi\n'
    (fake / "python").write_text(
        '#!/bin/bash\nset -e\n[ "$1 $2" = "-m venv" ]\nmkdir -p "$3/bin"\n'
        'printf "#!/bin/sh\\n" > "$3/bin/pip"\n'
        f'printf \'#!/bin/sh\\necho "$1 $2" >> {tmp_path}/calls\\n{refuse}'
        f'exec {tool("catalyst")} "$@"\\n\' > "$3/bin/catalyst"\n'
        'chmod +x "$3/bin/pip" "$3/bin/catalyst"\n'
    )
    (fake / "python").chmod(0o755)
    workflow = load("pull-request.yml")
    step = step_named(workflow, "preview", "Build every issue's email at the base")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    result = replay(step["run"], shell_of(workflow, "preview", step), repo, tmp_path,
                    RUNNER_TEMP=str(runner_temp), PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode == 0, result.stdout + result.stderr
    built = runner_temp / "emails/base"
    assert sorted(p.name for p in built.iterdir()) == [
        "2023-06.html", "2023-06.txt", "2023-07.html", "2023-07.txt"
    ]
    fallback = [] if base_knows_all else ["email 2023-06", "email 2023-07"]
    assert (tmp_path / "calls").read_text().splitlines() == ["email all", *fallback]
    # Built from the base: July's letter is the one before the change.
    assert "social connectedness" in (built / "2023-07.txt").read_text()
    assert "belonging" in (repo / "issues/2023-07.md").read_text()


@pytest.mark.browser
def test_the_preview_screenshots_each_changed_month_into_the_summary(tmp_path):
    workflow = load("pull-request.yml")
    step = step_named(workflow, "preview", "Screenshot the emails that change")
    project = copy_project(tmp_path / "project")
    summary = tmp_path / "summary.md"
    result = replay(step["run"], shell_of(workflow, "preview", step), project, tmp_path,
                    MONTHS="2023-06", GITHUB_STEP_SUMMARY=str(summary))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (project / "build/email").iterdir())
    assert written == ["2023-06-375.png", "2023-06-600.png", "2023-06.html", "2023-06.txt"]
    html, text = (len((project / f"build/email/2023-06.{x}").read_bytes()) for x in ("html", "txt"))
    assert summary.read_text().splitlines()[-3:] == [
        "| issue | HTML | text |",
        "| --- | --- | --- |",
        f"| 2023-06 | {html // 1024} KB | {text // 1024} KB |",
    ]
    none = replay(step["run"], "bash", project, tmp_path, MONTHS="",
                  GITHUB_STEP_SUMMARY=str(tmp_path / "none.md"))
    assert none.returncode == 0
    assert "No issue's email changes." in (tmp_path / "none.md").read_text()


# ------------------------------------------------------------------ `catalyst email all`


def test_email_all_writes_every_issue_and_nothing_on_a_content_error(tmp_path):
    from click.testing import CliRunner

    from catalyst.cli import main

    project = _two_issues(tmp_path / "project")
    out = tmp_path / "out"
    config = str(project / "mkdocs.yml")
    result = CliRunner().invoke(main, ["-f", config, "email", "all", "-o", str(out)])
    assert result.exit_code == 0, result.output
    names = ["2023-06.html", "2023-06.txt", "2023-07.html", "2023-07.txt"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert [line.split()[0] for line in result.output.splitlines()] == [
        str(out / name) for name in names
    ]
    one = tmp_path / "one"
    single = CliRunner().invoke(main, ["-f", config, "email", "2023-07", "-o", str(one)])
    assert single.exit_code == 0, single.output
    assert (one / "2023-07.html").read_bytes() == (out / "2023-07.html").read_bytes()

    broken = broken_project(tmp_path / "broken")
    failed = CliRunner().invoke(
        main, ["-f", str(broken / "mkdocs.yml"), "email", "all", "-o", str(tmp_path / "none")]
    )
    assert failed.exit_code == 1
    assert "issues/2023-06.md:" in failed.output and failed.exception.__class__ is SystemExit
    assert not (tmp_path / "none").exists()


# ------------------------------------------------------------------ the rest


def test_the_problem_matcher_reads_check_output():
    matcher = json.loads((ROOT / ".github/catalyst-problem-matcher.json").read_text())
    pattern = matcher["problemMatcher"][0]["pattern"][0]["regexp"]
    line = "issues/2023-06.md:39: error: sections[2].items[1]: no resource 'x'"
    match = re.match(pattern, line)
    assert match.groups() == (
        "issues/2023-06.md", "39", "error", "sections[2].items[1]: no resource 'x'"
    )


def test_pre_commit_runs_catalyst_check_and_ruff():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["catalyst-check"]["entry"].startswith("catalyst check")
    assert "ruff" in hooks
