"""What `catalyst serve` remembers of MkDocs' listing of the docs folder and the theme's files.

Each rebuild lists the docs folder again (a `File` per file: paths joined and converted with
pathlib, each page's destination worked out) and filters the theme's thousands of files by
name. Under `catalyst serve` (installed by mkdocs_memo.py, under its guard):

- `get_files` walks the folder as MkDocs does, and makes each `File` from the state MkDocs
  gave the last `File` of the same path, folders and URL style (strings, a flag and an
  enum: a fresh object with the same attributes); the rest (exclusions, README/index
  conflicts) is MkDocs' own code, mirrored line by line;
- `Files.add_files_from_theme` filters the names the theme lists by MkDocs' own patterns,
  the filtered list remembered by the names and the patterns.
"""

from __future__ import annotations

import fnmatch
import functools
import os

_states: dict[tuple, dict] = {}  # (path, docs_dir, site_dir, use_directory_urls) -> File state


def _file(path: str, src_dir: str, dest_dir: str, use_directory_urls: bool):
    """`File(path, src_dir, dest_dir, use_directory_urls)` with its `dest_uri` worked out, as
    `get_files` leaves it: from the remembered state of the same arguments when there is one."""
    from mkdocs.structure.files import File

    key = (path, src_dir, dest_dir, use_directory_urls)
    state = _states.get(key)
    if state is None:
        file = File(path, src_dir, dest_dir, use_directory_urls)
        file.dest_uri  # noqa: B018 - worked out (and kept) as get_files does
        if len(_states) > 50_000:  # a few sites' worth: start again
            _states.clear()
        _states[key] = dict(vars(file))
        return file
    file = File.__new__(File)
    vars(file).update(state)
    return file


def get_files(config):
    """Walk the `docs_dir` and return a Files collection (mkdocs.structure.files.get_files,
    line by line, with `_file` for `File`)."""
    from mkdocs.structure import files as mkdocs_files

    files = []
    conflicting_files = []
    for source_dir, dirnames, filenames in os.walk(config['docs_dir'], followlinks=True):
        relative_dir = os.path.relpath(source_dir, config['docs_dir'])
        dirnames.sort()
        filenames.sort(key=mkdocs_files._file_sort_key)

        files_by_dest = {}
        for filename in filenames:
            file = _file(
                os.path.join(relative_dir, filename),
                config['docs_dir'],
                config['site_dir'],
                config['use_directory_urls'],
            )
            # Skip README.md if an index file also exists in dir (part 1)
            prev_file = files_by_dest.setdefault(file.dest_uri, file)
            if prev_file is not file:
                conflicting_files.append((prev_file, file))
            files.append(file)
            prev_file = file

    mkdocs_files.set_exclusions(files, config)
    # Skip README.md if an index file also exists in dir (part 2)
    for a, b in conflicting_files:
        if b.inclusion.is_included():
            if a.inclusion.is_included():
                mkdocs_files.log.warning(
                    f"Excluding '{a.src_uri}' from the site because it conflicts with "
                    f"'{b.src_uri}'."
                )
            try:
                files.remove(a)
            except ValueError:
                pass  # Catching this to avoid errors if attempting to remove the same file twice.
        else:
            try:
                files.remove(b)
            except ValueError:
                pass

    return mkdocs_files.Files(files)


def install_docs_files() -> None:
    from mkdocs.commands import build
    from mkdocs.structure import files

    remembered = functools.update_wrapper(get_files, files.get_files)
    files.get_files = build.get_files = remembered


def _theme_patterns(config) -> tuple[str, ...]:
    """The patterns of `Files.add_files_from_theme`'s filter, in its order."""
    from mkdocs import utils

    patterns = ['.*', '*/.*', '*.py', '*.pyc', '*.html', '*readme*', 'mkdocs_theme.yml']
    patterns.append("locales/*")
    patterns.extend(f'*{x}' for x in utils.markdown_extensions)
    patterns.extend(config.theme.static_templates)
    return tuple(patterns)


@functools.lru_cache(maxsize=8)
def _static_names(names: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        name for name in names
        if not any(fnmatch.fnmatch(name.lower(), pattern) for pattern in patterns)
    )


def add_files_from_theme(self, env, config) -> None:
    """Files.add_files_from_theme, the filtered listing remembered (mirrors it line by line)."""
    from mkdocs.structure.files import File

    names = tuple(env.list_templates())
    for path in _static_names(names, _theme_patterns(config)):
        # Theme files do not override docs_dir files
        if self.get_file_from_path(path) is None:
            for dir in config.theme.dirs:
                # Find the first theme dir which contains path
                if os.path.isfile(os.path.join(dir, path)):
                    self.append(File(path, dir, config.site_dir, config.use_directory_urls))
                    break


def install_theme_files() -> None:
    from mkdocs.structure.files import Files

    Files.add_files_from_theme = functools.update_wrapper(
        add_files_from_theme, Files.add_files_from_theme)
