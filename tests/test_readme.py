"""The README's two commands are the ones CI runs and a new user types."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shell_blocks(text: str) -> list[str]:
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.startswith("```sh"):
            inside, current = True, []
        elif line.startswith("```") and inside:
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


def test_the_readme_starts_with_the_main_job_then_the_tests():
    blocks = shell_blocks((ROOT / "README.md").read_text())
    main_job, tests = blocks[0], blocks[1]
    assert "pip install" in main_job and "catalyst build" in main_job
    assert "catalyst email latest" in main_job
    assert "pip install" in tests and "'.[test]'" in tests and tests.endswith("pytest -q")


def test_ci_runs_exactly_the_readme_test_command():
    extracted = subprocess.run(
        ["bash", "-c", "sed -n '/^<!-- test-command -->$/,/^```$/p' README.md "
         "| sed -n '/^```/,/^```/p' | sed '1d;$d'"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert extracted == shell_blocks((ROOT / "README.md").read_text())[1]
    assert "README.md" in (ROOT / ".ci/run").read_text()
