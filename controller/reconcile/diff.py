"""Diff two canonical ``WorkflowModel`` values into ``Change`` values with user-facing paths.

Pipeline position: after the adapters built ``desired`` (Git) and ``live`` (DataWorks) models,
:func:`diff` says what differs; ``reconcile.plan`` decides what to do about it and the
``drift_detected`` event and ``dataworks-gitops diff`` show it. Pure: no I/O, no clock.

Reading a change: ``before`` is the **live** value, ``after`` the **desired** (Git) value — what a
sync would turn ``before`` into. ``added`` means Git has it and DataWorks does not; ``removed``
the reverse. Both models are :func:`~controller.model.normalise`-d first, so ``diff(a, b)`` is
empty exactly when ``normalise(a) == normalise(b)``.

Paths (JSON pointers, see :mod:`controller.reconcile.ignore`) follow the model's fields, and the
walk stops where users think of one value:

* a named thing present on one side only is one ``added``/``removed`` change at its name:
  ``/tasks/new_task``, ``/parameters/bizdate``, ``/tags/team``;
* sets are one value: ``/tasks/x/dependencies``, ``/tasks/x/outputs``, ``/outputs``;
* everything else is a leaf: ``/trigger/cron``, ``/tasks/x/script/content``,
  ``/tasks/x/input_variables/v/value``.

Changes come in the model's field order, names sorted within a mapping — stable across runs.
Script bodies with more than a few lines are summarised (head, line count, sha256) and the change
carries a ``unified`` excerpt. Secret-looking and sensitive values are masked (``***``) but still
compared, so their drift is reported without being shown (:mod:`controller.reconcile.masking`).
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, overload

from controller.model import Dependency, WorkflowModel, normalise
from controller.reconcile.ignore import compile_patterns, matches_any, pointer
from controller.reconcile.masking import MASK, Masker, secret_values

__all__ = ["Change", "ChangeKind", "Diff", "diff", "summarise_content"]

ChangeKind = Literal["added", "removed", "changed"]

#: Script bodies longer than this (lines or characters) are shown as a summary, not in full.
_SUMMARY_LINES: Final = 3
_SUMMARY_CHARS: Final = 200
#: How much of a unified excerpt is kept (context lines around each hunk, total lines).
_CONTEXT_LINES: Final = 3
_UNIFIED_MAX_LINES: Final = 60


@dataclass(frozen=True)
class Change:
    """One difference: where, what kind, the live value (``before``) and the desired one (``after``).

    ``before``/``after`` are JSON-ready and already masked; ``None`` is "absent". ``unified`` is a
    unified-diff excerpt for multi-line text (script bodies), else ``None``.

    >>> Change("/trigger/cron", "changed", "00 00 02 * * ?", "00 30 02 * * ?").to_json()["path"]
    '/trigger/cron'
    """

    path: str
    kind: ChangeKind
    before: Any
    after: Any
    unified: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain dict for ``--output json`` and log events."""
        out: dict[str, Any] = {"path": self.path, "kind": self.kind, "before": self.before, "after": self.after}
        if self.unified is not None:
            out["unified"] = self.unified
        return out


class Diff(Sequence[Change]):
    """An immutable, ordered sequence of :class:`Change` (kopf's ``Diff`` in spirit); falsy when empty.

    >>> d = Diff([Change("/owner", "changed", "1", "2")])
    >>> bool(d), d.paths, d == Diff(list(d)), Diff() == []
    (True, ('/owner',), True, True)
    """

    __slots__ = ("_changes",)

    def __init__(self, changes: Sequence[Change] = ()) -> None:
        self._changes: tuple[Change, ...] = tuple(changes)

    @overload
    def __getitem__(self, index: int) -> Change: ...
    @overload
    def __getitem__(self, index: slice) -> Diff: ...
    def __getitem__(self, index: int | slice) -> Change | Diff:
        if isinstance(index, slice):
            return Diff(self._changes[index])
        return self._changes[index]

    def __len__(self) -> int:
        return len(self._changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self._changes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Diff):
            return self._changes == other._changes
        if isinstance(other, list | tuple):
            return self._changes == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._changes)

    def __repr__(self) -> str:
        return f"Diff({list(self._changes)!r})"

    @property
    def paths(self) -> tuple[str, ...]:
        """The changed paths, in order (what ``drift_detected`` logs as ``fields``)."""
        return tuple(c.path for c in self._changes)

    def to_json(self) -> list[dict[str, Any]]:
        """Every change as a plain dict."""
        return [c.to_json() for c in self._changes]


