"""Per-workflow status: everything the reconciler remembers round-trips exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from controller.errors import StoreError
from controller.store import Store, WorkflowRecord


def full_record() -> WorkflowRecord:
    return WorkflowRecord(
        source="sales",
        identity="sales/daily_orders",
        name="daily_orders",
        spec_file="workflows/daily_orders.json",
        status="OutOfSync",
        last_commit="3f2a9c1e77",
        last_drift=[{"path": "/trigger/cron", "before": "00 00 02 * * ?", "after": "00 00 03 * * ?"}],
        last_error=None,
        definition_id="7318273615827361234",  # 19-digit string id: must not pass through a float
        workflow_id=9007199254740993,  # > 2**53
        definition_modify_time=1763888400123,
        workflow_modify_time=1763888400456,
        desired_hash="b7e23ec29af22b0b4e41da31e868d57226121c84",
        owned=True,
        owner_mark="dataworks-gitops/sales",
        last_full_read=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
    )


def test_a_workflow_record_round_trips_every_field(store: Store) -> None:
    written = store.put_workflow(full_record())
    got = store.get_workflow("sales", "sales/daily_orders")
    assert got == written
    assert got is not None
    assert got.updated is not None
    assert replace(got, updated=None) == full_record()


def test_a_record_starts_unknown_and_unowned(store: Store) -> None:
    store.put_workflow(WorkflowRecord("sales", "x", "x", "workflows/x.yaml"))
    got = store.get_workflow("sales", "x")
    assert got is not None
    assert (got.status, got.owned, got.last_drift, got.definition_id) == ("Unknown", False, None, None)


def test_putting_a_record_again_replaces_it(store: Store) -> None:
    store.put_workflow(full_record())
    store.put_workflow(replace(full_record(), status="Synced", last_drift=None, last_commit="abc"))
    got = store.get_workflow("sales", "sales/daily_orders")
    assert got is not None
    assert (got.status, got.last_drift, got.last_commit) == ("Synced", None, "abc")
    assert len(store.list_workflows("sales")) == 1


def test_workflows_list_per_source_and_delete(store: Store) -> None:
    for source, identity in [("sales", "b"), ("sales", "a"), ("hr", "c")]:
        store.put_workflow(WorkflowRecord(source, identity, identity, f"{identity}.json"))
    assert [w.identity for w in store.list_workflows("sales")] == ["a", "b"]
    assert [(w.source, w.identity) for w in store.list_workflows()] == [("hr", "c"), ("sales", "a"), ("sales", "b")]
    store.delete_workflow("sales", "a")
    assert store.get_workflow("sales", "a") is None
    assert [w.identity for w in store.list_workflows("sales")] == ["b"]


def test_a_status_outside_the_vocabulary_is_refused(store: Store) -> None:
    bad = replace(full_record(), status="Healthy")  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="cannot write the store"):
        store.put_workflow(bad)
    assert store.get_workflow("sales", "sales/daily_orders") is None
