"""The SQLite store as the reconciler's :class:`~controller.reconcile.state.RunState`.

Pipeline position: the seam between ``reconcile`` and ``store``; converts the reconciler's records
(epoch seconds, one live ModifyTime of the object compared) to the store's rows (datetimes, both
modify times) and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from controller.reconcile.state import InFlightKind, InFlightRecord, SourceRecord, WorkflowRecord
from controller.store import Store
from controller.store.records import InFlightOperation, SourceState
from controller.store.records import WorkflowRecord as StoredWorkflow


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


class StoreRunState:
    """:class:`RunState` over a :class:`~controller.store.Store`.

    ``update_mode`` says which live ModifyTime the reconciler compares: the scheduled workflow's
    (``apply: update``) or the definition's (``apply: import``).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- workflows ------------------------------------------------------------------------------

    @staticmethod
    def _from_row(row: StoredWorkflow) -> WorkflowRecord:
        drift = row.last_drift if isinstance(row.last_drift, list) else []
        return WorkflowRecord(
            source=row.source,
            identity=row.identity,
            name=row.name,
            path=row.path,
            file=row.spec_file,
            status=row.status,
            owned=row.owned,
            definition_id=row.definition_id,
            workflow_id=row.workflow_id,
            compared_hash=row.desired_hash,
            applied_hash=row.applied_hash,
            live_modify_time=row.workflow_modify_time if row.workflow_modify_time is not None
            else row.definition_modify_time,
            last_full_read=_ts(row.last_full_read),
            last_commit=row.last_commit,
            last_drift=tuple(drift),
            last_drift_at=_ts(row.last_drift_at),
            last_error=row.last_error or "",
        )

    def workflow(self, source: str, identity: str) -> WorkflowRecord | None:
        row = self.store.get_workflow(source, identity)
        return self._from_row(row) if row else None

    def workflows(self, source: str) -> Sequence[WorkflowRecord]:
        return [self._from_row(r) for r in self.store.list_workflows(source)]

    def put_workflow(self, record: WorkflowRecord) -> None:
        status = record.status if record.status != "Suspended" else "Unknown"
        self.store.put_workflow(
            StoredWorkflow(
                source=record.source,
                identity=record.identity,
                name=record.name,
                spec_file=record.file,
                status=status,
                last_commit=record.last_commit,
                last_drift=list(record.last_drift),
                last_error=record.last_error or None,
                definition_id=record.definition_id,
                workflow_id=record.workflow_id,
                # One ModifyTime is compared per source mode; the store keeps it in the scheduled
                # workflow's column (an import-mode source only ever writes this one).
                workflow_modify_time=record.live_modify_time,
                desired_hash=record.compared_hash,
                owned=record.owned,
                owner_mark=record.source if record.owned else None,
                last_full_read=_dt(record.last_full_read),
                path=record.path,
                applied_hash=record.applied_hash,
                last_drift_at=_dt(record.last_drift_at),
            )
        )

    def forget_workflow(self, source: str, identity: str) -> None:
        self.store.delete_workflow(source, identity)

    # --- in-flight work -------------------------------------------------------------------------

    def inflight(self, source: str) -> Sequence[InFlightRecord]:
        return [
            InFlightRecord(source=o.source, identity=o.workflow, kind=o.kind, work_id=o.operation_id,
                           detail=o.payload_hash, started=_ts(o.started) or 0.0)
            for o in self.store.list_operations(source)
        ]

    def begin_inflight(self, record: InFlightRecord) -> None:
        self.store.begin_operation(
            InFlightOperation(source=record.source, kind=record.kind, workflow=record.identity,
                              operation_id=record.work_id, payload_hash=record.detail, started=_dt(record.started))
        )

    def end_inflight(self, source: str, identity: str, kind: InFlightKind) -> None:
        self.store.end_operation(source, kind, identity)

    # --- sources and runs -----------------------------------------------------------------------

    def source(self, name: str) -> SourceRecord:
        state = self.store.get_source(name)
        return SourceRecord(source=name, suspended=state.suspended, status=state.status,
                            last_commit=state.last_commit, last_sync=_ts(state.last_fetched),
                            last_error=state.last_error or "")

    def put_source(self, record: SourceRecord) -> None:
        current = self.store.get_source(record.source)
        self.store.put_source(
            SourceState(name=record.source, suspended=current.suspended, last_commit=record.last_commit,
                        last_fetched=_dt(record.last_sync), last_error=record.last_error or None,
                        status=record.status)
        )

    def record_run(self, source: str, started: float, finished: float, result: str, summary: dict[str, Any]) -> None:
        run = self.store.start_run(source, trigger=str(summary.get("trigger", "")), started=_dt(started))
        self.store.finish_run(
            run.id, result=result, commit=summary.get("commit"), counts=summary.get("counts") or {},
            api_calls=summary.get("api_calls") or {}, error=summary.get("error") or None,
            finished=_dt(finished),
        )
