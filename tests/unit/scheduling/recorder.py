"""A fake ``run_source`` for scheduler tests: records every run, can hold runs open, can fail.

Shared by tests/unit/scheduling and tests/integration/scheduling. It is a real coroutine run on the
real event loop; it only replaces the reconciler.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from controller.scheduling import ScheduledSource, SourceScheduler


@dataclass
class Run:
    """One call of the fake: which source, when it started and ended (monotonic), how it ended."""

    source: str
    started: float
    ended: float | None = None
    outcome: str = "running"  # ok | error | cancelled | stopped


@dataclass
class RunRecorder:
    """Records runs; ``duration`` keeps each run busy, ``hold`` keeps runs open until ``release``.

    ``fail(name, n)`` decides whether the n-th run (1-based) of ``name`` raises. Overlapping runs of
    one source are counted in ``overlaps`` instead of asserted inside, so the scheduler cannot
    swallow the failure.
    """

    duration: float = 0.0
    hold: bool = False
    fail: Callable[[str, int], bool] = lambda _name, _n: False
    stopping: asyncio.Event | None = None  # when set, a run of many steps stops between steps
    steps: int = 1
    runs: list[Run] = field(default_factory=list)
    overlaps: int = 0
    max_concurrent: int = 0
    _active: dict[str, int] = field(default_factory=dict)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, name: str) -> None:
        run = Run(name, time.monotonic())
        self.runs.append(run)
        self._active[name] = self._active.get(name, 0) + 1
        if self._active[name] > 1:
            self.overlaps += 1
        self.max_concurrent = max(self.max_concurrent, sum(self._active.values()))
        try:
            if self.hold:
                await self._release.wait()
            for _ in range(self.steps):
                if self.stopping is not None and self.stopping.is_set():
                    run.outcome = "stopped"
                    return
                await asyncio.sleep(self.duration / self.steps)
            if self.fail(name, self.count(name)):
                run.outcome = "error"
                raise RuntimeError(f"run {self.count(name)} of {name} failed on purpose")
            run.outcome = "ok"
        except asyncio.CancelledError:
            run.outcome = "cancelled"
            raise
        finally:
            run.ended = time.monotonic()
            self._active[name] -= 1

    def release(self) -> None:
        """Let held runs finish (and every later run pass straight through)."""
        self._release.set()

    def count(self, name: str) -> int:
        """How many runs of ``name`` have started."""
        return sum(1 for run in self.runs if run.source == name)

    def running(self, name: str) -> bool:
        """Whether a run of ``name`` is in flight."""
        return self._active.get(name, 0) > 0

    def starts(self, name: str) -> list[float]:
        """Start times of ``name``'s runs, in order."""
        return [run.started for run in self.runs if run.source == name]


async def eventually(predicate: Callable[[], bool], *, timeout: float = 5.0, what: str = "condition") -> None:
    """Wait until ``predicate()`` holds, polling the real loop; fail after a generous timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.005)


@asynccontextmanager
async def running_scheduler(
    sources: dict[str, float],
    recorder: RunRecorder,
    *,
    initial_run: bool = False,
    shutdown_timeout: float = 5.0,
    **options: object,
) -> AsyncIterator[SourceScheduler]:
    """A started scheduler over ``sources`` (name -> interval seconds), always shut down after."""
    scheduler = SourceScheduler(
        [ScheduledSource(name, interval) for name, interval in sources.items()],
        recorder,
        **options,  # type: ignore[arg-type]
    )
    scheduler.start(initial_run=initial_run)
    try:
        yield scheduler
    finally:
        recorder.release()
        await scheduler.shutdown(timeout=shutdown_timeout)
