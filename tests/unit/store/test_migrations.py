"""Schema migrations: applied once, idempotent, and refusing a newer file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from controller.errors import StoreError
from controller.store import MIGRATIONS, Store, WorkflowRecord


def test_a_new_store_is_at_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        assert store.schema_version == len(MIGRATIONS)
    raw = sqlite3.connect(tmp_path / "store.db")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_reopening_migrates_nothing_and_keeps_the_data(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.put_workflow(WorkflowRecord("sales", "a", "a", "a.json"))
    for _ in range(3):
        with Store.open(tmp_path) as store:
            assert store.schema_version == len(MIGRATIONS)
            assert [w.identity for w in store.list_workflows()] == ["a"]


def test_opening_from_many_threads_at_once_migrates_exactly_once(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def open_and_close() -> None:
        try:
            barrier.wait()
            with Store.open(tmp_path) as store:
                assert store.schema_version == len(MIGRATIONS)
        except BaseException as exc:  # collected for the main thread to report
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_a_store_from_a_newer_controller_is_refused(tmp_path: Path) -> None:
    raw = sqlite3.connect(tmp_path / "store.db")
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'store.db'}: schema version {len(MIGRATIONS) + 1} is newer than this controller knows "
        f"({len(MIGRATIONS)}) (upgrade dataworks-gitops, or point state_dir at another folder)"
    )


def test_a_file_that_is_not_sqlite_is_a_clean_store_error(tmp_path: Path) -> None:
    (tmp_path / "store.db").write_bytes(b"this is not a database, just some text that is long enough" * 20)
    with pytest.raises(StoreError, match=r"cannot open the store \(file is not a database\)"):
        Store.open(tmp_path)


def test_a_state_dir_that_cannot_be_created_is_a_clean_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot create the store's folder"):
        Store.open(tmp_path / "file" / "state")
