"""The values the store takes and gives: frozen dataclasses, one per table row.

Pipeline position: private to ``controller.store`` (re-exported there). Times are timezone-aware
UTC datetimes; the ``_from_row``/``_to_row`` helpers map them to SQLite's ISO-8601 text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal, cast

__all__ = [
    "InFlightOperation",
    "OperationKind",
    "Run",
    "SourceState",
    "SourceStatus",
    "WorkflowRecord",
    "WorkflowStatus",
]

WorkflowStatus = Literal["Synced", "OutOfSync", "Progressing", "Failed", "Unknown"]
SourceStatus = Literal["Synced", "OutOfSync", "Progressing", "Failed", "Unknown", "Suspended"]
OperationKind = Literal["import_job", "pipeline_run"]


def now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def to_text(value: datetime | None) -> str | None:
    """A datetime as the ISO-8601 UTC text stored in SQLite."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def from_text(value: str | None) -> datetime | None:
    """The inverse of :func:`to_text`."""
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Run:
    """One sync run of one source; ``finished``/``result`` stay None while it runs."""

    id: int
    source: str
    started: datetime
    trigger: str = ""
    finished: datetime | None = None
    result: str | None = None
    commit: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    api_calls: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class WorkflowRecord:
    """What the controller knows about one workflow of a source (key: ``source`` + ``identity``).

    ``last_drift`` is any JSON value (the masked changes); modify times are DataWorks' epoch
    milliseconds; ``desired_hash`` keys the resolved spec (blob shas), so an unchanged spec
    with an unchanged live ModifyTime needs no re-read.
    """

    source: str
    identity: str
    name: str
    spec_file: str
    status: WorkflowStatus = "Unknown"
    last_commit: str | None = None
    last_drift: Any = None
    last_error: str | None = None
    definition_id: str | None = None
    workflow_id: int | None = None
    definition_modify_time: int | None = None
    workflow_modify_time: int | None = None
    desired_hash: str | None = None
    owned: bool = False
    owner_mark: str | None = None
    last_full_read: datetime | None = None
    updated: datetime | None = None
    #: DataStudio path of the workflow (its identity when the spec has no id).
    path: str = ""
    #: ``desired_hash`` of the last spec successfully applied (``desired_hash`` is the last compared).
    applied_hash: str | None = None
    last_drift_at: datetime | None = None


@dataclass(frozen=True)
class InFlightOperation:
    """An import job or pipeline run that was started and has not reached its end yet."""

    source: str
    kind: OperationKind
    workflow: str
    operation_id: str
    payload_hash: str = ""
    started: datetime | None = None


@dataclass(frozen=True)
class SourceState:
    """Per-source state that outlives a process: suspension, last fetched commit, last error."""

    name: str
    suspended: bool = False
    last_commit: str | None = None
    last_fetched: datetime | None = None
    last_error: str | None = None
    status: SourceStatus = "Unknown"
    updated: datetime | None = None


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def run_from_row(row: sqlite3.Row) -> Run:
    return Run(
        id=row["id"],
        source=row["source"],
        started=cast(datetime, from_text(row["started"])),
        trigger=row["trigger"],
        finished=from_text(row["finished"]),
        result=row["result"],
        commit=row["commit_sha"],
        counts=json.loads(row["counts"]),
        api_calls=json.loads(row["api_calls"]),
        error=row["error"],
    )


_TIME_FIELDS = ("last_full_read", "updated", "last_drift_at")


def workflow_to_row(record: WorkflowRecord) -> dict[str, Any]:
    values: dict[str, Any] = {f.name: getattr(record, f.name) for f in fields(record)}
    values["last_drift"] = None if record.last_drift is None else json.dumps(record.last_drift, sort_keys=True)
    values["owned"] = int(record.owned)
    for name in _TIME_FIELDS:
        values[name] = to_text(values[name])
    return values


def workflow_from_row(row: sqlite3.Row) -> WorkflowRecord:
    values = {f.name: row[f.name] for f in fields(WorkflowRecord)}
    values["last_drift"] = None if row["last_drift"] is None else json.loads(row["last_drift"])
    values["owned"] = bool(row["owned"])
    for name in _TIME_FIELDS:
        values[name] = from_text(values[name])
    return WorkflowRecord(**values)


def source_from_row(row: sqlite3.Row) -> SourceState:
    return SourceState(
        name=row["name"],
        suspended=bool(row["suspended"]),
        last_commit=row["last_commit"],
        last_fetched=from_text(row["last_fetched"]),
        last_error=row["last_error"],
        status=row["status"],
        updated=from_text(row["updated"]),
    )
