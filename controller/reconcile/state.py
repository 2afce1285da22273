"""What a sync run remembers between runs, as the reconciler sees it (the store implements it).

Pipeline position: ``run`` reads and writes through :class:`RunState`; ``controller.store`` holds
the SQLite tables behind it. Keeping this narrow protocol here lets the reconciler be tested with
an in-memory state and keeps SQL out of the reconcile package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from controller.reconcile.plan import Status

InFlightKind = Literal["import_job", "pipeline_run"]


@dataclass(frozen=True)
class WorkflowRecord:
    """Everything the reconciler remembers about one workflow of one source."""

    source: str
    identity: str
    name: str
    path: str
    file: str = ""
    status: Status = "Unknown"
    owned: bool = False
    definition_id: str | None = None
    workflow_id: int | None = None
    #: Digest of the desired spec last compared, and last successfully applied.
    compared_hash: str | None = None
    applied_hash: str | None = None
    #: Live ModifyTime (epoch ms) of the object compared, when it was compared.
    live_modify_time: int | None = None
    last_full_read: float | None = None
    last_commit: str | None = None
    last_drift: tuple[dict[str, Any], ...] = ()
    last_drift_at: float | None = None
    last_error: str = ""


@dataclass(frozen=True)
class InFlightRecord:
    """Async work started and not yet seen to its end."""

    source: str
    identity: str
    kind: InFlightKind
    work_id: str
    detail: str = ""
    started: float = 0.0


@dataclass(frozen=True)
class SourceRecord:
    """A source's own state: suspension, last fetched commit, last error."""

    source: str
    suspended: bool = False
    status: Status = "Unknown"
    last_commit: str | None = None
    last_sync: float | None = None
    last_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class RunState(Protocol):
    """The store, as the reconciler uses it."""

    def workflow(self, source: str, identity: str) -> WorkflowRecord | None:
        """One workflow's record."""

    def workflows(self, source: str) -> Sequence[WorkflowRecord]:
        """All records of a source."""

    def put_workflow(self, record: WorkflowRecord) -> None:
        """Insert or replace a workflow's record."""

    def forget_workflow(self, source: str, identity: str) -> None:
        """Drop a workflow's record (after a prune, or when it vanished from DataWorks)."""

    def inflight(self, source: str) -> Sequence[InFlightRecord]:
        """Async work of a source not yet seen to its end."""

    def begin_inflight(self, record: InFlightRecord) -> None:
        """Record async work before polling it."""

    def end_inflight(self, source: str, identity: str, kind: InFlightKind) -> None:
        """Forget async work that ended."""

    def source(self, name: str) -> SourceRecord:
        """A source's own state (a default record when unknown)."""

    def put_source(self, record: SourceRecord) -> None:
        """Insert or replace a source's state."""

    def record_run(self, source: str, started: float, finished: float, result: str, summary: dict[str, Any]) -> None:
        """Append one run to the history."""
