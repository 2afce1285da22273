"""``Store``: the SQLite file behind the status API, the CLI's ``status`` and the reconciler's memory.

Pipeline position: see ``controller.store``. One connection per Store, guarded by a lock (the
daemon and its HTTP server share one Store); other processes (the CLI) open their own and wait on
SQLite's busy timeout. Every write is one ``BEGIN IMMEDIATE`` transaction in WAL mode with
``synchronous=FULL``: a ``kill -9`` loses at most the write in progress, never half of it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from controller.errors import StoreError
from controller.store.records import (
    InFlightOperation,
    OperationKind,
    Run,
    SourceState,
    WorkflowRecord,
    from_text,
    now,
    run_from_row,
    source_from_row,
    to_text,
    workflow_from_row,
    workflow_to_row,
)
from controller.store.schema import migrate

__all__ = ["STORE_FILE", "SourceOperations", "Store"]

STORE_FILE = "store.db"
_OPEN_HINT = "check the file's permissions; if it is corrupt, move it away (history is lost, Git is the truth)"


class Store:
    """The SQLite store; open with :meth:`open` (``state_dir``) or ``Store(path)``; close when done.

    Usable as a context manager. All methods are thread-safe.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store's folder ({exc.strerror})") from None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc})", hint=_OPEN_HINT) from None
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            with self._tx() as db:
                migrate(db, self.path)
        except (sqlite3.Error, StoreError) as exc:
            self._db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"{self.path}: cannot open the store ({exc})", hint=_OPEN_HINT) from None

    @classmethod
    def open(cls, state_dir: str | Path) -> Store:
        """Open (and create or migrate) ``<state_dir>/store.db``."""
        return cls(Path(state_dir) / STORE_FILE)

    def close(self) -> None:
        """Close the connection (later calls raise StoreError)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version of the open file (``len(MIGRATIONS)`` after opening)."""
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it (kill -9 included)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot write the store ({exc})") from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"{self.path}: cannot write the store ({exc})") from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._db.in_transaction:  # some errors (disk full) have already rolled back
            self._db.execute("ROLLBACK")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot read the store ({exc})") from None


    # --- runs -------------------------------------------------------------------------------

    def start_run(self, source: str, *, trigger: str = "", started: datetime | None = None) -> Run:
        """Record the start of a sync run and return it (with its id)."""
        run = Run(id=0, source=source, started=started or now(), trigger=trigger)
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO runs (source, trigger, started) VALUES (?, ?, ?)", (source, trigger, to_text(run.started))
            )
        return replace(run, id=int(cast(int, cursor.lastrowid)))

    def finish_run(
        self,
        run_id: int,
        *,
        result: str,
        commit: str | None = None,
        counts: Mapping[str, int] | None = None,
        api_calls: Mapping[str, int] | None = None,
        error: str | None = None,
        finished: datetime | None = None,
    ) -> None:
        """Record how a run ended (``result`` such as ``succeeded``, ``failed``, ``partial``)."""
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished=?, result=?, commit_sha=?, counts=?, api_calls=?, error=? WHERE id=?",
                (
                    to_text(finished or now()),
                    result,
                    commit,
                    json.dumps(dict(counts or {}), sort_keys=True),
                    json.dumps(dict(api_calls or {}), sort_keys=True),
                    error,
                    run_id,
                ),
            )

    def get_run(self, run_id: int) -> Run | None:
        """The run with this id, or None."""
        rows = self._rows("SELECT * FROM runs WHERE id=?", (run_id,))
        return run_from_row(rows[0]) if rows else None

    def list_runs(self, source: str | None = None, *, limit: int = 20) -> list[Run]:
        """The latest runs first, of one source or all."""
        if source is None:
            return [run_from_row(r) for r in self._rows("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))]
        rows = self._rows("SELECT * FROM runs WHERE source=? ORDER BY id DESC LIMIT ?", (source, limit))
        return [run_from_row(r) for r in rows]

    def prune_runs(self, keep: int = 1000) -> int:
        """Drop all but the latest ``keep`` runs per source; return how many were dropped."""
        with self._tx() as db:
            cursor = db.execute(
                "DELETE FROM runs WHERE id NOT IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
                "(PARTITION BY source ORDER BY id DESC) AS n FROM runs) WHERE n <= ?)",
                (keep,),
            )
        return cursor.rowcount

    # --- workflows --------------------------------------------------------------------------

    def put_workflow(self, record: WorkflowRecord) -> WorkflowRecord:
        """Insert or replace the record of ``(source, identity)``; returns it with ``updated`` set."""
        record = replace(record, updated=now())
        values = workflow_to_row(record)
        columns = ", ".join(values)
        with self._tx() as db:
            db.execute(
                f"INSERT OR REPLACE INTO workflows ({columns}) VALUES ({', '.join('?' * len(values))})",  # noqa: S608
                tuple(values.values()),
            )
        return record

    def get_workflow(self, source: str, identity: str) -> WorkflowRecord | None:
        """The record of one workflow, or None."""
        rows = self._rows("SELECT * FROM workflows WHERE source=? AND identity=?", (source, identity))
        return workflow_from_row(rows[0]) if rows else None

    def list_workflows(self, source: str | None = None) -> list[WorkflowRecord]:
        """All records of one source (or all sources), by source and identity."""
        if source is None:
            rows = self._rows("SELECT * FROM workflows ORDER BY source, identity")
        else:
            rows = self._rows("SELECT * FROM workflows WHERE source=? ORDER BY identity", (source,))
        return [workflow_from_row(r) for r in rows]

    def delete_workflow(self, source: str, identity: str) -> None:
        """Forget a workflow (after a prune, or when its spec left Git and it was never owned)."""
        with self._tx() as db:
            db.execute("DELETE FROM workflows WHERE source=? AND identity=?", (source, identity))

    # --- in-flight operations ---------------------------------------------------------------

    def begin_operation(self, operation: InFlightOperation) -> InFlightOperation:
        """Record async work BEFORE polling it; replaces an older one of the same kind and workflow."""
        operation = replace(operation, started=operation.started or now())
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO operations (source, kind, workflow, operation_id, payload_hash, started) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    operation.source,
                    operation.kind,
                    operation.workflow,
                    operation.operation_id,
                    operation.payload_hash,
                    to_text(operation.started),
                ),
            )
        return operation

    def end_operation(self, source: str, kind: OperationKind, workflow: str) -> None:
        """Forget async work that reached its end (success, failure, cancel or timeout)."""
        with self._tx() as db:
            db.execute("DELETE FROM operations WHERE source=? AND kind=? AND workflow=?", (source, kind, workflow))

    def in_flight(self, source: str) -> SourceOperations:
        """The in-flight log of one source, in the shape ``reconcile.apply.InFlight`` expects."""
        return SourceOperations(self, source)

    def list_operations(self, source: str | None = None) -> list[InFlightOperation]:
        """Work still in flight (e.g. after a restart), oldest first."""
        where, params = ("WHERE source=?", (source,)) if source is not None else ("", ())
        rows = self._rows(f"SELECT * FROM operations {where} ORDER BY started, workflow", params)  # noqa: S608
        return [
            InFlightOperation(
                source=r["source"],
                kind=r["kind"],
                workflow=r["workflow"],
                operation_id=r["operation_id"],
                payload_hash=r["payload_hash"],
                started=from_text(r["started"]),
            )
            for r in rows
        ]

    # --- sources ----------------------------------------------------------------------------

    def get_source(self, name: str) -> SourceState:
        """The state of a source; a fresh ``SourceState`` if it was never recorded."""
        rows = self._rows("SELECT * FROM sources WHERE name=?", (name,))
        return source_from_row(rows[0]) if rows else SourceState(name=name)

    def list_sources(self) -> list[SourceState]:
        """Every recorded source, by name."""
        return [source_from_row(r) for r in self._rows("SELECT * FROM sources ORDER BY name")]

    def put_source(self, state: SourceState) -> SourceState:
        """Insert or replace the state of a source; returns it with ``updated`` set."""
        state = replace(state, updated=now())
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO sources (name, suspended, last_commit, last_fetched, last_error, status, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    state.name,
                    int(state.suspended),
                    state.last_commit,
                    to_text(state.last_fetched),
                    state.last_error,
                    state.status,
                    to_text(state.updated),
                ),
            )
        return state

    def set_suspended(self, name: str, suspended: bool) -> SourceState:
        """Suspend or resume a source; the read and the write happen in one transaction."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO sources (name, suspended, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET suspended=excluded.suspended, updated=excluded.updated",
                (name, int(suspended), to_text(now())),
            )
        return self.get_source(name)

    def is_suspended(self, name: str) -> bool:
        """True when ``suspend`` was called for the source and ``resume`` was not since."""
        return self.get_source(name).suspended


class SourceOperations:
    """``begin``/``end`` of async work for one source, written through to the store."""

    def __init__(self, store: Store, source: str) -> None:
        self.store = store
        self.source = source

    def begin(self, kind: OperationKind, identity: str, work_id: str, detail: str = "") -> None:
        """Record a started job/pipeline run of workflow ``identity`` (``detail``: the payload hash)."""
        self.store.begin_operation(InFlightOperation(self.source, kind, identity, work_id, detail))

    def end(self, kind: OperationKind, identity: str) -> None:
        """Forget it: it reached its end."""
        self.store.end_operation(self.source, kind, identity)
