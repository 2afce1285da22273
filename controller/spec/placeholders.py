"""``${NAME}`` placeholders: per-source values (``sources[].vars``, ``--var``) filled into specs.

Pipeline position: applied by ``resolve`` to every string of a spec and to the text of every
script file, after parsing and before the document is typed and validated.

The rule, chosen so DataWorks' own scheduling parameters are never touched:

* ``${NAME}`` is a placeholder only when NAME matches ``[A-Z][A-Z0-9_]*`` (upper case, digits,
  underscores, starting with a letter): ``${ENV}``, ``${ODS_PROJECT}``.
* Everything else passes through byte for byte: ``${yyyymmdd}``, ``${bizdate}``, ``$bizdate``,
  ``$[yyyymmdd-1]``, ``${outputs}``, ``${ BIZDATE }``, ``${Env}``.
* ``$${NAME}`` is an escape and becomes the literal text ``${NAME}`` (for a DataWorks parameter
  that happens to be upper case, e.g. ``$${BIZDATE}`` in SQL).
* A placeholder whose NAME has no value is an error, never an empty string.
* Substitution is one pass: a value containing ``${OTHER}`` is inserted as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

#: What a placeholder name looks like (also the rule for ``--var NAME=VALUE`` names).
NAME_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")
_PLACEHOLDER = re.compile(r"\$(\$?)\{([A-Z][A-Z0-9_]*)\}")


class Missing(NamedTuple):
    """An undefined placeholder: its name and character offset in the text."""

    name: str
    offset: int


def is_var_name(name: str) -> bool:
    """True when ``name`` can be used as ``${name}`` (``[A-Z][A-Z0-9_]*``)."""
    return NAME_PATTERN.fullmatch(name) is not None


def substitute(text: str, variables: Mapping[str, str]) -> tuple[str, list[Missing]]:
    """Fill placeholders in ``text``; return the new text and the undefined placeholders.

    Undefined placeholders are left as they were in the returned text; callers report them.
    """
    if "${" not in text:  # the common case, and the cheap one
        return text, []
    missing: list[Missing] = []

    def fill(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        value = variables.get(name)
        if value is None:
            missing.append(Missing(name, match.start()))
            return match.group(0)
        return value

    return _PLACEHOLDER.sub(fill, text), missing


def placeholders_in(text: str) -> list[str]:
    """Names of the (unescaped) placeholders in ``text``, in order of appearance."""
    return [m.group(2) for m in _PLACEHOLDER.finditer(text) if not m.group(1)]


def line_at(text: str, offset: int) -> int:
    """1-based line of character ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1
