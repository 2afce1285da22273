"""Client-side rate limits (read/write token buckets) and the per-action call counter.

Sits inside ``client.py``'s retry loop: every attempt first waits for a token of its action's class,
then is counted. DataWorks counts calls per account and region (docs §3.5): Basic..Professional
allow 5 QPS for all APIs together, Enterprise 50 QPS read and 20 QPS write. Staying under the limit
here is cheaper than meeting 429s there.

* :class:`TokenBucket` — an async bucket (GCRA form): ``rate`` tokens per second, ``burst`` at most,
  slowing down when the server throttles and creeping back up to the configured cap (AIMD).
* :class:`RateLimiter` — which bucket an action draws from; writes are named in :data:`WRITE_ACTIONS`.
* :class:`CallCounter` — attempts sent, by action and by (action, outcome code), for metrics and
  for "the second sync makes no writes" checks.

Example::

    >>> limiter = RateLimiter.from_qps()            # 5 QPS shared by reads and writes
    >>> limiter = RateLimiter.from_qps(read_qps=50, write_qps=20)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable

#: Actions that change DataWorks state: they draw from the write bucket. Everything else is a read,
#: including POST-shaped queries such as ListWorkflows / ListTasks / ListProjects.
WRITE_ACTIONS = frozenset(
    {
        "ImportWorkflowDefinition",
        "CreateWorkflowDefinition",
        "UpdateWorkflowDefinition",
        "DeleteWorkflowDefinition",
        "MoveWorkflowDefinition",
        "RenameWorkflowDefinition",
        "CreatePipelineRun",
        "ExecPipelineRunStage",
        "AbolishPipelineRun",
        "UpdateWorkflow",
        "DeleteWorkflow",
        "CreateNode",
        "UpdateNode",
        "DeleteNode",
        "UpdateTask",
        "BatchUpdateTasks",
    }
)

#: The Basic/Standard/Professional limit: 5 QPS for every API together.
DEFAULT_QPS = 5.0

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def is_write(action: str) -> bool:
    """Whether ``action`` counts against the write limit."""
    return action in WRITE_ACTIONS


class TokenBucket:
    """``rate`` calls per second on average, at most ``burst`` back to back; waiters served FIFO.

    Kept as a theoretical arrival time (GCRA): a call may start once ``now`` reaches
    ``tat - (burst - 1) / rate``; each call pushes ``tat`` one interval further.

    The rate adapts to the server (AIMD, as TCP and the AWS SDKs' adaptive retry mode do): a
    throttling answer halves it (never below ``min_rate``) and holds every caller back for the
    server's retry-after; each success adds back ``max_rate / 50`` up to ``max_rate``, the configured
    cap. So concurrent callers that met a 429 are re-queued and spaced out instead of all waking at
    once, and the client never sends faster than configured.
    """

    DECREASE = 0.5
    INCREASE_STEPS = 50

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        min_rate: float = 0.1,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("a token bucket needs a positive rate")
        self.max_rate = rate
        self.min_rate = min(min_rate, rate)
        self.burst = max(1, burst)
        self._tat = 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._set_rate(rate)

    def _set_rate(self, rate: float) -> None:
        self.rate = rate
        self._interval = 1.0 / rate
        self._tolerance = (self.burst - 1) * self._interval

    async def acquire(self) -> float:
        """Wait for a token; returns the seconds waited."""
        waited = 0.0
        async with self._lock:  # one waiter at a time, in arrival order
            while True:  # re-check after sleeping: a throttling answer may have pushed tat meanwhile
                now = self._clock()
                tat = max(self._tat, now)
                wait = tat - self._tolerance - now
                if wait <= 0:
                    break
                await self._sleep(wait)
                waited += wait
            self._tat = tat + self._interval
        return waited

    def slow_down(self, pause: float = 0.0) -> None:
        """The server throttled us: halve the rate and let no call start for ``pause`` seconds."""
        self._set_rate(max(self.min_rate, self.rate * self.DECREASE))
        self._tat = max(self._tat, self._clock() + pause)

    def speed_up(self) -> None:
        """A call succeeded: creep back towards the configured rate."""
        if self.rate < self.max_rate:
            self._set_rate(min(self.max_rate, self.rate + self.max_rate / self.INCREASE_STEPS))


class RateLimiter:
    """Picks the bucket for an action: one shared bucket, or separate read and write buckets."""

    def __init__(self, read: TokenBucket, write: TokenBucket) -> None:
        self.read = read
        self.write = write

    @classmethod
    def from_qps(
        cls,
        read_qps: float | None = None,
        write_qps: float | None = None,
        *,
        burst: int = 1,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> RateLimiter:
        """Neither given: one bucket of :data:`DEFAULT_QPS` for all calls. Otherwise a bucket per class
        (a missing one defaults to :data:`DEFAULT_QPS`)."""
        if read_qps is None and write_qps is None:
            shared = TokenBucket(DEFAULT_QPS, burst, clock=clock, sleep=sleep)
            return cls(shared, shared)
        read = TokenBucket(read_qps or DEFAULT_QPS, burst, clock=clock, sleep=sleep)
        write = TokenBucket(write_qps or DEFAULT_QPS, burst, clock=clock, sleep=sleep)
        return cls(read, write)

    @classmethod
    def unlimited(cls, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> RateLimiter:
        """No client-side limit (benchmarks, tests of other behaviour); a 429's pause still applies."""
        bucket = TokenBucket(1e9, 1_000_000, clock=clock, sleep=sleep)
        return cls(bucket, bucket)

    @property
    def shared(self) -> bool:
        """Whether reads and writes draw from one bucket."""
        return self.read is self.write

    def bucket(self, action: str) -> TokenBucket:
        """The bucket ``action`` draws from."""
        return self.write if is_write(action) else self.read

    async def acquire(self, action: str) -> float:
        """Wait for a token of ``action``'s class; returns the seconds waited."""
        return await self.bucket(action).acquire()

    def throttled(self, action: str, pause: float = 0.0) -> None:
        """The server answered ``action`` with a retryable 429: slow its class down."""
        self.bucket(action).slow_down(pause)

    def succeeded(self, action: str) -> None:
        """``action`` got an answer: let its class speed back up."""
        self.bucket(action).speed_up()


class CallCounter:
    """Attempts sent to DataWorks: ``action -> n`` and ``(action, code) -> n``.

    ``code`` is ``"OK"`` for a success, the DataWorks error code for an error answer, or the error
    type name (``TransportError``) when no answer came. Safe to read from another thread (metrics).
    """

    OK = "OK"

    def __init__(self) -> None:
        self._by_action: Counter[str] = Counter()
        self._by_code: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def record(self, action: str, code: str = OK) -> None:
        """Count one attempt of ``action`` that ended with ``code``."""
        with self._lock:
            self._by_action[action] += 1
            self._by_code[(action, code)] += 1

    def snapshot(self) -> dict[str, int]:
        """Attempts per action so far."""
        with self._lock:
            return dict(self._by_action)

    def by_code(self) -> dict[tuple[str, str], int]:
        """Attempts per (action, outcome code) so far."""
        with self._lock:
            return dict(self._by_code)

    def total(self, *, writes_only: bool = False) -> int:
        """All attempts, or only those of write actions."""
        with self._lock:
            return sum(n for a, n in self._by_action.items() if not writes_only or is_write(a))
