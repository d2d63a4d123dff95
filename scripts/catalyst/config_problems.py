"""mkdocs.yml's problems at its lines: the file's keys and values with their lines, and MkDocs'
config loader with its errors and warnings turned into `path:line` problems."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from catalyst.errors import Problem, ProblemsError


class ConfigProblems(ProblemsError):
    """mkdocs.yml cannot be loaded; `problems` says where and why."""


@dataclass(frozen=True)
class Entry:
    """One key or value of mkdocs.yml: its path of keys, its line, and its text if a scalar."""

    path: tuple
    line: int
    value: str | None


def config_entries(path: Path) -> list[Entry]:
    """Every key and scalar value of a YAML file with its line, in file order.

    A list item that is a one-key mapping (`- catalyst: {...}`) or a scalar (`- search`) is
    named by that key, so a plugin's option is `('plugins', 'catalyst', 'email_max_kb')`.
    Tags (`!!python/name:`, `!ENV`) are kept as text: nothing is constructed.
    """
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    entries: list[Entry] = []
    if node is not None:
        _walk(node, (), entries)
    return entries


def _walk(node: yaml.Node, path: tuple, entries: list[Entry]) -> None:
    if isinstance(node, yaml.ScalarNode):
        entries.append(Entry(path, node.start_mark.line + 1, str(node.value)))
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
            here = (*path, name)
            entries.append(Entry(here, key.start_mark.line + 1, None))
            _walk(value, here, entries)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            if isinstance(item, yaml.ScalarNode):
                entries.append(Entry((*path, item.value), item.start_mark.line + 1, item.value))
            elif isinstance(item, yaml.MappingNode) and len(item.value) == 1:
                _walk(item, path, entries)
            else:
                _walk(item, (*path, n), entries)


def config_line(entries: list[Entry], path: tuple, message: str = "") -> int:
    """The line of the deepest key of `path` that the file has; within it, the line of a
    value or key that `message` quotes (e.g. the extension that failed to load)."""
    path = tuple(path)
    while path and not any(e.path == path for e in entries):
        path = path[:-1]
    inside = [e for e in entries if e.path[: len(path)] == path]
    quoted = set(quoted_values(message))
    best, best_score = None, (0, 0)
    for entry in inside:
        text = entry.value if entry.value is not None else (entry.path[-1] if entry.path else "")
        if not isinstance(text, str) or len(text) < 2:
            continue
        # A value the message quotes, else the longest value it mentions.
        if text in quoted:
            score = (2, len(text))
        elif len(text) > 3 and entry.value is not None and text in message:
            score = (1, len(text))
        else:
            continue
        if score > best_score:
            best, best_score = entry, score
    if best is not None:
        return best.line
    exact = next((e for e in inside if e.path == path), None)
    return exact.line if exact else 1


def quoted_values(message: str) -> Iterator[str]:
    for match in re.finditer(r"'([^']+)'|\"([^\"]+)\"", message):
        yield match.group(1) or match.group(2)


_CONFIG_VALUE = re.compile(r"^Config value '([^']+)': (.*)$", re.DOTALL)
_NESTED = re.compile(r"^(?:Plugin '([^']+)' option|Sub-option) '([^']+)': (.*)$", re.DOTALL)
_NESTED_PLUGIN = re.compile(r"^Plugin '([^']+)' option '([^']+)': (.*)$", re.DOTALL)


def config_problem(message: str, level: str, shown: str, entries: list[Entry]) -> Problem:
    """MkDocs' `Config value 'plugins': Plugin 'catalyst' option 'x': ...` at x's line."""
    match = _CONFIG_VALUE.match(message)
    if not match:
        return Problem(shown, 1, one_line(message), level)
    path, rest = [match.group(1)], match.group(2)
    while True:
        nested = _NESTED_PLUGIN.match(rest)
        if nested:
            path += [nested.group(1), nested.group(2)]
            rest = nested.group(3)
            continue
        nested = _NESTED.match(rest)
        if nested:
            path.append(nested.group(2))
            rest = nested.group(3)
            continue
        break
    return Problem(shown, config_line(entries, tuple(path), rest), one_line(message), level)


def one_line(message: str) -> str:
    return " ".join(part.strip() for part in message.strip().splitlines() if part.strip())


class LogRecords(logging.Handler):
    """Keeps MkDocs' warnings and errors (level name, logger, message) while attached."""

    def __init__(self, logger: str = "mkdocs"):
        super().__init__(logging.WARNING)
        self.logger = logging.getLogger(logger)
        self.records: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname, record.name, record.getMessage()))

    def __enter__(self) -> LogRecords:
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self)


def load_config(config_file: Path, **options):
    """MkDocs' `load_config`; a config it refuses raises ConfigProblems at mkdocs.yml's lines.

    Returns (config, warnings): the problems of a config that loaded with warnings.
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.config import load_config as mkdocs_load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    shown = config_file.name  # paths are shown from the project's top, where mkdocs.yml is
    with LogRecords("mkdocs.config") as log:
        try:
            config = mkdocs_load_config(str(config_file), **options)
        except ConfigurationError as error:  # mkdocs.yml is not YAML, or not there
            raise ConfigProblems([_parse_problem(str(error), shown)]) from None
        except Abort as error:
            problems = _config_records(log.records, shown, config_file)
            if not problems:
                problems = [Problem(shown, 1, str(error))]
            raise ConfigProblems(problems) from None
    return config, _config_records(log.records, shown, config_file)


def _config_records(records, shown: str, config_file: Path) -> list[Problem]:
    entries = config_entries(config_file)
    return [
        config_problem(message, "error" if level in ("ERROR", "CRITICAL") else "warning",
                       shown, entries)
        for level, _, message in records
    ]


def _parse_problem(message: str, shown: str) -> Problem:
    """A YAML error in mkdocs.yml: at the line of its problem mark (the last one named)."""
    lines = [int(n) for n in re.findall(r'", line (\d+), column \d+', message)]
    text = re.sub(r'\s*in "[^"]*", line (\d+), column \d+', r" (line \1)", message)
    return Problem(shown, lines[-1] if lines else 1, one_line(text))