def summarise_content(content: str) -> dict[str, Any] | str:
    """A script body as shown in a change: itself when short, else head + line count + sha256.

    >>> summarise_content("select 1;")
    'select 1;'
    >>> sorted(summarise_content("a\\nb\\nc\\nd\\ne"))
    ['head', 'lines', 'sha256']
    """
    lines = content.split("\n")
    if len(lines) <= _SUMMARY_LINES and len(content) <= _SUMMARY_CHARS:
        return content
    return {
        "head": "\n".join(lines[:_SUMMARY_LINES])[:_SUMMARY_CHARS],
        "lines": len(lines),
        "sha256": hashlib.sha256(content.encode("utf-8")).hexdigest(),
    }


# --- rendering: model values → JSON-ready values -------------------------------------------------


def _render(value: object, segments: tuple[str, ...]) -> Any:
    if segments[-2:] == ("script", "content") and isinstance(value, str):
        return summarise_content(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _render(getattr(value, f.name), (*segments, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _render(value[k], (*segments, str(k))) for k in sorted(value, key=str)}
    if isinstance(value, frozenset | set):
        items = sorted(value)
        return [{"type": d.type, "upstream": d.upstream} if isinstance(d, Dependency) else d for d in items]
    return value


# --- the walk ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Raw:
    segments: tuple[str, ...]
    kind: ChangeKind
    before: object
    after: object


def _walk(segments: tuple[str, ...], live: object, desired: object) -> Iterator[_Raw]:
    if live == desired:
        return
    if (
        dataclasses.is_dataclass(live)
        and not isinstance(live, type)
        and type(live) is type(desired)
    ):
        for f in dataclasses.fields(live):
            yield from _walk((*segments, f.name), getattr(live, f.name), getattr(desired, f.name))
        return
    if isinstance(live, Mapping) and isinstance(desired, Mapping):
        for key in sorted(set(live) | set(desired), key=str):
            at = (*segments, str(key))
            if key not in live:
                yield _Raw(at, "added", None, desired[key])
            elif key not in desired:
                yield _Raw(at, "removed", live[key], None)
            else:
                yield from _walk(at, live[key], desired[key])
        return
    yield _Raw(segments, "changed", live, desired)


def _unified(segments: tuple[str, ...], before: object, after: object, masker: Masker) -> str | None:
    if not (isinstance(before, str) and isinstance(after, str)) or ("\n" not in before and "\n" not in after):
        return None
    if masker.hides(segments):
        return MASK
    path = pointer(segments)
    lines = list(
        difflib.unified_diff(
            before.split("\n"),
            after.split("\n"),
            fromfile=f"live{path}",
            tofile=f"desired{path}",
            n=_CONTEXT_LINES,
            lineterm="",
        )
    )
    if len(lines) > _UNIFIED_MAX_LINES:
        lines = [*lines[:_UNIFIED_MAX_LINES], f"... ({len(lines) - _UNIFIED_MAX_LINES} more lines)"]
    return masker.scrub("\n".join(lines))


def diff(
    desired: WorkflowModel,
    live: WorkflowModel,
    *,
    ignore: Sequence[str] = (),
    sensitive: Sequence[str] = (),
) -> Diff:
    """What differs between ``desired`` (Git) and ``live`` (DataWorks), ignored paths left out.

    ``ignore`` and ``sensitive`` are JSON-pointer globs (:mod:`controller.reconcile.ignore`); a
    malformed one raises ``ValueError`` naming it.

    >>> from controller.model import Trigger
    >>> git = WorkflowModel(name="wf", trigger=Trigger(cron="0 30 2 * * ?"))
    >>> live = WorkflowModel(name="wf", trigger=Trigger(cron="00 00 02 * * ?"))
    >>> [(c.path, c.before, c.after) for c in diff(git, live)]
    [('/trigger/cron', '00 00 02 * * ?', '00 30 02 * * ?')]
    >>> diff(git, live, ignore=["/trigger/*"])
    Diff([])
    """
    ignored = compile_patterns(ignore)
    if desired == live:  # the steady state: adapters hand over normal forms, equal ones are done
        return Diff()
    desired, live = normalise(desired), normalise(live)
    masker = Masker(compile_patterns(sensitive), secret_values(desired) | secret_values(live))
    changes: list[Change] = []
    for raw in _walk((), live, desired):
        if matches_any(ignored, raw.segments):
            continue
        changes.append(
            Change(
                path=pointer(raw.segments),
                kind=raw.kind,
                before=masker.mask(raw.segments, _render(raw.before, raw.segments)),
                after=masker.mask(raw.segments, _render(raw.after, raw.segments)),
                unified=_unified(raw.segments, raw.before, raw.after, masker) if raw.kind == "changed" else None,
            )
        )
    return Diff(changes)
