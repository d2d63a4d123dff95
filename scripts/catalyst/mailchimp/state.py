"""What earlier pushes recorded, per issue, in build/state/mailchimp.json (the campaign's id,
hashes of what was sent and tested; never a secret), and the lock that lets one push of a
month run at a time.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from catalyst.errors import StateFileError
from catalyst.files import write_atomic
from catalyst.mailchimp.failures import json_kind, said
from catalyst.mailchimp.keys import MailchimpError
from catalyst.settings import Settings


class _Tested(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    sha256: str
    campaign_id: str
    at: str | None = None


class _IssueRecord(BaseModel):
    """What the push records per issue; anything else in the file is kept as it is."""

    model_config = ConfigDict(extra="allow", strict=True)
    campaign_id: str | None = None
    web_id: int | None = None
    title: str | None = None
    content_sha256: str | None = None
    remote_sha256: str | None = None
    pushed_at: str | None = None
    tested: _Tested | None = None


class State:
    """Per issue: the campaign's id and hashes of what was sent and tested. Never a secret.

    It only saves calls and settles which of two campaigns is the issue's: the campaigns are
    read from the API on every push. So a damaged file does not stop a push: what cannot be
    used is reported in `problems` (`path:line: warning: ...`) and left out, and the file is
    written anew, whole. A folder in its place, or a file that cannot be read or written, is
    a `StateFileError`.
    """

    def __init__(self, path: Path, *, persist: bool = True, shown: str | None = None) -> None:
        self.path = path
        self.persist = persist
        self.shown = shown or str(path)
        self.problems: list[str] = []
        self.data = self._read()
        if self.problems and persist:
            self._write()

    @classmethod
    def of(cls, settings: Settings, *, persist: bool = True) -> State:
        path = settings.build_dir / "state" / "mailchimp.json"
        return cls(path, persist=persist, shown=settings.shown(path))

    def get(self, month: str) -> dict:
        return dict(self.data.get("issues", {}).get(month, {}))

    def update(self, month: str, **values: Any) -> None:
        self.data.setdefault("issues", {}).setdefault(month, {}).update(values)
        if self.persist:
            self._write()

    def _write(self) -> None:
        try:
            write_atomic(
                self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n", durable=True
            )
        except OSError as error:
            raise StateFileError(
                f"{self.shown}: cannot be written ({error.strerror or error})"
            ) from None

    def _read(self) -> dict:
        if self.path.is_dir():
            raise StateFileError(
                f"{self.shown}: is a folder, where the push keeps its state file: move it away, "
                "then push again"
            )
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StateFileError(
                f"{self.shown}: cannot be read ({error.strerror or error}): fix or remove it, "
                "then push again"
            ) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            return self._unusable(line, f"is not UTF-8 (byte 0x{raw[error.start]:02x})")
        try:
            data = json.loads(text)
        except ValueError as error:
            line = getattr(error, "lineno", 1)
            return self._unusable(line, f"is not valid JSON ({getattr(error, 'msg', error)})")
        if not isinstance(data, dict) or not isinstance(data.get("issues", {}), dict):
            return self._unusable(1, "is not a push's state (an object with `issues` by month)")
        issues = {}
        for month, record in data.get("issues", {}).items():
            where, problem = f"issues.{_key(month)}", None
            if not isinstance(record, dict):
                problem = f"{where}: should be an object, not {json_kind(record)}"
            else:
                try:
                    _IssueRecord.model_validate(record)
                except ValidationError as invalid:
                    error = invalid.errors()[0]
                    where = ".".join([where, *(_key(p) for p in error["loc"])])
                    problem = f"{where}: {said(error)}"
            if problem:
                self._report(_line_of(text, month), f"{problem}; that issue's record is left out")
            else:
                issues[month] = record
        return {**data, "issues": issues}

    def _unusable(self, line: int, why: str) -> dict:
        self._report(line, f"{why}; it is left out (the campaign is found by its title)")
        return {}

    def _report(self, line: int, message: str) -> None:
        rewritten = " and written anew" if self.persist else ""
        self.problems.append(f"{self.shown}:{line}: warning: {message}{rewritten}")


def _key(part: object) -> str:
    text = str(part)
    return text if re.fullmatch(r"[\w.@-]{1,40}", text) else repr(text[:40])


def _line_of(text: str, month: str) -> int:
    at = text.find(json.dumps(month))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


@contextlib.contextmanager
def one_push_at_a_time(settings: Settings, month: str) -> Iterator[None]:
    """Hold the month's push lock (an OS file lock, released even if the process dies); a
    second push of the month while it is held fails at once."""
    from filelock import FileLock, Timeout

    path = settings.build_dir / "state" / f"push-{month}.lock"
    if path.parent.exists() and not path.parent.is_dir():
        raise StateFileError(
            f"{settings.shown(path.parent)}: is a file, where the push keeps its state: "
            "move it away, then push again"
        )
    lock = FileLock(path, timeout=0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise MailchimpError(
            f"another push of {month} is running (it holds {settings.shown(path)}): "
            "wait for it to finish, then push again"
        ) from None
    except OSError as error:
        raise StateFileError(
            f"{settings.shown(path)}: cannot take the push's lock ({error.strerror or error})"
        ) from None
    try:
        yield
    finally:
        lock.release()
