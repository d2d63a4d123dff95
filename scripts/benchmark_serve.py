"""The benchmark's "save to served page" figure: how long after a post is saved the live preview
serves the new text, both on the post's page and on the blog's index that lists it.

A preview server (`catalyst serve`, or plain `mkdocs serve` for the baseline) is started on
a generated repository and left to finish its first build; then the newest post's excerpt
is saved with a new sentence, `edits` times, and each figure is the time from the save to
the moment both pages, fetched over HTTP every 100 ms, hold the sentence. Before the next save
the server's rebuild is let finish (it logs "Reloading browsers"), so each figure is one
save on an idle server. Peak memory is the server process's own high-water mark.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

FIRST_BUILD_TIMEOUT = 3600
SAVE_TIMEOUT = 900


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def newest_post(root: Path) -> tuple[Path, str]:
    """The newest generated post and its URL path (post_url_format "{date}/{slug}")."""
    def date(path: Path) -> str:
        return re.search(r"^date: (\S+)", path.read_text(encoding="utf-8"), re.M).group(1)

    post = max((root / "content/blog/posts").glob("*.md"), key=lambda p: (date(p), p.name))
    year, month, _ = date(post).split("-")
    return post, f"blog/{year}/{month}/{post.stem}/"


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class Server:
    """A preview server in its own process group, with its log lines counted as they come."""

    def __init__(self, command: list[str], cwd: Path, port: int):
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [*command, "-a", f"127.0.0.1:{port}"], cwd=cwd, env=env, text=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{port}/"
        self.reloads = 0
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)
            if "Reloading browsers" in line:
                self.reloads += 1

    def wait(self, condition, timeout: float, what: str, every: float = 0.1) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited while {what}:\n{''.join(self.log[-40:])}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out {what}:\n{''.join(self.log[-40:])}")
            time.sleep(every)

    def peak_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status")
        found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text()) if status.exists() else None
        return int(found.group(1)) / 1024 if found else float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def save_to_served(root: Path, command: list[str], edits: int = 3) -> dict:
    """Start `command` (a serve command) in `root`, save the newest post `edits` times."""
    post, path = newest_post(root)
    original = post.read_text(encoding="utf-8")
    server = Server(command, root, free_port())
    pages = [server.url + path, server.url + "blog/"]
    started = time.monotonic()
    figures = []
    try:
        server.wait(lambda: fetch(pages[1]) is not None, FIRST_BUILD_TIMEOUT, "building")
        first_build = time.monotonic() - started
        for n in range(edits):
            marker = f"Saved again, edit {n} at {time.time_ns()}."
            post.write_text(original.replace("<!-- more -->", f"{marker}\n\n<!-- more -->", 1),
                            encoding="utf-8")
            saved = time.monotonic()
            server.wait(lambda m=marker: all(m in (fetch(u) or "") for u in pages),
                        SAVE_TIMEOUT, "waiting for the saved text")
            figures.append(time.monotonic() - saved)
            server.wait(lambda n=n: server.reloads > n, SAVE_TIMEOUT, "finishing the rebuild")
        peak = server.peak_mib()
    finally:
        server.stop()
        post.write_text(original, encoding="utf-8")
    return {"seconds": statistics.median(figures), "all": figures, "first_build": first_build,
            "peak_mib": peak}


def main(argv: list[str] | None = None) -> int:
    """`python scripts/benchmark_serve.py ROOT [plain|mkdocs|catalyst]`: one figure, printed."""
    args = argv if argv is not None else sys.argv[1:]
    root, which = Path(args[0]), (args[1] if len(args) > 1 else "catalyst")
    commands = {
        "plain": [sys.executable, "-m", "mkdocs", "serve", "-f", "mkdocs-plain.yml"],
        "mkdocs": [sys.executable, "-m", "mkdocs", "serve"],
        "catalyst": [sys.executable, "-m", "catalyst.cli", "serve"],
    }
    print(save_to_served(root, commands[which]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
