"""File modes that follow the umask, for files and folders made by `mkstemp`/`mkdtemp`.

`tempfile` makes its files 0600 and its folders 0700 whatever the umask, which suits
secrets, not a site a web server running as another user must read. Every writer that
stages through `tempfile` (to write atomically) calls `follow_umask` on what it made
before moving it into place: 0644 and 0755 under the usual umask 022.
"""

from __future__ import annotations

import os
import threading
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
