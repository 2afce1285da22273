"""A failed run is logged and retried with backoff; it never stops the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


async def test_a_run_that_says_retry_later_is_not_retried_before_then() -> None:
    from controller.scheduling import RetryLater

    class QuotaSpent:
        calls = 0

        async def __call__(self, _name: str) -> None:
            self.calls += 1
            raise RetryLater("quota spent", retry_after=1800)

        def release(self) -> None:
            """Nothing is held (``running_scheduler`` calls this on exit)."""

    run = QuotaSpent()
    with capture_logs() as events:
        async with running_scheduler({"busy": 0.5}, run, backoff=Backoff(first=0.01)) as scheduler:  # type: ignore[arg-type]
            scheduler.trigger("busy", "api")
            await eventually(lambda: run.calls >= 1, what="the first run")
            await scheduler.wait_idle()
            (status,) = scheduler.status()
            assert status.next_run is not None
            # The backoff alone would retry in 0.01 s and the interval in 0.5 s: both give way.
            assert status.next_run - datetime.now(UTC) > timedelta(minutes=29)
    (error,) = [e for e in events if e["event"] == "scheduler_run_error"]
    assert error["retry_in"] == 1800
    assert run.calls == 1


async def test_defer_holds_the_next_interval_run_but_not_triggers() -> None:
    recorder = RunRecorder()
    async with running_scheduler({"slow": 0.2}, recorder, jitter=0.0) as scheduler:
        scheduler.trigger("slow", "api")
        await eventually(lambda: recorder.count("slow") >= 1, what="the first run")
        await scheduler.wait_idle()
        scheduler.defer("slow", 3600, "daily_budget")
        (status,) = scheduler.status()
        assert status.next_run is not None
        assert status.next_run - datetime.now(UTC) > timedelta(minutes=59)
        scheduler.trigger("slow", "webhook:github")
        await eventually(lambda: recorder.count("slow") >= 2, what="the triggered run")
