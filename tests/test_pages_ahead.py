"""Pages ahead (site/pages_ahead.py): a forked copy of a cold build does pages from the last one
back into the page cache; the build takes them from there. The site must be the very one a
build without the copy writes, and the copy must stop where it should."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from benchmark import generate
from catalyst.site import pages_ahead
from test_incremental import STATS, assert_same_sites, run_mkdocs

SIZE = {"posts": 24, "resources": 12, "catalyzers": 3, "issues": 3}
AHEAD = re.compile(r"(\d+) done ahead on a second core")
# The copy needs two cores; one core is a machine where the build never forks, so the test
# says there are two (the fork works on one core, only slower).
TWO_CORES = "from catalyst.site import pages_ahead\npages_ahead.cores = lambda: 2\n"


def set_pages_ahead(root: Path, least: int) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - catalyst:\n" in text
    config.write_text(
        text.replace("  - catalyst:\n", f"  - catalyst:\n      pages_ahead: {least}\n", 1),
        encoding="utf-8",
    )


def built(root: Path, site: Path) -> tuple[int, int, int]:
    """(hits, misses, pages done ahead) of a `mkdocs build --strict` on two cores."""
    result = run_mkdocs(root, site, TWO_CORES)
    assert result.returncode == 0, result.stderr
    hits, misses, _ = map(int, STATS.search(result.stderr).groups())
    return hits, misses, int(AHEAD.search(result.stderr).group(1))


def test_a_build_with_pages_done_ahead_writes_the_same_site(tmp_path):
    root = generate(tmp_path / "repo", SIZE)
    plain = tmp_path / "plain-repo"
    shutil.copytree(root, plain)
    set_pages_ahead(root, 1)
    set_pages_ahead(plain, 0)

    hits, misses, ahead = built(root, tmp_path / "ahead")
    assert ahead > 10 and hits > 10, "the copy did pages and the build took them"
    assert built(plain, tmp_path / "plain") == (0, hits + misses, 0)
    assert_same_sites(tmp_path / "ahead", tmp_path / "plain")

    # Warm: the copy finds the last page in the cache and has nothing to add.
    hits, misses, ahead = built(root, tmp_path / "warm")
    assert (misses, ahead) == (0, 0)
    assert_same_sites(tmp_path / "warm", tmp_path / "plain")


def test_by_default_a_small_site_is_not_forked(tmp_path):
    root = generate(tmp_path / "repo", SIZE)  # fewer pages than the default 200
    assert built(root, tmp_path / "site")[2] == 0


# A copy is forked only where no other thread runs, and earlier tests leave threads in this
# process (a browser's, a fake server's): each scenario runs in an interpreter of its own.
SCENARIO = """
import json, sys
from pathlib import Path
from catalyst.site import pages_ahead

folder, kind = Path(sys.argv[1]), sys.argv[2]
items, gate = list(range(100)), folder / "go"

def do(item):
    print("the copy says nothing", item, flush=True)
    if kind == "done" and item == 80:
        return False  # done already (in the cache): the copy stops
    if kind == "fails" and item == 95:
        raise RuntimeError("a page the copy cannot do")
    while kind == "reached" and not gate.exists():  # the build moves first
        pass
    (folder / str(item)).touch()
    return True

copy = pages_ahead.start(items, do, lambda: (folder / "ready").touch())
if kind == "reached":
    copy.reached(items[90])
    gate.touch()
status = copy.wait()
print(json.dumps([status, copy.stop()]))
"""


def scenario(folder: Path, kind: str) -> tuple[tuple[int, int], set[int], str]:
    """(the copy's exit status, the items it did by its count), the items it did by the files
    they left, and everything the process printed."""
    result = subprocess.run([sys.executable, "-c", SCENARIO, str(folder), kind],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    status, done = json.loads(result.stdout.strip().splitlines()[-1])
    made = {int(p.name) for p in folder.iterdir() if p.name.isdigit()}
    return (status, done), made, result.stdout + result.stderr


def test_the_copy_does_items_from_the_last_back_until_one_was_done(tmp_path):
    counts, made, printed = scenario(tmp_path, "done")
    assert counts == (0, 19)
    assert made == set(range(81, 100))
    assert (tmp_path / "ready").exists()
    assert "the copy" not in printed


def test_the_copy_stops_where_the_build_has_got_to(tmp_path):
    counts, made, _ = scenario(tmp_path, "reached")
    assert counts == (0, 9)
    assert made == set(range(91, 100))


def test_a_copy_that_fails_stops_and_the_build_does_the_rest(tmp_path):
    counts, made, printed = scenario(tmp_path, "fails")
    assert counts == (1, 4)
    assert made == {96, 97, 98, 99}
    assert not (tmp_path / "ready").exists()
    assert "the copy" not in printed and "cannot do" not in printed


def test_no_copy_beside_another_thread_on_one_core_or_for_few_pages(monkeypatch):
    monkeypatch.setattr(pages_ahead, "cores", lambda: 2)
    assert not pages_ahead.usable(150, 200)
    assert not pages_ahead.usable(5000, 0)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert pages_ahead.start(list(range(5000)), lambda item: True, lambda: None) is None
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(pages_ahead, "cores", lambda: 1)
    assert not pages_ahead.usable(5000, 200)
    monkeypatch.setattr(pages_ahead, "cores", lambda: 2)
    monkeypatch.setattr(pages_ahead.sys, "platform", "darwin")
    assert not pages_ahead.usable(5000, 200)
