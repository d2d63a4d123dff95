"""Which files reach the output, and the rule that none of them comes from outside.

MkDocs copies every file under `docs_dir` into the site, following symlinks; the theme's
`custom_dir` (templates/site) is copied the same way, and the email reads `templates/`
and `issues/`. A symlink committed in a pull request could so publish any file of the
machine that builds: the clone's `.git/config`, a key file, `/proc/self/environ`.

`scan()` walks those trees as MkDocs does (following folder symlinks) and keeps only
what resolves inside them: a symlink must lead into content/, issues/ or templates/
(not to .git/, the virtualenv, build/ or anywhere else), must exist, and a folder
symlink must not lead back to a folder it is in (MkDocs would walk it forever).
Everything else is a Problem at the link's own path, and its target is never read.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from catalyst.errors import Problem
from catalyst.settings import Settings


@dataclass
class Scan:
    files: list[Path] = field(default_factory=list)  # as MkDocs names them (links unresolved)
    problems: list[Problem] = field(default_factory=list)

    def under(self, folder: Path, suffix: str = "", *, recursive: bool = True) -> list[Path]:
        """The files in `folder` (and its subfolders) whose names end with `suffix`."""
        prefix = os.path.join(str(folder), "")
        found = []
        for path in self.files:
            text = str(path)
            if text.startswith(prefix) and text.endswith(suffix):
                if recursive or os.sep not in text[len(prefix):]:
                    found.append(path)
        return found


def trees(settings: Settings) -> list[Path]:
    """The folders whose files reach the site or the email."""
    return [settings.docs_dir, settings.issues_dir, settings.templates_dir]


def inside(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


def resolved(path: Path) -> Path | None:
    """The real path, or None when it cannot be resolved (a loop, a missing target)."""
    try:
        return Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError):
        return None


def scan(settings: Settings) -> Scan:
    root = settings.root
    allowed = [folder for folder in trees(settings) if folder.is_dir()]
    result = Scan()
    reported: set[Path] = set()

    def refuse(where: Path, message: str) -> None:
        """`where` is the entry's physical path: each link is named once, however reached."""
        if where not in reported:
            reported.add(where)
            try:
                shown = where.relative_to(root).as_posix()
            except ValueError:
                shown = where.as_posix()
            result.problems.append(Problem(shown, 1, message))

    for top in allowed:
        if not inside(top, [root]):
            result.problems.append(
                Problem("mkdocs.yml", 1, f"{top} is outside the repository: keep it inside")
            )
            continue
        # (the folder as MkDocs names it, its real path, the real paths of the walk so far)
        stack: list[tuple[Path, Path, tuple[Path, ...]]] = [(top, top, (top,))]
        while stack:
            folder, real_folder, ancestors = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as error:
                refuse(real_folder, f"cannot be read ({error.strerror})")
                continue
            for entry in reversed(entries):
                path = Path(entry.path)
                if entry.is_file(follow_symlinks=False):  # the commonest: nothing to follow
                    result.files.append(path)
                    continue
                physical = real_folder / entry.name
                if entry.is_symlink():
                    real = _follow(path, physical, allowed, ancestors, refuse)
                    if real is None:
                        continue
                    if real.is_dir():
                        stack.append((path, real, (*ancestors, real)))
                    else:
                        result.files.append(path)
                elif entry.is_dir(follow_symlinks=False):
                    stack.append((path, physical, (*ancestors, physical)))
                else:
                    refuse(physical, "is not a regular file or folder: remove it")
    result.files.sort()
    return result


def _follow(path: Path, physical: Path, allowed, ancestors, refuse) -> Path | None:
    """The real path of a symlink that may be followed, or None (and a problem)."""
    try:
        target = os.readlink(path)
        real = Path(os.path.realpath(path, strict=True))
    except OSError as error:
        if error.errno == errno.ELOOP:
            refuse(physical, "symlink loops: remove it")
        else:
            refuse(physical, "symlink to a file that does not exist: remove it")
        return None
    if not inside(real, allowed):
        refuse(
            physical,
            f"symlink to '{target}', outside the repository's content, issues and templates: "
            "copy the file in instead",
        )
        return None
    if real.is_dir():
        if any(folder == real or folder.is_relative_to(real) for folder in ancestors):
            refuse(physical, f"folder symlink to '{target}' loops back into itself: remove it")
            return None
    elif not real.is_file():
        refuse(physical, f"symlink to '{target}', which is not a regular file: remove it")
        return None
    return real
