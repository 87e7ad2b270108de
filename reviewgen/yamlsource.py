"""Read one YAML file into plain data plus a map of where every value came from.

PyYAML's own loader is not used on review files: it overwrites duplicate keys
silently, expands aliases (an alias bomb multiplies memory), recurses once per
nesting level, and constructs arbitrary tags. Instead the event stream is folded
into data with an explicit stack, so every rule below is enforced at the event
that breaks it, with its line and column:

* at most `MAX_BYTES` per file, UTF-8 only, no NUL or other control bytes;
* no anchors, aliases, merge keys or explicit tags (reviews do not need them);
* no duplicate keys; keys are text;
* nesting at most `MAX_DEPTH` levels.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from .errors import Problem, display_path

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 40

Loc = tuple[int, int]
PathKey = tuple[str | int, ...]

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Everything YAML does not accept as printable (PyYAML's Reader.NON_PRINTABLE): C0 and C1
# controls except tab/newline/CR/NEL, DEL, surrogates, U+FFFE and U+FFFF.
_CONTROL = re.compile(r"[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


@dataclass
class Document:
    """Plain data from one file, with the line and column of every value and key."""

    path: Path
    shown: str
    data: Any
    values: dict[PathKey, Loc] = field(default_factory=dict)
    keys: dict[PathKey, Loc] = field(default_factory=dict)
    text: str = ""
    """The file as read, for checks that look at the raw text (the secret scan)."""

    def at(self, path: PathKey, *, key: bool = False) -> Loc:
        """The location of `path`, or of its nearest enclosing value that exists."""
        if key and path in self.keys:
            return self.keys[path]
        probe = path
        while probe not in self.values and probe:
            probe = probe[:-1]
        return self.values.get(probe, (1, 1))

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        line, column = self.at(path, key=key)
        return Problem(self.shown, line, column, message)


_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class _Builder:
    """Folds parser events into data; one frame per open mapping or sequence.

    A frame is `[container, its path, the key read and not yet given a value]` (the key
    is None between entries). `run` is the loop over the parser's events, written for
    speed: it is the part of loading that runs once per event of every file.
    """

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.values: dict[PathKey, Loc] = {}
        self.keys: dict[PathKey, Loc] = {}
        self.stack: list[list[Any]] = []
        self.root: Any = None
        # Shared by every file: only their scalar methods are used, which keep no state.
        self.resolver = _RESOLVER
        self.constructor = _CONSTRUCTOR
        resolvers = self.resolver.yaml_implicit_resolvers
        # A plain scalar whose first character no implicit resolver is keyed on is text
        # (what `Resolver.resolve` returns for it, without its lookups).
        self.text_always = None not in resolvers and not self.resolver.yaml_path_resolvers
        self.typed_first = frozenset(k for k in resolvers if k)

    def fail(self, mark: Any, message: str) -> None:
        raise YamlProblem(Problem(self.shown, mark.line + 1, mark.column + 1, message))

    def check_node(self, event: Any) -> None:
        if getattr(event, "anchor", None):
            self.fail(event.start_mark, "anchors (&name) are not supported; write the value out")
        tag = getattr(event, "tag", None)
        if tag and tag != "!" and not (isinstance(event, yaml.ScalarEvent) and event.implicit[0]):
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.fail(event.start_mark, f"tags such as {shown} are not supported; remove the tag")

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        value = event.value
        if event.style or event.tag == "!":
            return value  # quoted or block scalars are always text
        if self.text_always and value and value[0] not in self.typed_first and event.implicit[0]:
            return value
        tag: str = self.resolver.resolve(  # type: ignore[no-untyped-call]
            yaml.ScalarNode, value, event.implicit
        )
        if tag == _STR or tag not in _SCALAR_TAGS:
            return value  # the constructor would return the text unchanged
        node = yaml.ScalarNode(tag, value, None, None, event.style)
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, node)
        except (ValueError, yaml.YAMLError):
            self.fail(event.start_mark, f"cannot read {value!r} as a value")

    def add(self, value: Any, mark: Any, container: bool) -> PathKey:
        """Place a finished scalar, or a freshly opened container, into its parent; the
        path it was placed at."""
        loc = (mark.line + 1, mark.column + 1)
        if not self.stack:
            self.values[()] = loc
            self.root = value
            return ()
        frame = self.stack[-1]
        parent = frame[0]
        if type(parent) is list:
            path = (*frame[1], len(parent))
            parent.append(value)
            self.values[path] = loc
            return path
        key = frame[2]
        if key is None:
            if container:
                self.fail(mark, "a key must be plain text, not a list or mapping")
            if value == "<<":
                self.fail(mark, "merge keys (<<) are not supported; write the keys out")
            if not isinstance(value, str):
                value = self.key_text(value)
            path = (*frame[1], value)
            if value in parent:
                line, _ = self.keys[path]
                self.fail(mark, f"duplicate key {value!r} (first defined at line {line})")
            frame[2] = value
            self.keys[path] = loc
            parent[value] = None
            return ()  # a key opens nothing
        path = (*frame[1], key)
        parent[key] = value
        self.values[path] = loc
        frame[2] = None
        return path

    @staticmethod
    def key_text(value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def open(self, value: list[Any] | dict[str, Any], event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            self.fail(event.start_mark, f"nested deeper than {MAX_DEPTH} levels")
        path = self.add(value, event.start_mark, container=True)
        self.stack.append([value, path, None])

    def feed(self, event: Any) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor or event.tag:
                self.check_node(event)
            self.add(self.scalar(event), event.start_mark, container=False)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self.stack.pop()
        elif kind is yaml.MappingStartEvent:
            self.check_node(event)
            self.open({}, event)
        elif kind is yaml.SequenceStartEvent:
            self.check_node(event)
            self.open([], event)
        elif isinstance(event, yaml.AliasEvent):
            self.fail(event.start_mark, "aliases (*name) are not supported; write the value out")
        elif isinstance(event, yaml.ScalarEvent):
            self.check_node(event)
            self.add(self.scalar(event), event.start_mark, container=False)
        elif isinstance(event, yaml.MappingStartEvent):
            self.check_node(event)
            self.open({}, event)
        elif isinstance(event, yaml.SequenceStartEvent):
            self.check_node(event)
            self.open([], event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.stack.pop()
        elif isinstance(event, yaml.DocumentStartEvent) and self.values:
            self.fail(event.start_mark, "only one YAML document per file (remove the '---')")

    def run(self, loader: Any) -> None:
        """Feed every event of `loader` (a parser: `get_event` until the stream ends).

        The two most common events, a scalar without anchor or tag and the end of a
        mapping or sequence, are handled here as `feed` handles them, without the call.
        """
        get_event, feed, add, scalar = loader.get_event, self.feed, self.add, self.scalar
        stack = self.stack
        scalar_kind, end = yaml.ScalarEvent, yaml.StreamEndEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        while True:
            event = get_event()
            if event is None:
                return
            kind = type(event)
            if kind is scalar_kind and not (event.anchor or event.tag):
                add(scalar(event), event.start_mark, False)
            elif kind is mapping_end or kind is sequence_end:
                stack.pop()
            else:
                feed(event)
                if kind is end:
                    return


def _syntax_message(error: yaml.MarkedYAMLError, text: str) -> str:
    problem = error.problem or "invalid YAML"
    mark = error.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return "tab character: YAML indentation must use spaces"
    context = f" ({error.context})" if error.context else ""
    return f"YAML syntax error: {problem}{context}"


def _decode(raw: bytes, shown: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        column = err.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(
            Problem(shown, line, column, "not valid UTF-8 text; save the file as UTF-8")
        ) from None
    bad = _CONTROL.search(text)
    if bad:
        before_text = text[: bad.start()]
        line = before_text.count("\n") + 1
        column = bad.start() - (before_text.rfind("\n") + 1) + 1
        code = f"U+{ord(bad.group()):04X}"
        what = "control character" if unicodedata.category(bad.group()) == "Cc" else "character"
        raise YamlProblem(Problem(shown, line, column, f"{what} {code} is not allowed in text"))
    return text.removeprefix("\ufeff")


def read_yaml(path: Path) -> Document:
    """Parse one file; raise `YamlProblem` at the first thing that stops reading it."""
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            limit = MAX_BYTES // (1024 * 1024)
            raise YamlProblem(Problem(shown, 1, 1, f"file is larger than {limit} MB"))
        raw = path.read_bytes()
    except OSError as err:
        raise YamlProblem(Problem(shown, 1, 1, f"cannot read file: {err.strerror}")) from None
    return parse_yaml(raw, path, shown)


def parse_yaml(raw: bytes, path: Path, shown: str) -> Document:
    """Parse the bytes of one file (read from disk, or from a git revision), with the same
    bounds and messages as `read_yaml`; raise `YamlProblem` at the first thing that stops
    reading it."""
    if len(raw) > MAX_BYTES:
        limit = MAX_BYTES // (1024 * 1024)
        raise YamlProblem(Problem(shown, 1, 1, f"file is larger than {limit} MB"))
    text = _decode(raw, shown)
    builder = _Builder(shown)
    loader = _Loader(text)
    try:
        builder.run(loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(Problem(shown, line, column, _syntax_message(err, text))) from None
    except yaml.YAMLError as err:
        message = " ".join(str(err).split())  # one line, whatever the parser said
        raise YamlProblem(Problem(shown, 1, 1, f"YAML error: {message}")) from None
    finally:
        loader.dispose()
    return Document(path, shown, builder.root, builder.values, builder.keys, text)
