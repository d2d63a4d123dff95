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


def pins() -> list[tuple[str, str]]:
    """(package, version) of each line of the constraints file."""
    lines = (ROOT / ".ci/constraints.txt").read_text().splitlines()
    return [tuple(line.split("==")) for line in lines if line and not line.startswith("#")]


def test_every_install_takes_the_tested_versions_and_they_cover_every_dependency():
    """The README's commands and every workflow install with the constraints file, and it pins
    every package pyproject names (so no install picks a version the tests have not seen)."""
    import re
    import tomllib

    readme = shell_blocks((ROOT / "README.md").read_text())[:2]
    workflows = [
        line for path in sorted((ROOT / ".github/workflows").glob("*.yml"))
        for line in path.read_text().splitlines() if re.search(r"\bpip install\b", line)
        and not line.lstrip().startswith("#")
    ]
    installs = [cmd for cmd in readme] + workflows
    assert len(installs) >= 4
    assert [i for i in installs if "-c .ci/constraints.txt" not in i] == []

    def name(requirement: str) -> str:
        return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")

    pinned = {name(package): version for package, version in pins()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {name(r) for r in project["dependencies"]}
    wanted |= {name(r) for extra in project["optional-dependencies"].values() for r in extra}
    assert sorted(wanted - set(pinned)) == []


def test_the_tested_versions_install_on_every_python_the_project_supports():
    """Each pinned release admits the oldest Python that pyproject's requires-python admits
    (pymdown-extensions 13 needs 3.11.5: pinned there, a fresh 3.11.2 could not install)."""
    import tomllib
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    floor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    oldest = floor.removeprefix(">=") + ".0"
    refused = []
    for name, version in pins():
        if metadata.version(name) != version:
            refused.append(f"{name}: {metadata.version(name)} installed, {version} pinned")
            continue
        needs = metadata.metadata(name).get("Requires-Python")
        if needs and oldest not in SpecifierSet(needs):
            refused.append(f"{name}=={version} needs Python {needs}")
    assert refused == []
