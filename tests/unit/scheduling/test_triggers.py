"""Triggers (webhook, API, CLI) are answered at once and coalesced: never more runs than needed.

These tests hold runs open with the recorder's ``hold`` and use long intervals, so nothing here
depends on timing: only on the order of events on the real event loop.
"""

from __future__ import annotations

import asyncio

import pytest

from controller.scheduling import ScheduledSource, SourceScheduler, TriggerResult
from tests.unit.scheduling.recorder import RunRecorder, eventually, running_scheduler

HOUR = 3600.0


async def test_a_burst_of_triggers_while_idle_becomes_one_run() -> None:
    recorder = RunRecorder()
    async with running_scheduler({"analytics": HOUR}, recorder) as scheduler:
        results = [scheduler.trigger("analytics", f"webhook:{n}") for n in range(10)]
        await scheduler.wait_idle()
        assert results == [TriggerResult.ACCEPTED] + [TriggerResult.COALESCED] * 9
        assert recorder.count("analytics") == 1


async def test_triggers_during_a_run_queue_exactly_one_follow_up() -> None:
    recorder = RunRecorder(hold=True)
    async with running_scheduler({"analytics": HOUR}, recorder) as scheduler:
        scheduler.trigger("analytics", "api")
        await eventually(lambda: recorder.running("analytics"), what="the first run to start")
        results = [scheduler.trigger("analytics", "webhook") for _ in range(5)]
        assert results == [TriggerResult.ACCEPTED] + [TriggerResult.COALESCED] * 4
        recorder.release()
        await scheduler.wait_idle()
        assert recorder.count("analytics") == 2
        assert recorder.overlaps == 0


async def test_a_trigger_after_dispatch_but_before_the_run_starts_joins_that_run() -> None:
    recorder = RunRecorder()
    async with running_scheduler({"analytics": HOUR}, recorder) as scheduler:
        scheduler.trigger("analytics", "api")
        await asyncio.sleep(0)  # the dispatch runs: the run task exists but has not started
        assert scheduler.trigger("analytics", "webhook") is TriggerResult.COALESCED
        await scheduler.wait_idle()
        assert recorder.count("analytics") == 1


async def test_an_unknown_source_is_reported_not_run() -> None:
    recorder = RunRecorder()
    async with running_scheduler({"analytics": HOUR}, recorder) as scheduler:
        assert scheduler.trigger("marketing", "api") is TriggerResult.UNKNOWN_SOURCE
        await scheduler.wait_idle()
        assert recorder.runs == []


async def test_the_pending_set_is_bounded_and_reports_full() -> None:
    recorder = RunRecorder(hold=True)
    sources = {"a": HOUR, "b": HOUR, "c": HOUR}
    async with running_scheduler(sources, recorder, max_concurrent=1, max_pending=1) as scheduler:
        assert scheduler.trigger("a", "api") is TriggerResult.ACCEPTED
        await eventually(lambda: recorder.running("a"), what="a to start")
        assert scheduler.trigger("b", "api") is TriggerResult.ACCEPTED
        assert scheduler.trigger("c", "api") is TriggerResult.FULL
        assert scheduler.trigger("b", "api") is TriggerResult.COALESCED  # joining is always allowed
        recorder.release()
        await scheduler.wait_idle()
        assert [run.source for run in recorder.runs] == ["a", "b"]


async def test_a_suspended_source_refuses_triggers() -> None:
    recorder = RunRecorder()
    suspended = {"analytics"}
    async with running_scheduler(
        {"analytics": HOUR, "finance": HOUR}, recorder, is_suspended=suspended.__contains__
    ) as scheduler:
        assert scheduler.trigger("analytics", "webhook") is TriggerResult.SUSPENDED
        assert scheduler.trigger("finance", "webhook") is TriggerResult.ACCEPTED
        await scheduler.wait_idle()
        assert [run.source for run in recorder.runs] == ["finance"]


async def test_a_source_suspended_while_queued_is_skipped_when_its_turn_comes() -> None:
    recorder = RunRecorder(hold=True)
    suspended: set[str] = set()
    async with running_scheduler(
        {"a": HOUR, "b": HOUR}, recorder, max_concurrent=1, is_suspended=suspended.__contains__
    ) as scheduler:
        scheduler.trigger("a", "api")
        await eventually(lambda: recorder.running("a"), what="a to start")
        assert scheduler.trigger("b", "api") is TriggerResult.ACCEPTED
        suspended.add("b")
        recorder.release()
        await scheduler.wait_idle()
        assert [run.source for run in recorder.runs] == ["a"]


async def test_a_startup_run_is_queued_for_every_source_not_suspended() -> None:
    recorder = RunRecorder()
    async with running_scheduler(
        {"a": HOUR, "b": HOUR, "c": HOUR}, recorder, initial_run=True, is_suspended={"b"}.__contains__
    ) as scheduler:
        await scheduler.wait_idle()
        assert sorted(run.source for run in recorder.runs) == ["a", "c"]


async def test_status_shows_running_pending_and_next_interval_run() -> None:
    recorder = RunRecorder(hold=True)
    async with running_scheduler({"analytics": HOUR}, recorder) as scheduler:
        scheduler.trigger("analytics", "api")
        await eventually(lambda: recorder.running("analytics"), what="the run to start")
        scheduler.trigger("analytics", "api")
        (row,) = scheduler.status()
        assert (row.name, row.running, row.pending, row.failures) == ("analytics", True, True, 0)
        assert row.next_run is not None


async def test_triggers_after_shutdown_are_refused_as_stopping() -> None:
    recorder = RunRecorder()
    scheduler = SourceScheduler([ScheduledSource("analytics", HOUR)], recorder)
    scheduler.start(initial_run=False)
    assert await scheduler.shutdown(timeout=1.0) is True
    assert scheduler.trigger("analytics", "webhook") is TriggerResult.STOPPING
    assert scheduler.stopping.is_set()


@pytest.mark.parametrize(
    ("sources", "options", "message"),
    [
        ([ScheduledSource("a", 60), ScheduledSource("a", 30)], {}, "listed twice"),
        ([ScheduledSource("a", 0)], {}, "interval must be positive"),
        ([ScheduledSource("a", 60)], {"max_concurrent": 0}, "max_concurrent"),
        ([ScheduledSource("a", 60)], {"max_pending": 0}, "max_pending"),
        ([ScheduledSource("a", 60)], {"jitter": 1.5}, "jitter"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(
    sources: list[ScheduledSource], options: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SourceScheduler(sources, RunRecorder(), **options)  # type: ignore[arg-type]
