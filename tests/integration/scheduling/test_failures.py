"""A failed run is logged and retried with backoff; it never stops the scheduler."""

from __future__ import annotations

from structlog.testing import capture_logs

from controller.scheduling import Backoff
from tests.unit.scheduling.recorder import RunRecorder, eventually, running_scheduler


async def test_failing_runs_do_not_stop_the_interval() -> None:
    recorder = RunRecorder(fail=lambda name, _n: name == "broken")
    async with running_scheduler({"broken": 0.05, "fine": 0.05}, recorder, backoff=Backoff(first=0.01)):
        await eventually(lambda: recorder.count("broken") >= 4, what="four runs of the failing source")
        await eventually(lambda: recorder.count("fine") >= 4, what="four runs of the healthy source")
    assert {run.outcome for run in recorder.runs if run.source == "fine"} == {"ok"}
    assert {run.outcome for run in recorder.runs if run.source == "broken"} == {"error"}


async def test_a_failure_is_logged_with_the_error_class_and_message() -> None:
    recorder = RunRecorder(fail=lambda _name, n: n == 1)
    with capture_logs() as events:
        async with running_scheduler({"broken": 3600.0}, recorder, backoff=Backoff(first=0.01)) as scheduler:
            scheduler.trigger("broken", "api")
            await eventually(lambda: recorder.count("broken") >= 2, what="the retry after the failure")
    (error,) = [e for e in events if e["event"] == "scheduler_run_error"]
    assert error["log_level"] == "error"
    assert error["source"] == "broken"
    assert error["error_class"] == "RuntimeError"
    assert "failed on purpose" in error["error"]
    assert error["failures"] == 1


async def test_after_a_failure_the_retry_comes_after_the_backoff_not_a_whole_interval() -> None:
    recorder = RunRecorder(fail=lambda _name, n: n == 1)
    # One hour interval: without the backoff retry the second run would not come for an hour.
    async with running_scheduler({"broken": 3600.0}, recorder, backoff=Backoff(first=0.05)) as scheduler:
        scheduler.trigger("broken", "api")
        await eventually(lambda: recorder.count("broken") >= 2, what="the backoff retry")
        await scheduler.wait_idle()
        assert scheduler.status()[0].failures == 0  # the retry succeeded: the count resets
    assert [run.outcome for run in recorder.runs] == ["error", "ok"]


async def test_consecutive_failures_back_off_by_the_schedule_up_to_the_interval() -> None:
    recorder = RunRecorder(fail=lambda _name, _n: True)
    backoff = Backoff(first=0.01, factor=2)
    with capture_logs() as events:
        async with running_scheduler({"broken": 0.1}, recorder, backoff=backoff, jitter=0.0) as scheduler:
            scheduler.trigger("broken", "api")
            await eventually(lambda: recorder.count("broken") >= 6, what="six failing runs")
    delays = [e["retry_in"] for e in events if e["event"] == "scheduler_run_error"][:6]
    assert delays == list(backoff.schedule(interval=0.1, count=6))
    assert delays[-1] == 0.1  # capped at the interval
