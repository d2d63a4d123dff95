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


class _Frame:
    """An open sequence or mapping: its node, path, pending key and the keys it has."""

    __slots__ = ("node", "path", "mapping", "key", "seen")

    def __init__(self, node: yaml.Node, path: tuple):
        self.node, self.path = node, path
        self.mapping = isinstance(node, yaml.MappingNode)
        self.key: yaml.ScalarNode | None = None
        self.seen: dict[str, int] = {}


def parse(source: str, first_line: int = 1) -> Parsed:
    """Compose and construct one YAML document; `first_line` is the file line of its first line.

    Raises YamlProblems naming each problem's line (yaml.YAMLError, with its mark, for
    text that is not YAML at all); never expands an alias.
    """
    try:
        node, lines, texts = _compose(source, first_line)
    except yaml.YAMLError as error:
        # libyaml 0.2.6 (PyYAML 6.0.4's wheels) stops at 1,000 levels itself, scanning ahead
        # before the composer sees depth MAX_DEPTH: the same mistake, said the same way.
        if "maximum nesting depth" not in str(getattr(error, "problem", "")):
            raise
        mark = getattr(error, "problem_mark", None)
        message = f"front matter nested more than {MAX_DEPTH} levels deep"
        raise YamlProblems([(_line(mark, first_line), message)]) from None
    return Parsed(_construct(node, first_line) if node is not None else None, lines, texts)


def _line(mark, first_line: int) -> int:
    return (mark.line if mark else 0) + first_line


def _stop(event, first_line: int, message: str):
    raise YamlProblems([(_line(event.start_mark, first_line), message)])


_STARTS = {yaml.SequenceStartEvent: yaml.SequenceNode, yaml.MappingStartEvent: yaml.MappingNode}
_ENDS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_DONE = (yaml.DocumentEndEvent, yaml.StreamEndEvent)


def _compose(source: str, first_line: int):
    return _Composer(source, first_line).run()


class _Composer:
    """One pass over a document's events: its nodes, each value's line, the text values.
    It runs for every file, so it is written for speed."""

    def __init__(self, source: str, first_line: int):
        self.loader = _Loader(source)
        self.first_line = first_line
        self.lines: dict[tuple, int] = {(): first_line - 1 if first_line > 1 else 1}
        self.texts: list[tuple[int, str]] = []
        self.duplicates: list[tuple[int, str]] = []
        self.stack: list[_Frame] = []
        self.root = None

    def run(self):
        get_event, first_line = self.loader.get_event, self.first_line
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        try:
            while True:
                event = get_event()
                kind = event.__class__
                if kind is alias_event:
                    _stop(event, first_line, f"YAML aliases (*{event.anchor}) are not allowed "
                                             "in front matter: write the value out")
                if kind is scalar_event or kind in _STARTS:
                    self._node(event, kind)
                elif kind in _ENDS:
                    self.stack.pop().node.end_mark = event.end_mark
                elif kind in _DONE:
                    break
            if kind is not yaml.StreamEndEvent:
                after = get_event()
                if not isinstance(after, yaml.StreamEndEvent):
                    _stop(after, first_line,
                          "more than one YAML document: remove the '...' or '---' line")
        except yaml.YAMLError as error:
            # PyYAML 6.0.4's scanner has a nesting limit of its own, met before these events
            # (it reads a flow collection ahead): the same rule, said the same way.
            if "maximum nesting depth" not in str(getattr(error, "problem", "")):
                raise
            mark = error.problem_mark or error.context_mark
            message = f"front matter nested more than {MAX_DEPTH} levels deep"
            raise YamlProblems([(_line(mark, first_line), message)]) from None
        finally:
            self.loader.dispose()
        if self.duplicates:
            raise YamlProblems(self.duplicates)
        return self.root, self.lines, self.texts

    def _node(self, event, kind) -> None:
        """A scalar, or the start of a sequence or mapping: its node, attached to its parent."""
        if event.anchor:
            _stop(event, self.first_line, f"YAML anchors (&{event.anchor}) are not allowed "
                                          "in front matter: write the value out")
        tag = event.tag
        if kind is yaml.ScalarEvent:
            if tag is None or tag == "!":
                tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(
                tag, event.value, event.start_mark, event.end_mark, style=event.style
            )
            here = self._attach(node, event)
            if here is not None and tag == _STR and _may_be_markdown(event.value):
                self.texts.append((event.start_mark.line + self.first_line, event.value))
            return
        if len(self.stack) >= MAX_DEPTH:
            _stop(event, self.first_line, f"front matter nested more than {MAX_DEPTH} levels deep")
        node_class = _STARTS[kind]
        if tag is None or tag == "!":
            tag = self.loader.resolve(node_class, None, event.implicit)
        node = node_class(tag, [], event.start_mark, None, flow_style=event.flow_style)
        here = self._attach(node, event)
        self.stack.append(_Frame(node, here if here is not None else ()))

    def _attach(self, node, event) -> tuple | None:
        """Attach `node` to its parent; its path (None for a key)."""
        if not self.stack:
            self.root = node
            return ()
        frame = self.stack[-1]
        if not frame.mapping:
            here = (*frame.path, len(frame.node.value))
            frame.node.value.append(node)
            self.lines[here] = node.start_mark.line + self.first_line
            return here
        if frame.key is None:
            _check_key(node, event, frame, self.first_line, self.duplicates)
            frame.key = node
            return None
        key, frame.key = frame.key, None
        frame.node.value.append((key, node))
        here = (*frame.path, key.value)
        if here not in self.lines:
            self.lines[here] = key.start_mark.line + self.first_line
        return here


def _check_key(node, event, frame: _Frame, first_line: int, duplicates: list) -> None:
    line = node.start_mark.line + first_line
    if not isinstance(node, yaml.ScalarNode):
        _stop(event, first_line, "a key must be a word, not a list or a mapping")
    if node.tag != _STR:
        what = _KIND.get(node.tag, "not text")
        _stop(event, first_line, f"key '{node.value}' is read as {what}: put it in quotes")
    first = frame.seen.get(node.value)
    if first is not None:
        duplicates.append(
            (line, f"key '{node.value}' is given twice (lines {first} and {line}): keep one")
        )
    else:
        frame.seen[node.value] = line


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
