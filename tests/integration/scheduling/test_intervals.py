"""Sources run on their own jittered interval, through the real apscheduler timers and event loop.

Intervals are tiny (0.05-0.2 s); assertions are about counts and order, with generous time bounds.
"""

from __future__ import annotations

import asyncio
import itertools

from controller.scheduling import TriggerResult
from tests.unit.scheduling.recorder import RunRecorder, eventually, running_scheduler


async def test_the_interval_fires_repeatedly_within_its_jitter() -> None:
    recorder = RunRecorder()
    async with running_scheduler({"analytics": 0.1}, recorder, jitter=0.1):
        await eventually(lambda: recorder.count("analytics") >= 5, what="five interval runs")
    starts = recorder.starts("analytics")
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # apscheduler never fires early: the lower bound is tight (less clock slack); the upper one is
    # generous because a busy machine can only make a run late.
    assert min(gaps) >= 0.09 - 0.01
    assert max(gaps) <= 0.11 + 0.5


async def test_each_source_keeps_its_own_interval() -> None:
    recorder = RunRecorder()
    async with running_scheduler({"fast": 0.05, "slow": 0.5}, recorder):
        await eventually(lambda: recorder.count("slow") >= 1, what="the slow source's first run")
        await eventually(lambda: recorder.count("fast") >= 6, what="six fast runs")
    # Over the time of one slow run the fast source ran several times: the timers are separate.
    assert recorder.count("fast") > recorder.count("slow")


async def test_a_suspended_source_is_skipped_by_the_interval_while_others_run() -> None:
    recorder = RunRecorder()
    suspended = {"paused"}
    async with running_scheduler(
        {"paused": 0.05, "active": 0.05}, recorder, is_suspended=suspended.__contains__
    ):
        await eventually(lambda: recorder.count("active") >= 4, what="four runs of the active source")
        assert recorder.count("paused") == 0
        suspended.clear()  # resumed: the next tick runs it
        await eventually(lambda: recorder.count("paused") >= 1, what="the resumed source to run")


async def test_interval_ticks_during_a_run_do_not_queue_a_follow_up() -> None:
    recorder = RunRecorder(hold=True)
    async with running_scheduler({"analytics": 0.05}, recorder) as scheduler:
        await eventually(lambda: recorder.running("analytics"), what="the first interval run")
        await asyncio.sleep(0.3)  # about six ticks while the run is held open
        assert scheduler.status()[0].pending is False
        # Nothing is queued, so a webhook now is a new follow-up rather than joining one.
        assert scheduler.trigger("analytics", "webhook") is TriggerResult.ACCEPTED
        recorder.release()
        await eventually(lambda: recorder.count("analytics") >= 2, what="the follow-up run")
    assert recorder.overlaps == 0
