"""The controller's memory: one SQLite file, ``<state_dir>/store.db``.

Pipeline position: beside ``source``, ``spec`` and ``dataworks`` under ``reconcile``, which records
each sync run, each workflow's status and the ids/ModifyTimes that keep steady state cheap (a
workflow is re-read only when its live ModifyTime or its desired hash moved). The HTTP status API
and ``dataworks-gitops status`` read it; ``suspend``/``resume`` write the source state.

Tables: ``runs`` (history), ``workflows`` (per-workflow status and cache keys), ``operations``
(import jobs and pipeline runs in flight: written *before* polling starts, removed when they end,
so a controller killed mid-job resumes the job instead of importing twice) and ``sources``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as state_dir, Store.open(state_dir) as store:
    ...     run = store.start_run("sales", trigger="interval")
    ...     store.finish_run(run.id, result="succeeded", commit="3f2a9c1", counts={"updated": 2})
    ...     store.list_runs("sales")[0].counts
    {'updated': 2}
"""

from controller.store.records import (
    InFlightOperation,
    OperationKind,
    Run,
    SourceState,
    SourceStatus,
    WorkflowRecord,
    WorkflowStatus,
)
from controller.store.schema import MIGRATIONS
from controller.store.sqlite import STORE_FILE, SourceOperations, Store

__all__ = [
    "MIGRATIONS",
    "STORE_FILE",
    "InFlightOperation",
    "OperationKind",
    "Run",
    "SourceOperations",
    "SourceState",
    "SourceStatus",
    "Store",
    "WorkflowRecord",
    "WorkflowStatus",
]
