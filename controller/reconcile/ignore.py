"""JSON-pointer paths into a ``WorkflowModel`` and the globs that select them (ignore / sensitive).

Pipeline position: used by ``reconcile.diff`` to drop ignored changes and to mask sensitive ones;
the config loader can call :func:`compile_patterns` to reject a bad pattern up front. Pure: no I/O.

Paths are RFC 6901 JSON pointers over the model's field names, naming things as users do::

    /trigger/cron   /tasks/dwd_sales_clean/script/content   /tasks/x/dependencies   /tags/env

Patterns are JSON pointers whose segments may hold globs, like Argo CD's ``ignoreDifferences``
``jsonPointers`` with wildcards:

* ``*`` inside a segment matches any run of characters within that one segment, ``?`` one
  character (``/tasks/*/owner``, ``/tasks/dwd_*/timeout``); everything else is literal;
* a segment that is exactly ``**`` matches zero or more whole segments (``/**/owner``);
* a pattern also selects everything below what it matches: ``/trigger`` covers ``/trigger/cron``.

``~1`` and ``~0`` escape ``/`` and ``~`` in a name, in paths and patterns alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["PathPattern", "compile_patterns", "escape", "matches_any", "pointer", "split_pointer"]


def escape(segment: str) -> str:
    """RFC 6901 escaping of one segment.

    >>> escape("a/b~c")
    'a~1b~0c'
    """
    return segment.replace("~", "~0").replace("/", "~1")


def pointer(segments: Iterable[str]) -> str:
    """Join raw segments into a JSON pointer.

    >>> pointer(["tasks", "dwd/sales", "owner"])
    '/tasks/dwd~1sales/owner'
    """
    return "".join("/" + escape(s) for s in segments)


def split_pointer(path: str) -> tuple[str, ...]:
    """Split a JSON pointer into raw (unescaped) segments; ``""`` is the whole document.

    >>> split_pointer("/tasks/dwd~1sales/owner")
    ('tasks', 'dwd/sales', 'owner')
    """
    if not path:
        return ()
    if not path.startswith("/"):
        raise ValueError(f"{path!r} is not a JSON pointer: it must start with '/', e.g. /tasks/*/owner")
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in path[1:].split("/"))


@lru_cache(maxsize=1024)
def _segment_regex(glob: str) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob)
    return re.compile("".join(parts), re.DOTALL)


def _matches(pattern: Sequence[str], path: Sequence[str]) -> bool:
    """Whole-path match of pattern segments against path segments (``**`` = zero or more)."""
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_matches(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and _segment_regex(head).fullmatch(path[0]) is not None and _matches(rest, path[1:])


@dataclass(frozen=True)
class PathPattern:
    """A compiled glob over JSON pointers.

    >>> PathPattern.parse("/tasks/*/owner").matches("/tasks/load_orders/owner")
    True
    >>> PathPattern.parse("/trigger").matches("/trigger/cron")
    True
    >>> PathPattern.parse("/tasks/*/owner").matches("/tasks/load_orders")
    False
    """

    text: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> PathPattern:
        """Compile ``text``; raises ``ValueError`` naming the pattern and the fix."""
        stripped = text.strip()
        if not stripped.startswith("/"):
            raise ValueError(
                f"path pattern {text!r} must be a JSON pointer starting with '/' "
                "(for example /tasks/*/owner or /trigger/cron)"
            )
        return cls(text=stripped, segments=split_pointer(stripped))

    def matches(self, path: str | Sequence[str]) -> bool:
        """True when the pattern selects ``path`` or one of its ancestors."""
        segments = split_pointer(path) if isinstance(path, str) else tuple(path)
        return any(_matches(self.segments, segments[:end]) for end in range(len(segments) + 1))


def compile_patterns(patterns: Iterable[str | PathPattern]) -> tuple[PathPattern, ...]:
    """Compile many patterns at once (already compiled ones pass through).

    >>> [p.text for p in compile_patterns(["/trigger/*", "/tasks/*/owner"])]
    ['/trigger/*', '/tasks/*/owner']
    """
    return tuple(p if isinstance(p, PathPattern) else PathPattern.parse(p) for p in patterns)


def matches_any(patterns: Iterable[PathPattern], path: str | Sequence[str]) -> bool:
    """True when any pattern selects ``path`` (or an ancestor of it).

    >>> matches_any(compile_patterns(["/**/owner"]), "/tasks/a/owner")
    True
    """
    segments = split_pointer(path) if isinstance(path, str) else tuple(path)
    return any(p.matches(segments) for p in patterns)
