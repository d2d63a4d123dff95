"""Every file and folder the package writes: atomic writes, staged folders swapped in whole,
and modes that follow the umask.

`tempfile` makes its files 0600 and its folders 0700 whatever the umask, which suits
secrets, not a site a web server running as another user must read. What is staged here is
given the mode a plain `open()` or `mkdir()` would have (0644 and 0755 under the usual umask
022) before it is moved into place, and is removed when anything fails on the way.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

_LOCK = threading.Lock()


def umask() -> int:
    """The process's umask, read without changing it where Linux allows (/proc), since
    setting it to read it back races with other threads creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def follow_umask(target: int | str | os.PathLike, *, folder: bool = False) -> None:
    """Give `target` (a path, or an open file's descriptor) the mode a plain `open()` or
    `mkdir()` would have: 0666 (files) or 0777 (folders) less the umask."""
    mode = (0o777 if folder else 0o666) & ~umask()
    if isinstance(target, int):
        os.fchmod(target, mode)
    else:
        os.chmod(Path(target), mode)


def write_atomic(
    path: Path, data: str | bytes, *, durable: bool = False, exclusive: bool = False
) -> Path:
    """Write `data` beside `path` and move it into place: never a half-written file.

    `durable`: flushed to the disk before the rename (state that must survive a crash).
    `exclusive`: never replaces a file that exists, even one that appears meanwhile
    (FileExistsError); the file is linked into place instead of renamed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = _new_file_beside(path)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        if exclusive:
            os.link(temp, path)
            os.unlink(temp)
        else:
            os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


_TEMP_NAMES = itertools.count()


def _new_file_beside(path: Path) -> tuple[int, str]:
    """A file of this process's own beside `path`, open for writing: created, never one that
    was there (O_EXCL, as `tempfile` does), with the mode a plain `open()` gives (0666 less
    the umask, applied by the system: no `follow_umask` call, a third fewer system calls for
    each of a build's thousands of writes)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL  # and tempfile's others, where they exist:
    for name in ("O_NOFOLLOW", "O_CLOEXEC", "O_BINARY"):
        flags |= getattr(os, name, 0)
    while True:
        temp = os.path.join(path.parent, f".{path.name}.{os.getpid()}-{next(_TEMP_NAMES)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:  # left by a process that had this number: the next name
            continue


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A fresh, empty folder beside `target` to fill; removed if the block fails. Pass it to
    `replace_tree` to put it in `target`'s place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        follow_umask(folder, folder=True)
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def replace_tree(staged: Path, target: Path, *, delete_later: bool = False) -> Path:
    """Swap the `staged` folder in for `target` with renames: readers never see half of one.
    `delete_later`: the old folder is deleted by a process of its own, which nobody waits for
    (deleting a ten-year site takes longer than building one from the page cache)."""
    old = None
    if target.exists():
        unique = f"-{uuid.uuid4().hex[:12]}" if delete_later else ""
        old = target.with_name(f".{target.name}.old-{os.getpid()}{unique}")
        os.replace(target, old)
    try:
        os.replace(staged, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        shutil.rmtree(staged, ignore_errors=True)
        raise
    if old is not None and delete_later:
        _delete_in_background(old)
    elif old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _delete_in_background(folder: Path) -> None:
    """`folder` deleted by a detached process (it outlives this one); a folder it could not
    start on is deleted here."""
    script = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
    try:
        subprocess.Popen(
            [sys.executable, "-c", script, str(folder)], start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
