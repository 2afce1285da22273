"""The controller as a service: scheduler + HTTP server + reconciler + graceful shutdown.

Pipeline position: the top, under the CLI's ``run``. It wires the pieces that know nothing of each
other: :class:`~controller.scheduling.SourceScheduler` decides *when* a source runs (interval with
jitter, webhooks, the sync API), :class:`~controller.reconcile.run.SyncRun` does the run, the
store remembers, and :func:`~controller.server.app.create_app` serves health, readiness, metrics,
status and webhooks on one event loop.

Shutdown (SIGTERM/SIGINT): stop taking triggers, let the API call in flight finish, leave async
jobs recorded in the store for the next start, exit 0 — well within Kubernetes' 30 s grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from controller.config import Config, SourceConfig
from controller.dataworks.client import DataWorksClient
from controller.logs import get_logger, register_secret
from controller.reconcile.jobs import PollSchedule
from controller.reconcile.results import SourceResult
from controller.reconcile.run import Fetch, RunOptions, SyncRun
from controller.reconcile.status import status_document
from controller.reconcile.store_state import StoreRunState
from controller.scheduling import DailyBudget, RetryLater, ScheduledSource, SourceScheduler
from controller.scheduling import TriggerResult as SchedulerResult
from controller.server.app import create_app
from controller.server.deps import ServerDeps, TriggerResult
from controller.server.metrics import GitOpsMetrics
from controller.spec.loader import SpecCache
from controller.store import Store

log = get_logger(__name__)

#: How long shutdown waits for runs in flight before cancelling them.
SHUTDOWN_SECONDS = 8.0

_TRIGGER_RESULTS = {
    SchedulerResult.ACCEPTED: TriggerResult.ACCEPTED,
    SchedulerResult.COALESCED: TriggerResult.QUEUED,
    SchedulerResult.UNKNOWN_SOURCE: TriggerResult.UNKNOWN_SOURCE,
    SchedulerResult.FULL: TriggerResult.FULL,
}


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the daemon owns SIGTERM/SIGINT and stops in order
    (scheduler first, so a run in flight can finish its API call; then the HTTP server)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class SyncFailed(RetryLater):
    """Raised to the scheduler after a failed run is recorded, so it retries with backoff
    (no sooner than ``retry_after`` when the API quota is spent)."""


@dataclass(frozen=True)
class Wiring:
    """What the daemon is built from; tests and the demo pass their own client and fetch."""

    config: Config
    client: DataWorksClient
    store: Store
    fetch: Fetch
    fetch_seconds: dict[str, float]


class Daemon:
    """One controller process: run it with :meth:`serve`."""

    def __init__(self, wiring: Wiring, *, metrics: GitOpsMetrics | None = None) -> None:
        self.config = wiring.config
        self.client = wiring.client
        self.store = wiring.store
        self.fetch = wiring.fetch
        self.fetch_seconds = wiring.fetch_seconds
        self.metrics = metrics or GitOpsMetrics()
        self.state = StoreRunState(self.store)
        self.spec_cache = SpecCache()
        self.sources = {s.name: s for s in self.config.sources}
        budget = self.config.dataworks.daily_budget
        self.budget = DailyBudget(budget) if budget else None
        self.scheduler = SourceScheduler(
            [ScheduledSource(s.name, s.interval.total_seconds()) for s in self.config.sources],
            self.run_source,
            is_suspended=self.store.is_suspended,
        )
        self._attempted: set[str] = set()
        self._calls_seen: dict[tuple[str, str], int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = asyncio.Event()
        self.app = create_app(self._deps(), metrics=self.metrics, max_body_bytes=self.config.webhooks.max_body_bytes)

    # --- the run --------------------------------------------------------------------------------

    def _poll(self) -> PollSchedule:
        d = self.config.dataworks
        return PollSchedule(initial=d.poll_initial, maximum=d.poll_max)

    async def run_source(self, name: str) -> None:
        """One sync run of ``name`` (called by the scheduler); metrics and status recorded after it."""
        source = self.sources[name]
        run = SyncRun(
            self.config, self.client, self.state, self.fetch, spec_cache=self.spec_cache,
            options=RunOptions(
                poll=self._poll(), stop=self.scheduler.stopping, on_job_finished=self.metrics.record_job
            ),
        )
        started = time.monotonic()
        calls = 0
        try:
            result = (await run.run([source])).sources[0]
        finally:
            self._attempted.add(name)
            calls = self._record_api_calls()
        self._record(source, result, time.monotonic() - started)
        self._keep_within_budget(source, calls)
        pause = self.client.quota_pause()
        if pause is not None:
            # The quota is spent: no retry before it can succeed (api_quota_exhausted was logged).
            raise SyncFailed(f"source {name}: the DataWorks API quota is spent", retry_after=pause)
        if result.status in ("Failed", "Unknown"):
            raise SyncFailed(f"source {name}: {result.error or result.status}")

    def _keep_within_budget(self, source: SourceConfig, calls: int) -> None:
        if self.budget is None:
            return
        self.budget.spend(calls)
        active = sum(1 for n in self.sources if not self.store.is_suspended(n))
        stretch = self.budget.stretch(source.interval.total_seconds(), calls, active)
        if stretch is not None:
            log.warning("budget_interval_stretched", source=source.name, used=self.budget.used,
                        daily_budget=self.budget.limit, calls_per_run=calls, next_run_in=round(stretch))
            self.scheduler.defer(source.name, stretch, "daily_budget")

    def _record(self, source: SourceConfig, result: SourceResult, seconds: float) -> None:
        drift = sum(1 for w in result.workflows if w.drift_detected)
        outcome = "success" if result.status in ("Synced", "OutOfSync", "Suspended") else "failed"
        self.metrics.record_sync(source.name, outcome, seconds, drift=drift)
        if source.name in self.fetch_seconds:
            self.metrics.record_git_fetch(source.name, self.fetch_seconds.pop(source.name))
        self._refresh_counts(source.name)

    def _refresh_counts(self, name: str) -> None:
        if self.store.is_suspended(name):
            counts = {"Suspended": len(self.store.list_workflows(name))}
        else:
            counts = {}
            for wf in self.store.list_workflows(name):
                counts[wf.status] = counts.get(wf.status, 0) + 1
        self.metrics.set_workflow_counts(name, counts)

    def _record_api_calls(self) -> int:
        """Add the calls made since the last look to the metrics; return how many there were."""
        now = self.client.calls.by_code()
        delta = {key: n - self._calls_seen.get(key, 0) for key, n in now.items()}
        self._calls_seen = now
        self.metrics.add_api_calls({k: v for k, v in delta.items() if v > 0})
        return sum(v for v in delta.values() if v > 0)

    # --- what the server sees -------------------------------------------------------------------

    def _deps(self) -> ServerDeps:
        return ServerDeps(
            status=lambda: status_document(self.config, self.store),
            ready=self.ready,
            trigger=self.trigger_threadsafe,
            sources=lambda: [(s.name, s.repo, s.ref) for s in self.config.sources],
            webhook_secret=self.webhook_secret,
            api_token=lambda: _env(self.config.server.api_token_env),
            workspace_id=lambda: self.config.dataworks.project_id,
        )

    def ready(self) -> bool:
        """Config valid (we are running) and a first sync attempted for every active source."""
        active = {n for n in self.sources if not self.store.is_suspended(n)}
        return active <= self._attempted

    def webhook_secret(self, provider: str) -> str | None:
        """The secret of ``/webhooks/<provider>``, from the environment variable the config names."""
        settings = getattr(self.config.webhooks, provider, None)
        return _env(settings.secret_env) if settings is not None else None

    def trigger_threadsafe(self, name: str, reason: str) -> TriggerResult:
        """Queue a run from any thread (the server calls this from worker threads)."""
        loop = self._loop
        if loop is None or self._stop.is_set():
            return TriggerResult.FULL
        if threading.current_thread() is threading.main_thread() and _running_loop() is loop:
            return self.trigger(name, reason)
        future = asyncio.run_coroutine_threadsafe(self._trigger_async(name, reason), loop)
        return future.result(timeout=5)

    async def _trigger_async(self, name: str, reason: str) -> TriggerResult:
        return self.trigger(name, reason)

    def trigger(self, name: str, reason: str) -> TriggerResult:
        """Queue a run of ``name`` (on the loop thread); a suspended source answers as queued-and-held."""
        result = self.scheduler.trigger(name, reason)
        log.info("sync_triggered", source=name, reason=reason, result=str(result))
        if result == SchedulerResult.SUSPENDED:
            return TriggerResult.QUEUED
        return _TRIGGER_RESULTS.get(result, TriggerResult.FULL)

    # --- lifecycle ------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ask the daemon to stop (signal handlers and tests call this)."""
        self._stop.set()

    async def serve(self, *, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT (or :meth:`request_stop`); return the exit code."""
        self._loop = asyncio.get_running_loop()
        for provider in ("github", "gitlab", "gitea", "bitbucket", "codeup", "generic", "dataworks"):
            register_secret(self.webhook_secret(provider))
        register_secret(_env(self.config.server.api_token_env))
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._loop.add_signal_handler(sig, self.request_stop)
        server = _Server(
            uvicorn.Config(self.app, host=self.config.server.host, port=self.config.server.port,
                           log_config=None, access_log=False, lifespan="off")
        )
        serving = asyncio.create_task(server.serve())
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if serving.done():
            serving.result()  # re-raise a bind failure
            return 1
        log.info("daemon_started", host=self.config.server.host, port=self.bound_port(server),
                 sources=list(self.sources))
        for name in self.sources:
            self._refresh_counts(name)
        self.scheduler.start()
        await self._stop.wait()
        log.info("daemon_stopping")
        clean = await self.scheduler.shutdown(timeout=SHUTDOWN_SECONDS)
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=2)
        log.info("daemon_stopped", runs_finished=clean)
        return 0

    @staticmethod
    def bound_port(server: uvicorn.Server) -> int | None:
        """The port actually bound (config port 0 picks a free one)."""
        for srv in getattr(server, "servers", []):
            for sock in srv.sockets:
                return int(sock.getsockname()[1])
        return None


def _env(name: str | None) -> str | None:
    return os.environ.get(name) or None if name else None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


__all__ = ["Daemon", "SyncFailed", "Wiring"]
