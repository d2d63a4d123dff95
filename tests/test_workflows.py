"""The GitHub workflows and the pre-commit hooks: valid, and doing what the README says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))


def actionlint() -> str:
    found = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    assert Path(found).is_file(), "actionlint is missing: pip install -e '.[test]'"
    return found


def test_every_workflow_passes_actionlint():
    assert len(WORKFLOWS) == 3
    result = subprocess.run(
        [actionlint(), "-color=false", *map(str, WORKFLOWS)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_fail_on_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github/workflows/broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.nope.value }}\n")
    result = subprocess.run([actionlint(), "-color=false", str(broken)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.yml:6" in result.stdout


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github/workflows" / name).read_text())


def test_pull_requests_check_build_screenshot_and_upload():
    workflow = load("pull-request.yml")
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on` as True
    steps = workflow["jobs"]["preview"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "catalyst check" in runs and "catalyst build" in runs
    assert "catalyst email \"$month\" --screenshot" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert "build/email/*.png" in upload["with"]["path"]


def test_main_deploys_to_pages_and_mailchimp_is_by_hand_only():
    deploy = load("deploy.yml")
    assert deploy[True]["push"]["branches"] == ["main"]
    assert any(s.get("uses", "").startswith("actions/deploy-pages")
               for s in deploy["jobs"]["deploy"]["steps"])
    push = load("mailchimp.yml")
    assert list(push[True]) == ["workflow_dispatch"]
    assert push[True]["workflow_dispatch"]["inputs"]["month"]["required"] is True
    job = push["jobs"]["push"]
    assert job["env"]["MAILCHIMP_API_KEY"] == "${{ secrets.MAILCHIMP_API_KEY }}"
    runs = [s.get("run", "") for s in job["steps"]]
    test_send = next(i for i, r in enumerate(runs) if "--test" in r)
    schedule = next(i for i, r in enumerate(runs) if "--schedule" in r)
    assert test_send < schedule


def test_the_problem_matcher_reads_check_output():
    import json
    import re

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
