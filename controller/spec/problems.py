"""One finding about one FlowSpec file: the unit every loader and validator step reports.

Pipeline position: produced by ``loader`` (read, parse, placeholders, script files) and
``validate`` (rules); consumed by ``dataworks-gitops validate`` (text/JSON output) and by the
reconciler (a workflow with an error is marked ``Failed`` with these messages).

Every problem renders as ``file[:line]: json-path: message (hint)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from controller.errors import SpecError

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """A problem in ``file`` (relative to the repository root) at JSON ``path``.

    ``line`` is 1-based when the position is known. ``severity`` ``error`` makes the file fail
    (not synced, ``validate`` exits 1); ``warning`` is reported and nothing else.
    """

    file: str
    path: str
    message: str
    hint: str | None = None
    line: int | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text if self.severity == "error" else f"{text} [warning]"

    @property
    def is_error(self) -> bool:
        """True for ``severity == "error"``."""
        return self.severity == "error"

    def with_line(self, line: int | None) -> SpecProblem:
        """A copy with ``line`` set (keeps an already known line)."""
        return self if self.line is not None or line is None else replace(self, line=line)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used by ``validate --output json``."""
        return {
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }

    def to_error(self) -> SpecError:
        """The same finding as a :class:`~controller.errors.SpecError` (for code that raises)."""
        return SpecError(self.message, file=self.file, path=self.path, line=self.line, hint=self.hint)

    @classmethod
    def from_error(cls, error: SpecError, *, severity: Severity = "error") -> SpecProblem:
        """Wrap a SpecError (as raised by ``parse_flowspec`` and the readers)."""
        return cls(
            file=error.file,
            path=error.path,
            message=error.message,
            hint=error.hint,
            line=error.line,
            severity=severity,
        )


def has_errors(problems: tuple[SpecProblem, ...] | list[SpecProblem]) -> bool:
    """True when any problem is an error (warnings do not count)."""
    return any(p.is_error for p in problems)
