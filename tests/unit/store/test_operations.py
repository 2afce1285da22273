"""In-flight operations are on disk before polling starts and survive restarts and kill -9."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from controller.store import InFlightOperation, Store


def test_an_operation_survives_closing_and_reopening(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.begin_operation(InFlightOperation("sales", "import_job", "sales/daily", "job-123", "hash-1"))
    with Store.open(tmp_path) as store:
        [op] = store.list_operations("sales")
        assert (op.kind, op.workflow, op.operation_id) == ("import_job", "sales/daily", "job-123")
        assert op.payload_hash == "hash-1"
        assert op.started is not None
        store.end_operation("sales", "import_job", "sales/daily")
        assert store.list_operations() == []


def test_a_new_operation_of_the_same_kind_replaces_the_old_one(store: Store) -> None:
    store.begin_operation(InFlightOperation("sales", "pipeline_run", "w", "p-1"))
    store.begin_operation(InFlightOperation("sales", "pipeline_run", "w", "p-2"))
    store.begin_operation(InFlightOperation("sales", "import_job", "w", "j-1"))
    assert sorted((o.kind, o.operation_id) for o in store.list_operations("sales")) == [
        ("import_job", "j-1"),
        ("pipeline_run", "p-2"),
    ]


def test_the_source_adapter_fits_the_reconcilers_in_flight_log(store: Store) -> None:
    log = store.in_flight("sales")
    log.begin("import_job", "sales/daily", "job-9", "hash-9")
    [op] = store.list_operations()
    assert (op.source, op.operation_id, op.payload_hash) == ("sales", "job-9", "hash-9")
    log.end("import_job", "sales/daily")
    assert store.list_operations() == []


# Runs in a child that SIGKILLs itself: one committed write, one transaction left open.
KILLED_CHILD = """
import os, signal, sqlite3, sys
from controller.store import InFlightOperation, Store
store = Store.open(sys.argv[1])
store.begin_operation(InFlightOperation("sales", "import_job", "sales/daily", "job-1"))
raw = sqlite3.connect(os.path.join(sys.argv[1], "store.db"), isolation_level=None)
raw.execute("BEGIN IMMEDIATE")
raw.execute("INSERT INTO operations (source, kind, workflow, operation_id, started) "
            "VALUES ('sales', 'pipeline_run', 'x', 'p', 'now')")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_kill_9_keeps_committed_operations_and_drops_a_half_written_transaction(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", KILLED_CHILD, str(tmp_path)], check=False, timeout=60)
    assert done.returncode == -9
    with Store.open(tmp_path) as store:
        assert [o.operation_id for o in store.list_operations()] == ["job-1"]
