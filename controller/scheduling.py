"""When each source's sync run starts: intervals with jitter, coalesced triggers, backoff, shutdown.

Where it sits: below ``controller.daemon``, which wires this scheduler to the reconciler (the
injected ``run_source(name)`` coroutine is one sync run), to the server (webhooks, the API and the
CLI call :meth:`SourceScheduler.trigger`) and to the store (``is_suspended``). It knows nothing of
Git or DataWorks; it only decides *when* ``run_source`` is awaited:

- every source runs on its own ``interval``, jittered ±10% by default (Flux's
  ``--interval-jitter-percentage``), so many sources do not hit the DataWorks API in step;
- runs of one source never overlap; a trigger that arrives during a run queues exactly one
  follow-up run, and any number of triggers before a run starts become that one run;
- different sources run concurrently up to ``max_concurrent`` (Flux's source-controller default
  ``--concurrent`` is 2, which also suits DataWorks' 5 QPS editions);
- a failed run is logged (``scheduler_run_error``) and retried with a growing backoff instead of
  waiting a whole interval; the reconciler logs ``sync_failed`` with the details;
- :meth:`SourceScheduler.shutdown` stops taking triggers, sets :attr:`SourceScheduler.stopping`
  (the run checks it between workflows) and returns within its timeout.

Every method runs on the event loop thread: ``trigger`` is a plain function that never blocks, so
an HTTP handler can call it and answer at once.
"""

from __future__ import annotations

import asyncio
import enum
import functools
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from controller.logs import get_logger

log = get_logger(__name__)

RunSource = Callable[[str], Awaitable[None]]
"""One sync run of the named source (the reconciler); it should check ``stopping`` between workflows."""

IsSuspended = Callable[[str], bool]
"""True while the named source is suspended (``dataworks-gitops suspend``); read at every decision."""

#: Flux's default ``--interval-jitter-percentage`` (10), as a fraction of the interval.
DEFAULT_JITTER = 0.1
DEFAULT_MAX_CONCURRENT = 2
DEFAULT_MAX_PENDING = 100


class TriggerResult(enum.StrEnum):
    """What :meth:`SourceScheduler.trigger` did with a request; the server maps it to a status code."""

    ACCEPTED = "accepted"  # a run is queued (or a follow-up after the run in flight)
    COALESCED = "coalesced"  # a run was already queued and not started: this trigger joins it
    UNKNOWN_SOURCE = "unknown_source"  # no source of that name in the config
    FULL = "full"  # the pending set is at max_pending: try again later (HTTP 503)
    SUSPENDED = "suspended"  # the source is suspended: nothing runs until it is resumed
    STOPPING = "stopping"  # shutdown has begun: no new runs


