"""What the Mailchimp tests share: quick retries, a future send_at, the state file, the key's
forms, and the command line."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from catalyst.mailchimp import api as mailchimp_api
from fake_mailchimp import API_KEY, LIST_ID, FakeMailchimp

MONTH = "2023-06"
TITLE = f"Catalyst {MONTH}"


class Waits(list):
    """A `sleep` that records the waits instead of waiting, so retries cost no time."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def quick(waits: Waits | None = None, **changes) -> mailchimp_api.RetryPolicy:
    """Retries as in production, minus the waiting; a short timeout for the slow faults. A
    write whose answer was lost is looked for once (no `settle`) unless a test asks."""
    policy = mailchimp_api.RetryPolicy(attempts=4, timeout=1.0, base=0.05, cap=1.0, settle=0.0)
    changes.setdefault("sleep", waits if waits is not None else Waits())
    return dataclasses.replace(policy, **changes)


def connect(fake: FakeMailchimp, policy=None, key: str = API_KEY) -> mailchimp_api.Mailchimp:
    return mailchimp_api.connect(fake.environ(key), policy=policy or quick())


def soon(days: int = 3, minute: int = 0) -> dt.datetime:
    """A send_at in the future, in the editors' time zone."""
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)
    return dt.datetime(
        day.year, day.month, day.day, 9, minute, tzinfo=dt.timezone(-dt.timedelta(hours=4))
    )


def state_file(settings) -> Path:
    return settings.build_dir / "state" / "mailchimp.json"


# ------------------------------------------------------------------ the key, in every form


def key_forms(key: str = API_KEY) -> list[str]:
    """The key as a message could carry it: as is, its 32 hexadecimal characters in either
    case, the basic-auth header the client sends, and that header's characters that come
    from the key alone."""
    header = base64.b64encode(f"user:{key}".encode()).decode()
    hex_part = key.split("-")[0]
    return [key, hex_part, hex_part.upper(), header, header[8:40]]


def assert_no_key(*texts: str, key: str = API_KEY) -> None:
    for text in texts:
        for form in key_forms(key):
            assert form not in text, f"the key ({form[:6]}…) is in: {text[:300]!r}"


def all_text(folder: Path) -> str:
    """Every file under `folder`, as text (bytes that are not UTF-8 replaced)."""
    return "".join(
        p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file()
    )


# ------------------------------------------------------------------ the command line


def point_at_fake(project: Path) -> Path:
    """The project, sending to the fake's audience."""
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace('audience_id: "0000000000"', f'audience_id: "{LIST_ID}"')
    )
    return project


def catalyst(project: Path, *args: str, env: dict):
    """`catalyst -f project/mkdocs.yml ARGS` in this process (click's runner)."""
    from click.testing import CliRunner

    from catalyst.cli import main

    return CliRunner().invoke(main, ["-f", str(project / "mkdocs.yml"), *args], env=env)


def catalyst_process(project: Path, *args: str, env: dict, wait: bool = True):
    """The installed command in a process of its own, as an editor or CI runs it."""
    environ = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **env}
    for name in [n for n, v in env.items() if v is None]:
        environ.pop(name, None)
    command = [
        sys.executable,
        "-c",
        "from catalyst.cli import run; run()",
        "-f",
        str(project / "mkdocs.yml"),
        *args,
    ]
    if not wait:
        return subprocess.Popen(
            command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=180)
