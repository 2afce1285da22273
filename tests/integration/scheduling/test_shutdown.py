"""Shutdown stops taking triggers, lets the run in flight finish and returns within its timeout."""

from __future__ import annotations

import time

from controller.scheduling import TriggerResult
from tests.unit.scheduling.recorder import RunRecorder, eventually, running_scheduler


async def test_shutdown_waits_for_the_run_in_flight() -> None:
    recorder = RunRecorder(duration=0.3)
    async with running_scheduler({"analytics": 3600.0}, recorder) as scheduler:
        scheduler.trigger("analytics", "api")
        await eventually(lambda: recorder.running("analytics"), what="the run to start")
        assert await scheduler.shutdown(timeout=5.0) is True
        (run,) = recorder.runs
        assert run.outcome == "ok"
        assert run.ended is not None


async def test_the_run_sees_the_stopping_event_and_stops_between_workflows() -> None:
    recorder = RunRecorder(duration=5.0, steps=100)  # 100 "workflows" of 50 ms
    async with running_scheduler({"analytics": 3600.0}, recorder) as scheduler:
        recorder.stopping = scheduler.stopping
        scheduler.trigger("analytics", "api")
        await eventually(lambda: recorder.running("analytics"), what="the run to start")
        began = time.monotonic()
        assert await scheduler.shutdown(timeout=5.0) is True
        assert time.monotonic() - began < 2.0  # one step, not the remaining 5 s
    assert [run.outcome for run in recorder.runs] == ["stopped"]


async def test_a_run_that_ignores_stopping_is_cancelled_and_shutdown_keeps_its_timeout() -> None:
    recorder = RunRecorder(duration=30.0)
    async with running_scheduler({"analytics": 3600.0}, recorder) as scheduler:
        scheduler.trigger("analytics", "api")
        await eventually(lambda: recorder.running("analytics"), what="the run to start")
        began = time.monotonic()
        assert await scheduler.shutdown(timeout=0.5) is False
        elapsed = time.monotonic() - began
    assert elapsed <= 0.5 + 0.25
    assert [run.outcome for run in recorder.runs] == ["cancelled"]


async def test_pending_follow_ups_are_dropped_and_new_triggers_refused() -> None:
    recorder = RunRecorder(duration=0.2)
    async with running_scheduler({"analytics": 3600.0, "finance": 3600.0}, recorder, max_concurrent=1) as scheduler:
        scheduler.trigger("analytics", "api")
        await eventually(lambda: recorder.running("analytics"), what="the run to start")
        scheduler.trigger("analytics", "webhook")  # follow-up
        scheduler.trigger("finance", "webhook")  # waiting for a slot
        assert await scheduler.shutdown(timeout=5.0) is True
        assert scheduler.trigger("finance", "api") is TriggerResult.STOPPING
    assert [run.source for run in recorder.runs] == ["analytics"]


async def test_shutdown_with_nothing_running_returns_at_once() -> None:
    recorder = RunRecorder()
    async with running_scheduler({"analytics": 3600.0}, recorder) as scheduler:
        began = time.monotonic()
        assert await scheduler.shutdown(timeout=5.0) is True
        assert time.monotonic() - began < 1.0
