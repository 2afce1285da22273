"""Line numbers for JSON paths: turn ``$.spec.workflows[0].nodes[2].name`` into ``12``.

Pipeline position: used by ``loader`` only when a file has problems, so a clean repository never
pays for it. JSON is walked with the standard library's scanner; YAML is composed (not
constructed) with the same guarded safe loader the parser uses. When a path does not exist in the
file (a missing field), the line of the deepest part that exists is returned.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import yaml

from controller.spec.safeload import Format, _GuardedLoader

_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]")
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def path_parts(path: str) -> list[int | str]:
    """``$.a[0]['x-y']`` → ``["a", 0, "x-y"]`` (the inverse of ``flowspec.json_path``)."""
    parts: list[int | str] = []
    for match in _TOKEN.finditer(path, 1 if path.startswith("$") else 0):
        name, index, quoted = match.groups()
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(str(ast.literal_eval(quoted)))
    return parts


def line_of(text: str, fmt: Format, path: str) -> int | None:
    """1-based line of ``path`` in ``text`` (or of its deepest existing ancestor); None if unknown."""
    try:
        parts = path_parts(path)
        return _json_line(text, parts) if fmt == "json" else _yaml_line(text, parts)
    except (ValueError, IndexError, SyntaxError, yaml.YAMLError, RecursionError):
        return None


def _skip(text: str, index: int) -> int:
    match = _WS.match(text, index)
    return match.end() if match else index


def _json_line(text: str, parts: list[int | str]) -> int | None:
    index = _skip(text, 0)
    if text.startswith("\ufeff"):
        index = _skip(text, 1)
    best = index
    for part in parts:
        opener = text[index : index + 1]
        found = None
        if opener == "{" and isinstance(part, str):
            found = _json_member(text, index, part)
        elif opener == "[" and isinstance(part, int):
            found = _json_element(text, index, part)
        if found is None:
            break
        best, index = found
    return text.count("\n", 0, best) + 1


def _json_member(text: str, index: int, wanted: str) -> tuple[int, int] | None:
    """(position of the key, position of its value) of member ``wanted`` of the object at ``index``."""
    index = _skip(text, index + 1)
    while index < len(text) and text[index] == '"':
        key_at = index
        key, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _skip(text, index)
        if text[index : index + 1] != ":":
            return None
        value_at = _skip(text, index + 1)
        if key == wanted:
            return key_at, value_at
        index = _skip(text, _end_of_value(text, value_at))
        if text[index : index + 1] != ",":
            return None
        index = _skip(text, index + 1)
    return None


def _json_element(text: str, index: int, wanted: int) -> tuple[int, int] | None:
    index = _skip(text, index + 1)
    position = 0
    while index < len(text) and text[index] != "]":
        if position == wanted:
            return index, index
        index = _skip(text, _end_of_value(text, index))
        if text[index : index + 1] != ",":
            return None
        index = _skip(text, index + 1)
        position += 1
    return None


def _end_of_value(text: str, index: int) -> int:
    _value, end = _DECODER.raw_decode(text, index)
    return int(end)


def _yaml_line(text: str, parts: list[int | str]) -> int | None:
    loader = _GuardedLoader(text)
    try:
        node: Any = loader.get_single_node()
    finally:
        loader.dispose()
    if node is None:
        return None
    line = int(node.start_mark.line) + 1
    for part in parts:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    line, child = int(key_node.start_mark.line) + 1, value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = int(child.start_mark.line) + 1
        if child is None:
            break
        node = child
    return line
