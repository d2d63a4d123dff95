"""The benchmark: synthetic repositories of S, M and L size, built and measured side by side.

Run from the repository as `python scripts/benchmark.py [--sizes S,M,L] [--runs 3] [--json
bench.json]`. It is no part of the runtime package: it needs the source tree. Each
figure is the median of the runs, measured in a fresh child process (so peak memory is
the child's own maximum resident set): a plain Material build of the same Markdown without
the catalyst plugin (the baseline), `catalyst build` cold and warm, the rebuild after one
issue changes, one email cold and cached, and `catalyst check`; then the time from saving
a post to the preview serving it, with plain `mkdocs serve` and with `catalyst serve`
(scripts/benchmark_serve.py; `--no-serve` skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import benchmark_serve
from catalyst.content.schema import RESOURCE_KINDS

SIZES = {
    "S": {"posts": 50, "resources": 100, "catalyzers": 24, "issues": 24},
    "M": {"posts": 300, "resources": 600, "catalyzers": 60, "issues": 60},
    "L": {"posts": 1000, "resources": 2000, "catalyzers": 120, "issues": 120},
}
CATEGORIES = ["Leadership", "Collaboration", "Learner-centered systems", "Community"]
WORDS = (
    "learners relationships trust teams systems community design studio leadership teachers "
    "students connectedness collaboration models growth inquiry feedback agency equity voice "
    "practice reflection mentoring advisory competency personalized authentic inclusive "
    "framework future success profile impact story partners schools districts educators"
).split()


# ---------------------------------------------------------------------------- the repository


def month_of(index: int, start: tuple[int, int] = (2016, 1)) -> str:
    year, month = divmod(start[1] - 1 + index, 12)
    return f"{start[0] + year:04d}-{month + 1:02d}"


def paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return textwrap.fill(text.capitalize() + ".", 96)


def generate(root: Path, size: dict, seed: int = 2023) -> Path:
    """A complete Catalyst repository under `root`, built from the real one's config."""
    rng = random.Random(seed)
    source = Path(__file__).resolve().parents[1]
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(source / "templates", root / "templates")
    docs = root / "content"
    (docs / "blog/posts").mkdir(parents=True)
    (docs / "resources").mkdir()
    (docs / "catalyzers").mkdir()
    (root / "issues").mkdir()
    shutil.copytree(source / "content/assets", docs / "assets")
    for name in ("index.md", "blog/index.md", "blog/.authors.yml", "editors-guide.md"):
        shutil.copy2(source / "content" / name, docs / name)
    post_slugs = _posts(docs, size, rng)
    resource_slugs = _resources(docs, size, rng, post_slugs)
    _catalyzers(docs, size, rng)
    _issues(root, size, rng, resource_slugs)
    return root


IMAGE = "assets/images/design39-design-studio.png"