class RetryLater(Exception):
    """Raised by a run: it failed, and the next attempt must wait at least ``retry_after`` seconds.

    A spent DataWorks quota is the case in point: retrying after the usual backoff would only spend
    calls that are refused anyway.
    """

    def __init__(self, message: str, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ScheduledSource(NamedTuple):
    """A source as the scheduler sees it: its name and its interval in seconds."""

    name: str
    interval: float


@dataclass(frozen=True)
class Backoff:
    """Delay before the next run after consecutive failures, as data: ``first × factor**(n-1)``.

    The defaults are Argo CD's ``syncPolicy.retry.backoff`` (duration 5s, factor 2). The cap is
    the source's own interval unless ``cap`` is set, so a failing source is never retried *later*
    than it would have run anyway. Argo CD's self-heal backoff (2s, ×3, capped at 300s) is
    ``Backoff(first=2, factor=3, cap=300)``.
    """

    first: float = 5.0
    factor: float = 2.0
    cap: float | None = None

    def delay(self, failures: int, interval: float) -> float:
        """Seconds to wait after ``failures`` consecutive failures (``failures >= 1``)."""
        cap = interval if self.cap is None else min(self.cap, interval)
        # Stop multiplying once past the cap: no float overflow after thousands of failures.
        delay = self.first
        for _ in range(max(failures, 1) - 1):
            if delay >= cap:
                break
            delay *= self.factor
        return min(delay, cap)

    def schedule(self, interval: float, count: int) -> tuple[float, ...]:
        """The first ``count`` delays for a source with this interval (for docs and status pages)."""
        return tuple(self.delay(n, interval) for n in range(1, count + 1))


DEFAULT_BACKOFF = Backoff()


class DailyBudget:
    """API calls spent per UTC day against a budget, and how far a source's interval must stretch.

    DataWorks' Basic edition allows about 100 OpenAPI calls a day. Failing once the budget is gone
    would leave Git unsynced until midnight; spacing runs out so the rest of the day's budget lasts
    to midnight keeps syncing, just less often. Calls are counted in memory: a restart starts afresh.

    >>> clock = [datetime(2026, 1, 1, 12, tzinfo=UTC)]
    >>> budget = DailyBudget(100, now=lambda: clock[0])
    >>> budget.spend(40)
    >>> budget.stretch(interval=180, calls_per_run=10, sources=1)  # 6 runs left in 12 h: every 2 h
    7200.0
    >>> budget.stretch(interval=180, calls_per_run=0, sources=1) is None  # a run that cost nothing
    True
    """

    def __init__(self, limit: int, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.limit = limit
        self._now = now
        self._day = now().date()
        self._used = 0

    @property
    def used(self) -> int:
        """Calls spent so far today (UTC)."""
        self._roll()
        return self._used

    def spend(self, calls: int) -> None:
        """Count ``calls`` made just now."""
        self._roll()
        self._used += calls

    def stretch(self, interval: float, calls_per_run: int, sources: int) -> float | None:
        """Seconds to the next run when ``interval`` would overspend this source's share, else None."""
        if calls_per_run <= 0:
            return None
        now = self._now()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        left = (midnight - now).total_seconds()
        share = max(self.limit - self.used, 0) / max(sources, 1)
        runs = share // calls_per_run
        if runs < 1:
            return left  # nothing affordable before the daily reset
        spacing = left / runs
        return spacing if spacing > interval else None

    def _roll(self) -> None:
        today = self._now().date()
        if today != self._day:
            self._day, self._used = today, 0


class SourceStatus(NamedTuple):
    """A source's scheduling state, for the status API and tests."""

    name: str
    running: bool
    pending: bool
    failures: int
    next_run: datetime | None


def interval_trigger(interval: float, jitter: float, *, start: datetime | None = None) -> IntervalTrigger:
    """An apscheduler trigger firing every ``interval`` seconds ± ``jitter × interval``.

    apscheduler 3 only *adds* jitter (``uniform(0, jitter)``), so the base interval is shortened
    by the jitter and the jitter doubled: each gap falls in ``[interval(1-j), interval(1+j)]``.
    The first fire comes one such jittered interval after ``start`` (default: now), never at once.
    """
    spread = interval * jitter
    base = interval - spread
    return IntervalTrigger(
        seconds=base,
        jitter=2 * spread if spread > 0 else None,
        start_date=(start or datetime.now(UTC)) + timedelta(seconds=base),
        timezone=UTC,
    )


@dataclass
class _Source:
    name: str
    interval: float
    pending: bool = False  # a run is requested and has not started yet
    reasons: dict[str, None] = field(default_factory=dict)  # ordered set of the pending run's reasons
    task: asyncio.Task[None] | None = None  # the run in flight (or created and about to start)
    failures: int = 0


class SourceScheduler:
    """Runs ``run_source(name)`` for each source on its interval and on triggers; see the module doc.

    Example::

        scheduler = SourceScheduler([ScheduledSource("analytics", 300.0)], reconciler.run)
        scheduler.start()
        scheduler.trigger("analytics", "webhook:github")   # -> TriggerResult.ACCEPTED
        ...
        await scheduler.shutdown(timeout=10)
    """

    def __init__(
        self,
        sources: Iterable[ScheduledSource],
        run_source: RunSource,
        *,
        is_suspended: IsSuspended | None = None,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
        max_pending: int = DEFAULT_MAX_PENDING,
        jitter: float = DEFAULT_JITTER,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> None:
        self._sources: dict[str, _Source] = {}
        for source in sources:
            if source.name in self._sources:
                raise ValueError(f"source {source.name!r} is listed twice (source names must be unique)")
            if not source.interval > 0:
                raise ValueError(f"source {source.name!r}: interval must be positive seconds, got {source.interval}")
            self._sources[source.name] = _Source(source.name, float(source.interval))
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent}")
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter is a fraction of the interval in [0, 1), got {jitter}")
        self._run_source = run_source
        self._is_suspended = is_suspended or _never_suspended
        self._max_concurrent = max_concurrent
        self._max_pending = max_pending
        self._jitter = jitter
        self._backoff = backoff
        self._queue: deque[str] = deque()  # sources with a pending run, in request order
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatch_handle: asyncio.Handle | None = None
        self._apscheduler = AsyncIOScheduler(timezone=UTC)

    @property
    def stopping(self) -> asyncio.Event:
        """Set when shutdown begins; a run checks it between workflows and returns early."""
        return self._stopping

    @property
    def source_names(self) -> tuple[str, ...]:
        """The scheduled sources, in config order."""
        return tuple(self._sources)

    def start(self, *, initial_run: bool = True) -> None:
        """Start the interval timers (call on the running loop); queue one run per source first.

        The initial runs go through the same queue as triggers, so ``max_concurrent`` spreads
        them out after a restart.
        """
        if self._loop is not None:
            raise RuntimeError("SourceScheduler.start() was called twice")
        self._loop = asyncio.get_running_loop()
        now = datetime.now(UTC)
        for source in self._sources.values():
            self._apscheduler.add_job(
                self._on_interval,
                interval_trigger(source.interval, self._jitter, start=now),
                args=[source.name],
                id=source.name,
                name=f"interval:{source.name}",
                coalesce=True,  # a loop that was busy for several intervals catches up with one run
                max_instances=1,
                misfire_grace_time=None,  # late is better than never
            )
        self._apscheduler.start()
        if initial_run:
            for source in self._sources.values():
                if not self._is_suspended(source.name):
                    self._request(source, "startup", capped=False)
        self._schedule_dispatch()

    def trigger(self, name: str, reason: str) -> TriggerResult:
        """Ask for a run of ``name`` now (webhook, API, CLI); never blocks, never waits for the run."""
        source = self._sources.get(name)
        if source is None:
            return TriggerResult.UNKNOWN_SOURCE
        if self._stopping.is_set():
            return TriggerResult.STOPPING
        if self._is_suspended(name):
            log.info("scheduler_trigger_skipped", source=name, reason=reason, why="suspended")
            return TriggerResult.SUSPENDED
        result = self._request(source, reason, capped=True)
        log.debug("scheduler_triggered", source=name, reason=reason, result=str(result))
        return result

    def defer(self, name: str, seconds: float, reason: str) -> None:
        """Hold the next interval run of ``name`` until at least ``seconds`` from now (triggers still run).

        Used to stretch the interval when a daily API budget would not last the day.
        """
        if name not in self._sources or self._loop is None or not self._apscheduler.running:
            return
        job = self._apscheduler.get_job(name)
        at = datetime.now(UTC) + timedelta(seconds=seconds)
        if job is not None and (job.next_run_time is None or job.next_run_time < at):
            self._apscheduler.modify_job(name, next_run_time=at)
            log.info("scheduler_run_deferred", source=name, seconds=round(seconds), reason=reason)

    def status(self) -> tuple[SourceStatus, ...]:
        """Each source's state: running, pending, consecutive failures, next interval run."""
        rows: list[SourceStatus] = []
        for source in self._sources.values():
            job = self._apscheduler.get_job(source.name) if self._loop is not None else None
            next_run: datetime | None = job.next_run_time if job is not None else None
            rows.append(SourceStatus(source.name, source.task is not None, source.pending, source.failures, next_run))
        return tuple(rows)

    async def wait_idle(self) -> None:
        """Return once no run is in flight and none is pending (for ``sync``-style callers and tests)."""
        await self._idle.wait()

    async def shutdown(self, timeout: float = 10.0) -> bool:
        """Stop taking triggers, let runs in flight finish, and return within ``timeout`` seconds.

        Pending runs that have not started are dropped. Runs still going near the deadline are
        cancelled (with a short grace to unwind). Returns True when every run finished by itself.
        """
        self._stopping.set()
        dropped = [name for name in self._queue if self._sources[name].task is None]
        for name in self._queue:
            self._sources[name].pending = False
            self._sources[name].reasons.clear()
        self._queue.clear()
        if self._dispatch_handle is not None:
            self._dispatch_handle.cancel()
            self._dispatch_handle = None
        if self._apscheduler.running:
            self._apscheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # apscheduler stops on the next loop iteration; let it
        in_flight = sorted(s.name for s in self._sources.values() if s.task is not None)
        log.info("scheduler_stopping", in_flight=in_flight, dropped=dropped, timeout=timeout)
        clean = True
        tasks = set(self._tasks)
        if tasks:
            # Keep a slice of the timeout for cancelled runs to unwind, so the total stays inside it.
            grace = min(1.0, timeout * 0.1)
            _, late = await asyncio.wait(tasks, timeout=max(timeout - grace, 0.0))
            if late:
                clean = False
                for task in late:
                    task.cancel()
                await asyncio.wait(late, timeout=grace)
        self._update_idle()
        log.info("scheduler_stopped", clean=clean)
        return clean

    # -- internals -------------------------------------------------------------------------------

    def _request(self, source: _Source, reason: str, *, capped: bool) -> TriggerResult:
        if source.pending:
            source.reasons[reason] = None
            return TriggerResult.COALESCED
        if capped and sum(s.pending for s in self._sources.values()) >= self._max_pending:
            return TriggerResult.FULL
        source.pending = True
        source.reasons = {reason: None}
        self._queue.append(source.name)
        self._idle.clear()
        self._schedule_dispatch()
        return TriggerResult.ACCEPTED

    async def _on_interval(self, name: str) -> None:
        source = self._sources[name]
        if self._stopping.is_set():
            return
        if self._is_suspended(name):
            log.debug("scheduler_interval_skipped", source=name, why="suspended")
            return
        if source.task is not None and not source.pending:
            # The run in flight started moments ago at most one interval back; it covers this tick.
            log.debug("scheduler_interval_skipped", source=name, why="running")
            return
        if self._request(source, "interval", capped=True) is TriggerResult.FULL:
            log.warning("scheduler_interval_skipped", source=name, why="pending_full")

    def _schedule_dispatch(self) -> None:
        # Deferred to the next loop iteration, so a burst of triggers in one tick is one run.
        if self._loop is None or self._dispatch_handle is not None or self._stopping.is_set():
            return
        self._dispatch_handle = self._loop.call_soon(self._dispatch)

    def _dispatch(self) -> None:
        self._dispatch_handle = None
        if self._stopping.is_set() or self._loop is None:
            return
        for name in list(self._queue):
            if len(self._tasks) >= self._max_concurrent:
                break
            source = self._sources[name]
            if source.task is not None:
                continue  # a follow-up waits for the run in flight
            self._queue.remove(name)
            if self._is_suspended(name):
                log.info("scheduler_run_skipped", source=name, reasons=list(source.reasons), why="suspended")
                source.pending = False
                source.reasons.clear()
                continue
            task = self._loop.create_task(self._run(source), name=f"sync-run:{name}")
            source.task = task
            self._tasks.add(task)
            task.add_done_callback(functools.partial(self._on_run_done, source))
        self._update_idle()

    async def _run(self, source: _Source) -> None:
        # The pending flag stays up until here, so triggers before the run truly starts join it.
        reasons = list(source.reasons)
        source.pending = False
        source.reasons.clear()
        if self._stopping.is_set():
            return
        log.debug("scheduler_run_started", source=source.name, reasons=reasons)
        try:
            await self._run_source(source.name)
        except asyncio.CancelledError:
            log.warning("scheduler_run_cancelled", source=source.name)
            raise
        except Exception as exc:  # a failed run must never stop the scheduler
            source.failures += 1
            delay = self._backoff.delay(source.failures, source.interval)
            if isinstance(exc, RetryLater):
                delay = max(delay, exc.retry_after)
            log.error(
                "scheduler_run_error",
                source=source.name,
                error_class=type(exc).__name__,
                error=str(exc),
                failures=source.failures,
                retry_in=delay,
            )
            self._retry_after(source, delay)
        else:
            source.failures = 0

    def _retry_after(self, source: _Source, delay: float) -> None:
        if self._stopping.is_set() or not self._apscheduler.running:
            return
        # Moving the interval job's next fire keeps one timer per source; later fires follow on.
        self._apscheduler.modify_job(source.name, next_run_time=datetime.now(UTC) + timedelta(seconds=delay))

    def _on_run_done(self, source: _Source, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if source.task is task:
            source.task = None
        self._schedule_dispatch()
        self._update_idle()

    def _update_idle(self) -> None:
        if self._tasks or any(s.pending for s in self._sources.values()):
            self._idle.clear()
        else:
            self._idle.set()


def _never_suspended(_name: str) -> bool:
    return False
