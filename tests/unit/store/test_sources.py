"""Source state: suspension and the last fetch outlive the process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from controller.store import SourceState, Store


def test_an_unrecorded_source_is_unknown_and_not_suspended(store: Store) -> None:
    assert store.get_source("sales") == SourceState(name="sales")
    assert store.is_suspended("sales") is False


def test_suspension_survives_reopening_and_resume_clears_it(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.put_source(SourceState("sales", last_commit="abc", status="Synced"))
        assert store.set_suspended("sales", True).suspended is True
    with Store.open(tmp_path) as store:
        state = store.get_source("sales")
        assert (state.suspended, state.last_commit, state.status) == (True, "abc", "Synced")
        store.set_suspended("sales", False)
        assert store.is_suspended("sales") is False


def test_suspending_a_source_never_seen_records_it(store: Store) -> None:
    store.set_suspended("hr", True)
    assert [s.name for s in store.list_sources()] == ["hr"]
    assert store.get_source("hr").status == "Unknown"


def test_a_source_state_round_trips(store: Store) -> None:
    fetched = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    state = SourceState("sales", False, "3f2a9c1e", fetched, "fetch failed: connection refused", "Unknown")
    written = store.put_source(state)
    assert store.get_source("sales") == written
    assert written.updated is not None
