"""Front matter YAML with bounds: no aliases, no deep nesting, no key given twice.

PyYAML's own composer expands nothing, but what it composes can still be too much:
aliases make a small text a huge value once constructed (a 378-byte "billion laughs"
takes gigabytes), libyaml's composer recurses in C and crashes the process on deep
nesting, and a mapping quietly keeps the last of two equal keys. So the node tree is
composed here, from libyaml's event stream, one event at a time: an anchor or alias,
a level deeper than MAX_DEPTH or a repeated key stops it with the file's line, before
anything is built. The nodes are then constructed by PyYAML's safe constructor, as
`yaml.safe_load` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

# libyaml's parser, when PyYAML has it (its wheels do): 9x faster, with the same marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_KIND = {
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:merge": "a merge key",
}

# Front matter is a few levels deep (an issue's sections[0].link.url is 3); 20 is generous.
MAX_DEPTH = 20


class YamlProblems(Exception):
    """The front matter cannot be used: (line in the file, message) for each problem."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))


@dataclass
class Parsed:
    value: object  # the constructed front matter (None when empty)
    lines: dict[tuple, int]  # field path -> line in the file
    # (line, text) of every string value that could hold Markdown structure.
    texts: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Frame:
    node: yaml.Node
    path: tuple
    key: yaml.ScalarNode | None = None
    seen: dict[str, int] = field(default_factory=dict)


def parse(source: str, first_line: int = 1) -> Parsed:
    """Compose and construct one YAML document; `first_line` is the file line of its first line.

    Raises YamlProblems naming each problem's line; never expands an alias.
    """
    node, lines, texts = _compose(source, first_line)
    return Parsed(_construct(node, first_line) if node is not None else None, lines, texts)


def _line(mark, first_line: int) -> int:
    return (mark.line if mark else 0) + first_line


def _compose(source: str, first_line: int):
    loader = _Loader(source)
    lines: dict[tuple, int] = {(): first_line - 1 if first_line > 1 else 1}
    texts: list[tuple[int, str]] = []
    duplicates: list[tuple[int, str]] = []
    stack: list[_Frame] = []
    root = None

    def stop(event, message: str):
        raise YamlProblems([(_line(event.start_mark, first_line), message)])

    def attach(node: yaml.Node, event) -> tuple | None:
        """Put `node` in its parent; return the path of the value it is (None for a key)."""
        nonlocal root
        if not stack:
            root = node
            return ()
        frame = stack[-1]
        if isinstance(frame.node, yaml.SequenceNode):
            here = (*frame.path, len(frame.node.value))
            frame.node.value.append(node)
            lines[here] = _line(node.start_mark, first_line)
            return here
        if frame.key is None:  # a mapping's key
            line = _line(node.start_mark, first_line)
            if not isinstance(node, yaml.ScalarNode):
                stop(event, "a key must be a word, not a list or a mapping")
            if node.tag != _STR:
                what = _KIND.get(node.tag, "not text")
                stop(event, f"key '{node.value}' is read as {what}: put it in quotes")
            first = frame.seen.get(node.value)
            if first is not None:
                duplicates.append(
                    (line, f"key '{node.value}' is given twice (lines {first} and {line}): "
                           "keep one")
                )
            else:
                frame.seen[node.value] = line
            frame.key = node
            return None
        key, frame.key = frame.key, None
        frame.node.value.append((key, node))
        here = (*frame.path, key.value)
        lines.setdefault(here, _line(key.start_mark, first_line))
        return here

    try:
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                stop(event, f"YAML aliases (*{event.anchor}) are not allowed in front matter: "
                            "write the value out")
            if getattr(event, "anchor", None):
                stop(event, f"YAML anchors (&{event.anchor}) are not allowed in front matter: "
                            "write the value out")
            if isinstance(event, yaml.ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                node = yaml.ScalarNode(
                    tag, event.value, event.start_mark, event.end_mark, style=event.style
                )
                here = attach(node, event)
                if here is not None and tag == _STR and _may_be_markdown(event.value):
                    texts.append((_line(event.start_mark, first_line), event.value))
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    stop(event, f"front matter nested more than {MAX_DEPTH} levels deep")
                kind = (
                    yaml.SequenceNode
                    if isinstance(event, yaml.SequenceStartEvent)
                    else yaml.MappingNode
                )
                tag = event.tag
                if tag is None or tag == "!":
                    tag = loader.resolve(kind, None, event.implicit)
                node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
                here = attach(node, event)
                stack.append(_Frame(node, here if here is not None else ()))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                stack.pop().node.end_mark = event.end_mark
            elif isinstance(event, yaml.DocumentEndEvent):
                break
            elif isinstance(event, yaml.StreamEndEvent):
                break
        if not isinstance(event, yaml.StreamEndEvent):
            after = loader.get_event()
            if not isinstance(after, yaml.StreamEndEvent):
                stop(after, "more than one YAML document: remove the '...' or '---' line")
    finally:
        loader.dispose()
    if duplicates:
        raise YamlProblems(duplicates)
    return root, lines, texts


def _may_be_markdown(value: str) -> bool:
    return "\n" in value or value[:1] in ("-", "*", "+", ">", "<") or value[:1].isdigit()


_ERRORS = (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError)


def _construct(node: yaml.Node, first_line: int):
    try:
        return _Loader("").construct_document(node)
    except _ERRORS as error:
        culprit = _failing(node) or node
        mark = getattr(error, "problem_mark", None) or culprit.start_mark
        what = getattr(error, "problem", None) or str(error)
        if "integer string conversion" in what:
            what = "a number with more than 4300 digits"
        if isinstance(culprit, yaml.ScalarNode) and culprit.tag.endswith(":timestamp"):
            message = f"'{culprit.value}' is not a real date ({what})"
        else:
            message = f"front matter is not valid YAML: {what}"
        raise YamlProblems([(_line(mark, first_line), message)]) from None


def _failing(node: yaml.Node) -> yaml.Node | None:
    """The deepest node that fails to construct on its own (only run once something failed)."""
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        children = [value for _, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    for child in children:
        try:
            _Loader("").construct_document(child)
        except _ERRORS:
            return _failing(child) or child
    return None