def _posts(docs: Path, size: dict, rng: random.Random) -> list[str]:
    post_slugs = []
    for n in range(size["posts"]):
        slug = f"post-{n:04d}"
        post_slugs.append(slug)
        day = 1 + n % 28
        month = month_of(n * 120 // max(size["posts"], 1))
        body = "\n\n".join(paragraph(rng, 65) for _ in range(10))  # ~650 words
        categories = rng.sample(CATEGORIES, 2)
        (docs / f"blog/posts/{slug}.md").write_text(
            f"---\ndate: {month}-{day:02d}\nauthors: [devin]\n"
            f"categories: [{', '.join(categories)}]\nslug: {slug}\n"
            f"description: {paragraph(rng, 20)!r}\n---\n\n# Post {n}: {rng.choice(WORDS)}\n\n"
            f"{paragraph(rng, 40)}\n\n<!-- more -->\n\n![A studio](../../{IMAGE})\n\n{body}\n",
            encoding="utf-8",
        )
    return post_slugs


def _resources(docs: Path, size: dict, rng: random.Random, post_slugs: list[str]) -> list[str]:
    resource_slugs = []
    for n in range(size["resources"]):
        slug = f"resource-{n:04d}"
        resource_slugs.append(slug)
        kind = RESOURCE_KINDS[n % len(RESOURCE_KINDS)]
        target = (
            f"post: {post_slugs[n % len(post_slugs)]}"
            if kind == "blog-post" and post_slugs
            else f"url: https://example.org/resources/{slug}"
        )
        (docs / f"resources/{slug}.md").write_text(
            f"---\ntitle: Resource {n} on {rng.choice(WORDS)}\nkind: {kind}\n{target}\n"
            f"date: {month_of(n * 120 // size['resources'])}-15\n"
            f"summary: {paragraph(rng, 30)!r}\n---\n",
            encoding="utf-8",
        )
    return resource_slugs


def _catalyzers(docs: Path, size: dict, rng: random.Random) -> None:
    for n in range(size["catalyzers"]):
        story = f"https://example.org/stories/{n}"
        _document(
            docs / f"catalyzers/catalyzer-{n:04d}.md",
            f"name: Educator {n} Example\nrole: Teacher\norganization: School {n}\n"
            f"location: Example City, ST\nmonth: {month_of(n)}\n"
            f"links:\n  - title: Their story\n    url: {story}\n",
            "\n\n".join(paragraph(rng, 60) for _ in range(3)),
        )


def _issues(root: Path, size: dict, rng: random.Random, resource_slugs: list[str]) -> None:
    for n in range(size["issues"]):
        month = month_of(n)
        items = rng.sample(resource_slugs, min(3, len(resource_slugs)))
        sections = (
            "  - kind: announcement\n    title: Now booking partnerships\n"
            "    text: Connect with our team.\n    button: Connect\n"
            "    url: https://example.org/partnerships\n"
            "  - kind: story\n    title: Partner spotlight\n"
            f"    image: {IMAGE}\n    image_alt: Educators around a table\n"
            f"    caption: A design studio\n    body: {paragraph(rng, 80)!r}\n"
            "  - kind: resources\n    heading: Resources\n    items:\n"
            + "".join(f"      - {slug}\n" for slug in items)
        )
        if n < size["catalyzers"]:
            sections += (
                "  - kind: catalyzer\n    heading: Learner-Centered Catalyzer\n"
                "    intro: Each month we celebrate a learner-centered catalyzer.\n"
            )
        front = (
            f"month: {month}\ntitle: Issue {n}\nsubject: Catalyst {month}\n"
            f"preview_text: {paragraph(rng, 15)!r}\nsign_off: Yours,\nsignature: Devin\n"
            f"sections:\n{sections}"
        )
        body = "\n\n".join(paragraph(rng, 70) for _ in range(4))
        _document(root / f"issues/{month}.md", front, body)


def _document(path: Path, front: str, body: str) -> None:
    """A content file: its front matter's lines (without the `---` around them), a body."""
    path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")


def plain_config(root: Path) -> Path:
    """mkdocs.yml less the catalyst plugin: the baseline builds the same Markdown."""
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    lines, skipping = [], False
    for line in text.splitlines():
        if line.startswith("  - catalyst:"):
            skipping = True
            continue
        if skipping and (line.startswith("  - ") or not line.startswith("    ")):
            skipping = False
        if not skipping:
            lines.append(line)
    text = "\n".join(lines) + "\n"
    # The generated pages' nav entries do not exist without the plugin.
    text = text.replace("  - Resources: resources/index.md\n", "")
    text = text.replace("  - Catalyzers: catalyzers/index.md\n", "")
    text = text.replace("  - Issues: issues/index.md\n", "")
    path = root / "mkdocs-plain.yml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- measuring


@dataclass
class Figure:
    seconds: float
    peak_mib: float


def measure(command: list[str], cwd: Path, env: dict | None = None) -> Figure:
    """Run a command in a child process: wall time and the child's peak resident memory."""
    script = (
        "import resource, subprocess, sys, time, json\n"
        "start = time.perf_counter()\n"
        "result = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "if result.returncode:\n"
        "    sys.stderr.write(result.stdout + result.stderr)\n"
        "    sys.exit(result.returncode)\n"
        "print(json.dumps([elapsed, peak]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    seconds, peak = json.loads(done.stdout)
    return Figure(seconds, peak)


def measure_load(root: Path) -> Figure:
    """Loading and validating the content alone, timed inside the process."""
    script = (
        "import json, resource, time\n"
        "from catalyst.settings import load_settings\n"
        "from catalyst.content import loader as content\n"
        "settings = load_settings('mkdocs.yml')\n"
        "start = time.perf_counter()\n"
        "library, problems = content.load(settings)\n"
        "elapsed = time.perf_counter() - start\n"
        "assert not problems, problems[:3]\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps([elapsed, peak]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if done.returncode:
        raise RuntimeError(f"loading failed:\n{done.stderr[-4000:]}")
    return Figure(*json.loads(done.stdout))


def email_cache(root: Path) -> dict[str, int]:
    folder = root / "build" / "cache" / "email"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json")} if folder.is_dir() else {}


def changed(before: dict[str, int], after: dict[str, int]) -> int:
    """How many cached emails a build rendered anew."""
    return sum(1 for name, mtime in after.items() if before.get(name) != mtime)


def median(figures: list[Figure]) -> Figure:
    return Figure(
        statistics.median(f.seconds for f in figures), max(f.peak_mib for f in figures)
    )


def bench_size(name: str, runs: int, workdir: Path, serve: bool = True) -> dict:
    root = generate(workdir / name, SIZES[name])
    plain = plain_config(root)
    catalyst = [sys.executable, "-m", "catalyst.cli"]
    mkdocs = [sys.executable, "-m", "mkdocs"]
    cache = root / "build"
    latest = sorted((root / "issues").glob("*.md"))[-1]
    month = latest.stem
    results: dict[str, list[Figure]] = {k: [] for k in (
        "plain", "cold", "warm", "one_issue_changed", "email_cold", "email_cached", "check", "load"
    )}
    rerendered: dict[str, list[int]] = {"warm": [], "one_issue_changed": []}
    for run in range(runs):
        plain_site = str(root / "site-plain")
        plain_build = [*mkdocs, "build", "-q", "-f", str(plain), "-d", plain_site]
        results["plain"].append(measure(plain_build, root))
        shutil.rmtree(cache, ignore_errors=True)
        results["cold"].append(measure([*catalyst, "build"], root))
        before = email_cache(root)
        results["warm"].append(measure([*catalyst, "build"], root))
        rerendered["warm"].append(changed(before, email_cache(root)))
        results["check"].append(measure([*catalyst, "check"], root))
        text = latest.read_text(encoding="utf-8")
        latest.write_text(text.replace("title: ", f"title: Edited {run} ", 1), encoding="utf-8")
        before = email_cache(root)
        results["one_issue_changed"].append(measure([*catalyst, "build"], root))
        rerendered["one_issue_changed"].append(changed(before, email_cache(root)))
        shutil.rmtree(cache / "cache" / "email", ignore_errors=True)
        results["email_cold"].append(measure([*catalyst, "email", month], root))
        results["email_cached"].append(measure([*catalyst, "email", month], root))
        results["load"].append(measure_load(root))
    row = {key: median(values).__dict__ for key, values in results.items()}
    if serve:  # save to served page: `runs` saves on one server each (benchmark_serve.py)
        plain_serve = [*mkdocs, "serve", "-f", str(plain)]
        row["serve_plain"] = benchmark_serve.save_to_served(root, plain_serve, edits=runs)
        row["serve"] = benchmark_serve.save_to_served(root, [*catalyst, "serve"], edits=runs)
    row["emails_rerendered"] = {k: max(v) for k, v in rerendered.items()}
    row["size"] = name
    row["counts"] = SIZES[name]
    row["warm_vs_plain"] = row["warm"]["seconds"] / row["plain"]["seconds"]
    row["cold_vs_plain"] = row["cold"]["seconds"] / row["plain"]["seconds"]
    return row


COLUMNS = [
    ("plain", "plain mkdocs"),
    ("cold", "build cold"),
    ("warm", "build warm"),
    ("one_issue_changed", "1 issue changed"),
    ("email_cold", "email cold"),
    ("email_cached", "email cached"),
    ("check", "check"),
    ("load", "load+validate"),
    ("serve_plain", "save→served, plain mkdocs serve"),
    ("serve", "save→served, catalyst serve"),
]


def table(rows: list[dict]) -> str:
    head = "| size | " + " | ".join(label for _, label in COLUMNS) + " | warm/plain | cold/plain |"
    lines = [head, "|" + " --- |" * (len(COLUMNS) + 3)]
    for row in rows:
        cells = [f"{row[k]['seconds']:.2f} s / {row[k]['peak_mib']:.0f} MiB" if k in row else "-"
                 for k, _ in COLUMNS]
        lines.append(
            f"| {row['size']} | " + " | ".join(cells)
            + f" | {row['warm_vs_plain']:.2f} | {row['cold_vs_plain']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/benchmark.py", description=__doc__)
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated: S, M, L")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--json", default="build/bench.json", help="where to write the figures")
    parser.add_argument("--keep", help="generate into this folder and keep it")
    parser.add_argument("--no-serve", action="store_true", help="skip the save-to-served figures")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="catalyst-bench-") as temp:
        workdir = Path(args.keep or temp)
        for name in args.sizes.split(","):
            rows.append(bench_size(name.strip().upper(), args.runs, workdir, not args.no_serve))
            print(table(rows[-1:]), flush=True)
    print()
    print(table(rows))
    for row in rows:
        print(f"{row['size']}: emails re-rendered by a warm build: "
              f"{row['emails_rerendered']['warm']}, after one issue changed: "
              f"{row['emails_rerendered']['one_issue_changed']}")
    print(f"\n{args.runs} runs per figure (median; memory: the largest peak), "
          f"{os.cpu_count()} cores, bench took {time.perf_counter() - started:.0f} s")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "runs": args.runs, "cores": os.cpu_count()},
                              indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
