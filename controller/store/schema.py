"""The store's schema as numbered migrations, and the code that applies them.

Pipeline position: private to ``controller.store``. Migration N brings a file from version N-1 to
N (``PRAGMA user_version``); all pending ones run in the caller's transaction, so two processes
opening a fresh file at once cannot both migrate it and a killed migration leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from controller.errors import StoreError

__all__ = ["MIGRATIONS", "migrate"]

_WORKFLOW_STATUSES = "'Synced','OutOfSync','Progressing','Failed','Unknown'"

#: Append only: never edit a released migration, add the next one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source TEXT NOT NULL,
            trigger TEXT NOT NULL DEFAULT '',
            started TEXT NOT NULL,
            finished TEXT,
            result TEXT,
            commit_sha TEXT,
            counts TEXT NOT NULL DEFAULT '{}',
            api_calls TEXT NOT NULL DEFAULT '{}',
            error TEXT)""",
        "CREATE INDEX runs_by_source ON runs (source, id)",
        f"""CREATE TABLE workflows (
            source TEXT NOT NULL,
            identity TEXT NOT NULL,
            name TEXT NOT NULL,
            spec_file TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ({_WORKFLOW_STATUSES})),
            last_commit TEXT,
            last_drift TEXT,
            last_error TEXT,
            definition_id TEXT,
            workflow_id INTEGER,
            definition_modify_time INTEGER,
            workflow_modify_time INTEGER,
            desired_hash TEXT,
            owned INTEGER NOT NULL DEFAULT 0,
            owner_mark TEXT,
            last_full_read TEXT,
            updated TEXT NOT NULL,
            PRIMARY KEY (source, identity))""",
        """CREATE TABLE operations (
            source TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('import_job', 'pipeline_run')),
            workflow TEXT NOT NULL,
            operation_id TEXT NOT NULL,
            payload_hash TEXT NOT NULL DEFAULT '',
            started TEXT NOT NULL,
            PRIMARY KEY (source, kind, workflow))""",
        """CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            suspended INTEGER NOT NULL DEFAULT 0,
            last_commit TEXT,
            last_fetched TEXT,
            last_error TEXT,
            status TEXT NOT NULL DEFAULT 'Unknown',
            updated TEXT NOT NULL)""",
    ),
    # 2: what the reconciler needs beside the status: the DataStudio path (to show and prune a
    # workflow whose spec left Git), the desired hash last *applied* (self_heal: false applies new
    # commits only) and when the last drift was seen.
    (
        "ALTER TABLE workflows ADD COLUMN path TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE workflows ADD COLUMN applied_hash TEXT",
        "ALTER TABLE workflows ADD COLUMN last_drift_at TEXT",
    ),
)




def migrate(db: sqlite3.Connection, path: Path) -> int:
    """Apply the pending migrations inside the caller's open transaction; return the new version."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{path}: schema version {version} is newer than this controller knows ({len(MIGRATIONS)})",
            hint="upgrade dataworks-gitops, or point state_dir at another folder",
        )
    for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
        for statement in statements:
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)
