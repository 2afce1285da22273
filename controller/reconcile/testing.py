"""Test helpers shipped with the reconciler (as structlog ships ``structlog.testing``).

:class:`MemoryState` implements :class:`~controller.reconcile.state.RunState` in memory, so a sync
run can be exercised against the simulator without a SQLite file; :class:`DirectoryCheckout` is a
:class:`~controller.reconcile.run.Checkout` of a plain folder (no git).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.reconcile.state import InFlightKind, InFlightRecord, SourceRecord, WorkflowRecord


@dataclass
class MemoryState:
    """An in-memory run state; inspect ``records``, ``operations``, ``runs`` in tests."""

    records: dict[tuple[str, str], WorkflowRecord] = field(default_factory=dict)
    operations: dict[tuple[str, str, str], InFlightRecord] = field(default_factory=dict)
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    runs: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def workflow(self, source: str, identity: str) -> WorkflowRecord | None:
        return self.records.get((source, identity))

    def workflows(self, source: str) -> Sequence[WorkflowRecord]:
        return [r for (s, _), r in sorted(self.records.items()) if s == source]

    def put_workflow(self, record: WorkflowRecord) -> None:
        self.records[(record.source, record.identity)] = record

    def forget_workflow(self, source: str, identity: str) -> None:
        self.records.pop((source, identity), None)

    def inflight(self, source: str) -> Sequence[InFlightRecord]:
        return [r for (s, _, _), r in sorted(self.operations.items()) if s == source]

    def begin_inflight(self, record: InFlightRecord) -> None:
        self.operations[(record.source, record.identity, record.kind)] = record

    def end_inflight(self, source: str, identity: str, kind: InFlightKind) -> None:
        self.operations.pop((source, identity, kind), None)

    def source(self, name: str) -> SourceRecord:
        return self.sources.get(name) or SourceRecord(source=name)

    def put_source(self, record: SourceRecord) -> None:
        self.sources[record.source] = record

    def record_run(self, source: str, started: float, finished: float, result: str, summary: dict[str, Any]) -> None:
        self.runs.append((source, result, {**summary, "seconds": finished - started}))


@dataclass(frozen=True)
class DirectoryCheckout:
    """A folder treated as a checked-out commit."""

    root: Path
    commit: str = "0" * 40
