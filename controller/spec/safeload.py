"""Safe reading of spec files: size limit, UTF-8, JSON via ``json``, YAML via a guarded safe loader.

Pipeline position: the first step of ``loader``; everything after it sees plain JSON values
(dict with str keys, list, str, int, float, bool, None).

What "safe" means here:

* **No object construction.** YAML goes through PyYAML's *safe* constructor: ``!!python/object``
  and friends are refused with the line of the tag.
* **No bombs.** Files over ``max_bytes`` (2 MiB) are refused before parsing; YAML aliases beyond
  :data:`MAX_ALIASES` and nesting beyond :data:`MAX_DEPTH` are refused while composing, before any
  expansion happens (libyaml's own composer recurses in C and can crash the process on deep
  ``- - - -`` input, so the Python composer runs on top of the C parser).
* **YAML 1.2 core scalars, stricter on numbers.** ``yes``/``no``/``on``/``off`` stay strings,
  ``2024-01-01 00:00:00`` stays a string (FlowSpec times are strings), ``12:30`` is not 750, and
  a number with a leading zero (``064152``, an account id) stays the string it looks like — YAML
  1.1 would read it as octal 26730, losing the id. YAML and JSON of one spec load equal.
* Errors are :class:`~controller.errors.SpecError` with the 1-based line of the problem.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from controller.errors import SpecError

try:  # libyaml makes YAML ~6x faster; the pure-Python parser is the fallback.
    from yaml._yaml import CParser as _CParser

    _Parser: type = _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _PyParserBase
    from yaml.reader import Reader as _Reader
    from yaml.scanner import Scanner as _Scanner

    class _PyParser(_Reader, _PyParserBase, _Scanner):
        def __init__(self, stream: str) -> None:
            _Reader.__init__(self, stream)
            _Scanner.__init__(self)
            _PyParserBase.__init__(self)

    _Parser = _PyParser

Format = Literal["json", "yaml"]

#: Default largest spec file read, in bytes.
MAX_SPEC_BYTES = 2 * 1024 * 1024
#: Deepest nesting accepted (FlowSpec needs about 10 levels).
MAX_DEPTH = 64
#: Most YAML aliases (``*name``) accepted in one file. FlowSpec needs none; a few shared blocks are
#: harmless, and 16 bounds the worst expansion to a few hundred copies.
MAX_ALIASES = 16

_TAG_IN_PROBLEM = re.compile(r"for the tag '([^']+)'")

FORMATS: dict[str, Format] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def format_of(name: str) -> Format | None:
    """``json``/``yaml`` by file extension, else None (not a spec candidate)."""
    return FORMATS.get(Path(name).suffix.lower())


class MultipleDocumentsError(SpecError):
    """A YAML stream holds more than one document; ``documents`` are the parsed values."""

    def __init__(self, documents: list[Any], *, file: str) -> None:
        super().__init__(
            f"{len(documents)} YAML documents in one file",
            file=file,
            hint="keep one FlowSpec per file; split the documents at '---' into separate files",
        )
        self.documents = documents


class _GuardedLoader(Composer, _Parser, SafeConstructor, BaseResolver):  # type: ignore[misc]
    """Safe loader: C parser, Python composer with alias/depth limits, YAML 1.2 core scalars."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level registry

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)  # type: ignore[misc]
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        BaseResolver.__init__(self)
        self._aliases = 0
        self._depth = 0

    # CParser brings its own (recursive, C) composer; use the guarded Python one instead.
    get_single_node = Composer.get_single_node
    compose_document = Composer.compose_document
    check_node = Composer.check_node
    get_node = Composer.get_node

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, counting aliases and depth before anything is expanded."""
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _Refused(f"more than {MAX_ALIASES} YAML aliases", mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


class _Refused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _yaml12_int(loader: SafeConstructor, node: yaml.ScalarNode) -> int:
    value = str(loader.construct_scalar(node))
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value, 10)


# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution); no timestamps.
_RESOLVERS: list[tuple[str, str, str]] = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN\0"),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
]
for _tag, _regexp, _first in _RESOLVERS:
    _GuardedLoader.add_implicit_resolver(_tag, re.compile(_regexp), list(_first.replace("\0", "")) or None)
_GuardedLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
_GuardedLoader.add_constructor("tag:yaml.org,2002:int", _yaml12_int)  # type: ignore[type-var]


class _FastLoader(_Parser, SafeConstructor, BaseResolver):  # type: ignore[misc]
    """libyaml's own composer (about a third faster), used only when :func:`_plain_enough` holds.

    Same scalars and constructors as the guarded loader; what it lacks is the alias/depth guard,
    so text that could hold aliases or deep nesting never reaches it.
    """

    yaml_implicit_resolvers = _GuardedLoader.yaml_implicit_resolvers
    yaml_constructors = _GuardedLoader.yaml_constructors

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)  # type: ignore[misc]
        SafeConstructor.__init__(self)
        BaseResolver.__init__(self)

    def construct_document(self, node: Any) -> Any:
        """Build plain values straight from the node tree.

        PyYAML's generic construction (a generator per mapping, bookkeeping per node) was most of
        a cold load of a large repo. With no aliases possible here, each node is built exactly
        once, so plain recursion gives the same values; tags other than the core ones still go
        through the registered constructors (and are refused there).
        """
        try:
            return self._build(node)
        finally:
            self.constructed_objects = {}
            self.recursive_objects = {}

    def _build(self, node: Any) -> Any:
        kind, tag = node.__class__, node.tag
        if kind is ScalarNode:
            return node.value if tag == _STR_TAG else self.construct_object(node)
        if kind is SequenceNode and tag == _SEQ_TAG:
            return [self._build(item) for item in node.value]
        if kind is MappingNode and tag == _MAP_TAG and not any(k.tag == _MERGE_TAG for k, _ in node.value):
            built: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._build(key_node)
                if isinstance(key, (list, dict)):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
                    )
                built[key] = self._build(value_node)
            return built
        return self.construct_object(node, deep=True)


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"


# Consecutive "- "/"? " indicators nest one level each on a single line ("- - - - x").
_COMPACT_NESTING = re.compile(r"^(?:---)?[ \t]*(?:[-?][ \t]+){16}", re.MULTILINE)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _plain_enough(text: str) -> bool:
    """True when the text cannot hold aliases or deep nesting, so the C composer cannot blow up.

    Conservative: an anchor needs "&" and an alias "*"; flow nesting is bounded by counting
    brackets (quoted ones included); one-line compact nesting by the regex above. What remains is
    nesting by indentation, which a 2 MiB file bounds to about 2,000 levels — well within what
    libyaml's recursion survives; the resolver's walk then applies the exact depth limit.
    """
    if "&" in text and "*" in text:
        return False
    if _COMPACT_NESTING.search(text):
        return False
    depth = deepest = 0
    for char in _NOT_BRACKET.sub("", text):
        depth = depth + 1 if char in "[{" else depth - 1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH // 2:
            return False
    return True


def _line(mark: Any) -> int | None:
    return int(mark.line) + 1 if mark is not None and getattr(mark, "line", None) is not None else None


def parse_yaml(text: str, *, file: str) -> Any:
    """Parse YAML safely; one document (or None for an empty file).

    Raises SpecError with a line, or :class:`MultipleDocumentsError` for a multi-document stream.
    """
    loader = _FastLoader(text) if _plain_enough(text) else _GuardedLoader(text)
    try:
        documents: list[Any] = []
        while loader.check_data():  # type: ignore[no-untyped-call]
            documents.append(loader.get_data())
    except _Refused as exc:
        raise SpecError(
            f"refused: {exc.message}",
            file=file,
            line=_line(exc.mark),
            hint="FlowSpec needs no YAML anchors/aliases and only a few levels of nesting",
        ) from None
    except yaml.constructor.ConstructorError as exc:
        found = _TAG_IN_PROBLEM.search(exc.problem or "")
        if found is None:  # not a tag: e.g. a list or mapping used as a mapping key
            raise SpecError(
                f"invalid YAML: {exc.problem or exc.context or 'cannot build this value'}",
                file=file,
                line=_line(exc.problem_mark or exc.context_mark),
                hint="mapping keys must be plain text",
            ) from None
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!") if found else "this tag"
        raise SpecError(
            f"YAML tag {tag} is not allowed",
            file=file,
            line=_line(exc.problem_mark),
            hint="only plain YAML values are accepted; no !!python/... or other object tags",
        ) from None
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(
            f"invalid YAML: {problem}",
            file=file,
            line=_line(exc.problem_mark or exc.context_mark),
            hint="check indentation and quoting around this line",
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        raise SpecError(
            f"invalid YAML: character #x{exc.character:04x} is not allowed",
            file=file,
            line=line,
            hint="remove control characters; YAML files are plain UTF-8 text",
        ) from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(f"invalid YAML: {first}", file=file, hint="check the file's syntax") from None
    finally:
        loader.dispose()
    if len(documents) > 1:
        raise MultipleDocumentsError(documents, file=file)
    return documents[0] if documents else None


def parse_json(text: str, *, file: str) -> Any:
    """Parse JSON; errors carry the line. Nesting depth is checked by the caller's walk."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"invalid JSON at column {exc.colno}: {exc.msg}",
            file=file,
            line=exc.lineno,
            hint="check the syntax near here; a trailing or missing comma is the usual cause",
        ) from None
    except RecursionError:
        raise SpecError(f"refused: nesting deeper than {MAX_DEPTH} levels", file=file) from None


def parse_text(text: str, *, file: str, fmt: Format) -> Any:
    """Parse ``text`` as ``fmt``; see :func:`parse_json` / :func:`parse_yaml`."""
    return parse_json(text, file=file) if fmt == "json" else parse_yaml(text, file=file)


def decode(data: bytes, *, file: str) -> str:
    """UTF-8 (a BOM is accepted) or a SpecError naming the byte offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(
            f"not UTF-8 text (byte {exc.start})", file=file, line=line, hint="save the file as UTF-8"
        ) from None


def read_limited(path: Path, *, file: str, max_bytes: int, what: str = "file") -> bytes:
    """Read at most ``max_bytes`` bytes; a larger file is refused without reading it all."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise SpecError(f"{what} not found", file=file) from None
    except IsADirectoryError:
        raise SpecError(f"{what} is a directory", file=file) from None
    except OSError as exc:
        raise SpecError(f"cannot read {what}: {exc.strerror or exc}", file=file) from None
    if len(data) > max_bytes:
        raise SpecError(
            f"{what} is larger than the limit of {max_bytes} bytes",
            file=file,
            hint="split it, or raise the limit if this is really one workflow",
        )
    return data
