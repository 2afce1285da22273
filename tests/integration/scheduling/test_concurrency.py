"""Runs of one source never overlap; different sources run side by side up to the limit."""

from __future__ import annotations

import asyncio
import itertools
import random

from controller.scheduling import TriggerResult
from tests.unit.scheduling.recorder import RunRecorder, eventually, running_scheduler


async def test_runs_of_one_source_never_overlap_under_a_storm_of_triggers() -> None:
    recorder = RunRecorder(duration=0.03)
    rng = random.Random(5)
    async with running_scheduler({"analytics": 0.05}, recorder) as scheduler:
        for _ in range(60):
            scheduler.trigger("analytics", "webhook")
            await asyncio.sleep(rng.uniform(0, 0.01))
        await scheduler.wait_idle()
    assert recorder.overlaps == 0
    runs = [run for run in recorder.runs if run.source == "analytics"]
    assert len(runs) >= 3
    for before, after in itertools.pairwise(runs):
        assert before.ended is not None
        assert after.started >= before.ended


async def test_different_sources_run_concurrently_up_to_the_limit() -> None:
    recorder = RunRecorder(duration=0.1)
    sources = {name: 3600.0 for name in ("a", "b", "c", "d", "e")}
    async with running_scheduler(sources, recorder, max_concurrent=2) as scheduler:
        assert {scheduler.trigger(name, "api") for name in sources} == {TriggerResult.ACCEPTED}
        await scheduler.wait_idle()
    assert recorder.max_concurrent == 2
    assert sorted(run.source for run in recorder.runs) == sorted(sources)


async def test_a_limit_of_one_runs_sources_one_after_another_in_request_order() -> None:
    recorder = RunRecorder(duration=0.02)
    sources = {name: 3600.0 for name in ("c", "a", "b")}
    async with running_scheduler(sources, recorder, max_concurrent=1) as scheduler:
        for name in ("b", "c", "a"):
            scheduler.trigger(name, "api")
        await scheduler.wait_idle()
    assert recorder.max_concurrent == 1
    assert [run.source for run in recorder.runs] == ["b", "c", "a"]


async def test_a_follow_up_waits_for_its_own_source_but_not_for_others() -> None:
    recorder = RunRecorder(hold=True)
    async with running_scheduler({"a": 3600.0, "b": 3600.0}, recorder, max_concurrent=2) as scheduler:
        scheduler.trigger("a", "api")
        await eventually(lambda: recorder.running("a"), what="a to start")
        scheduler.trigger("a", "webhook")  # follow-up of a: must wait
        scheduler.trigger("b", "api")  # another source: runs beside a now
        await eventually(lambda: recorder.running("b"), what="b to start beside a")
        assert recorder.count("a") == 1
        recorder.release()
        await scheduler.wait_idle()
    assert [run.source for run in recorder.runs] == ["a", "b", "a"]
