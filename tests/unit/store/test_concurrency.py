"""The daemon and its HTTP server share one Store; the CLI opens another on the same file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from controller.store import Store, WorkflowRecord


def run_threads(*targets: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # collected for the main thread to report
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_threads_writing_through_one_store_lose_nothing(store: Store) -> None:
    def writer(source: str) -> Callable[[], None]:
        def write() -> None:
            for i in range(100):
                run = store.start_run(source)
                store.put_workflow(WorkflowRecord(source, f"w{i}", f"w{i}", f"w{i}.json", status="Synced"))
                store.finish_run(run.id, result="succeeded", counts={"n": i})

        return write

    def reader() -> None:
        for _ in range(100):
            store.list_workflows()
            store.list_runs()

    assert run_threads(writer("sales"), writer("hr"), reader) == []
    assert len(store.list_workflows("sales")) == len(store.list_workflows("hr")) == 100
    assert all(r.result == "succeeded" for r in store.list_runs(limit=1000))
    assert len(store.list_runs(limit=1000)) == 200


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    with Store.open(tmp_path) as daemon, Store.open(tmp_path) as cli:

        def daemon_writes() -> None:
            for i in range(50):
                daemon.put_workflow(WorkflowRecord("sales", f"w{i}", f"w{i}", "f.json"))

        def cli_suspends() -> None:
            for i in range(50):
                cli.set_suspended("sales", i % 2 == 0)

        assert run_threads(daemon_writes, cli_suspends) == []
        assert len(cli.list_workflows("sales")) == 50
        assert daemon.is_suspended("sales") is False
