"""What the Mailchimp tests share: quick retries, a future send_at, the state file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from catalyst import mailchimp_api
from fake_mailchimp import API_KEY, FakeMailchimp

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
