"""Run history: a run is recorded when it starts and completed when it ends."""

from __future__ import annotations

from datetime import UTC, datetime

from controller.store import Store


def test_a_finished_run_reads_back_with_everything_it_recorded(store: Store) -> None:
    started = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    run = store.start_run("sales", trigger="webhook", started=started)
    store.finish_run(
        run.id,
        result="succeeded",
        commit="3f2a9c1e",
        counts={"updated": 2, "unchanged": 40},
        api_calls={"ListWorkflows": 1, "UpdateWorkflow": 2},
        finished=datetime(2026, 11, 23, 9, 1, tzinfo=UTC),
    )
    got = store.get_run(run.id)
    assert got is not None
    assert (got.source, got.trigger, got.started, got.result, got.commit) == (
        "sales",
        "webhook",
        started,
        "succeeded",
        "3f2a9c1e",
    )
    assert got.finished == datetime(2026, 11, 23, 9, 1, tzinfo=UTC)
    assert dict(got.counts) == {"updated": 2, "unchanged": 40}
    assert dict(got.api_calls) == {"ListWorkflows": 1, "UpdateWorkflow": 2}
    assert got.error is None


def test_a_running_run_has_no_result_yet(store: Store) -> None:
    run = store.start_run("sales")
    got = store.get_run(run.id)
    assert got is not None
    assert (got.finished, got.result, dict(got.counts)) == (None, None, {})
    assert got.started.tzinfo is not None


def test_a_failed_run_keeps_its_error(store: Store) -> None:
    run = store.start_run("sales")
    store.finish_run(run.id, result="failed", error="git fetch failed: connection refused")
    got = store.get_run(run.id)
    assert got is not None
    assert (got.result, got.error) == ("failed", "git fetch failed: connection refused")


def test_runs_list_newest_first_per_source(store: Store) -> None:
    ids = [store.start_run(name).id for name in ("sales", "hr", "sales", "sales")]
    assert [r.id for r in store.list_runs("sales")] == [ids[3], ids[2], ids[0]]
    assert [r.id for r in store.list_runs(limit=2)] == [ids[3], ids[2]]
    assert store.get_run(9999) is None


def test_pruning_keeps_the_latest_runs_of_each_source(store: Store) -> None:
    for _ in range(5):
        store.start_run("sales")
    hr = store.start_run("hr")
    assert store.prune_runs(keep=2) == 3
    assert len(store.list_runs("sales")) == 2
    assert [r.id for r in store.list_runs("hr")] == [hr.id]
