"""One sync run end to end: Git snapshot → desired → live (pages, then reads) → plan → apply → record.

Pipeline position: the top of ``reconcile``; ``sync``, ``diff`` and the daemon call
:meth:`SyncRun.run`. A run never lets one workflow's failure stop the others: a bad spec, a failed
job or an API error marks that workflow ``Failed`` with its message and the run goes on. With
``dry_run`` (``diff``) nothing is written to DataWorks, and the store keeps only what was observed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from controller.config import Config, SourceConfig
from controller.dataworks.adapters import SCHEDULER_UNOBSERVED
from controller.dataworks.client import DataWorksClient
from controller.errors import GitOpsError
from controller.logs import get_logger
from controller.reconcile.apply import Applier
from controller.reconcile.jobs import PollSchedule
from controller.reconcile.live import Inventory, take_inventory
from controller.reconcile.plan import Plan, SourcePolicy, Status
from controller.reconcile.results import RunResult, SourceResult, WorkflowResult
from controller.reconcile.source_run import SourceRun
from controller.reconcile.state import InFlightKind, InFlightRecord, RunState
from controller.spec.loader import LoadResult, SpecCache, load_source

log = get_logger(__name__)


class Checkout(Protocol):
    """A fetched commit of a source, checked out where the spec loader can read it."""

    @property
    def commit(self) -> str:
        """The commit sha."""

    @property
    def root(self) -> Path:
        """The repository work tree at that commit."""


Fetch = Callable[[SourceConfig], Checkout]


@dataclass(frozen=True)
class RunOptions:
    """How a run behaves: ``dry_run`` (diff) or apply, and the job polling pace (its ``timeout`` is
    replaced by each source's ``timeout``)."""

    dry_run: bool = False
    poll: PollSchedule = field(default_factory=PollSchedule)
    #: Set at shutdown: no new write starts, polling stops, in-flight work stays recorded.
    stop: asyncio.Event | None = None
    #: Called with (kind, seconds) when an import job or pipeline run ends (job duration metric).
    on_job_finished: Callable[[str, float], None] | None = None


def policy_for(source: SourceConfig, *, publish: bool = True) -> SourcePolicy:
    """The plan's knobs for a source (``publish`` is ``dataworks.publish``).

    In update mode the scheduler's blind spots are ``unobserved``: never drift against the scheduled
    workflow, but compared against the definition when Git changed, so such a change is still applied.
    """
    unobserved = tuple(SCHEDULER_UNOBSERVED) if source.apply == "update" else ()
    return SourcePolicy(
        source=source.name,
        self_heal=source.self_heal,
        prune=source.prune,
        prune_max_share=source.prune_max_share,
        ignore=tuple(source.ignore),
        sensitive=tuple(source.sensitive),
        unobserved=unobserved,
        publish=publish,
    )


class SyncRun:
    """Runs sources against one DataWorks workspace, sharing one inventory per run."""

    def __init__(
        self,
        config: Config,
        client: DataWorksClient,
        state: RunState,
        fetch: Fetch,
        *,
        options: RunOptions | None = None,
        spec_cache: SpecCache | None = None,
    ) -> None:
        self.config = config
        self.client = client
        self.state = state
        self.fetch = fetch
        self.options = options or RunOptions()
        self.spec_cache = spec_cache if spec_cache is not None else SpecCache()
        self._inventory: Inventory | None = None

    async def inventory(self, *, refresh: bool = False) -> Inventory:
        """The workspace's list pages, taken once per run (again after writes when asked)."""
        if self._inventory is None or refresh:
            self._inventory = await take_inventory(self.client)
        return self._inventory

    async def run(self, sources: Sequence[SourceConfig] | None = None) -> RunResult:
        """Sync (or with ``dry_run``, diff) the given sources, default all; never raises for one source."""
        started = time.monotonic()
        before = self.client.calls.snapshot()
        self._inventory = None
        results = [await self.run_source(source) for source in (sources or self.config.sources)]
        calls = _delta(before, self.client.calls.snapshot())
        return RunResult(sources=tuple(results), api_calls=calls, duration_seconds=time.monotonic() - started)

    async def run_source(self, source: SourceConfig) -> SourceResult:
        """One source: suspended, fetch failure, or plan + apply; always a result, never an exception."""
        record = self.state.source(source.name)
        if record.suspended:
            return self._suspended(source)
        started = time.time()
        calls_before = self.client.calls.snapshot()
        try:
            # git runs in a thread: a slow fetch must not stall webhooks served by the same loop.
            checkout = await asyncio.to_thread(self.fetch, source)
        except GitOpsError as exc:
            log.warning("sync_failed", source=source.name, stage="fetch", error=str(exc))
            self.state.put_source(replace(record, status="Unknown", last_error=str(exc), last_sync=started))
            return SourceResult(source=source.name, status="Unknown", commit=record.last_commit, error=str(exc))
        log.info("sync_started", source=source.name, commit=checkout.commit, dry_run=self.options.dry_run)
        try:
            result = await self._run_checkout(source, checkout)
        except GitOpsError as exc:
            log.error("sync_failed", source=source.name, commit=checkout.commit, error=str(exc))
            result = SourceResult(source=source.name, status="Failed", commit=checkout.commit, error=str(exc))
        finished = time.time()
        if not self.options.dry_run:
            self.state.put_source(
                replace(record, status=result.status, last_commit=checkout.commit, last_sync=finished,
                        last_error=result.error)
            )
            self.state.record_run(
                source.name, started, finished, result.status,
                {"commit": checkout.commit, "counts": result.counts(), "error": result.error},
            )
        log.info(
            "sync_finished",
            source=source.name,
            commit=checkout.commit,
            status=result.status,
            counts=result.counts(),
            duration_seconds=round(finished - started, 3),
            api_calls=_delta(calls_before, self.client.calls.snapshot()),
            dry_run=self.options.dry_run,
        )
        return result

    async def _run_checkout(self, source: SourceConfig, checkout: Checkout) -> SourceResult:
        loaded = load_specs(checkout.root, source, self.spec_cache)
        inventory = await self.inventory()
        job = SourceRun(
            source=source,
            commit=checkout.commit,
            config=self.config,
            client=self.client,
            state=self.state,
            policy=policy_for(source, publish=self.config.dataworks.publish),
            applier=Applier(
                self.client,
                source=source.name,
                inflight=_InFlightAdapter(self.state, source.name),
                # The options give the polling pace; how long to wait is each source's own timeout.
                schedule=replace(self.options.poll, timeout=source.timeout.total_seconds()),
                env=self.config.dataworks.env,
                on_progress=_job_progress(source.name),
                on_job_finished=self.options.on_job_finished,
                stop=self.options.stop,
            ),
            dry_run=self.options.dry_run,
        )
        if not self.options.dry_run and self.state.inflight(source.name):
            await job.resume_inflight()
            # Resumed work created or changed definitions after the inventory was taken: list again,
            # or the plan would not see them and import a second copy. (Asked before resuming: a
            # resumed job is no longer in flight afterwards.)
            inventory = await self.inventory(refresh=True)
        plan: Plan = await job.plan(loaded, inventory)
        workflows = await job.execute(plan) if not self.options.dry_run else job.preview(plan)
        return SourceResult(
            source=source.name,
            status=_source_status(workflows),
            commit=checkout.commit,
            workflows=tuple(workflows),
            prune_refused=plan.prune_refused,
        )

    def _suspended(self, source: SourceConfig) -> SourceResult:
        workflows = tuple(
            WorkflowResult(source=source.name, name=r.name, path=r.path, file=r.file, status="Suspended",
                           action="noop", message="source suspended")
            for r in self.state.workflows(source.name)
        )
        return SourceResult(source=source.name, status="Suspended", workflows=workflows)


def load_specs(root: Path, source: SourceConfig, cache: SpecCache) -> LoadResult:
    """Load the source's specs from a checkout."""
    return load_source(root, source.path, source.vars, cache=cache)


def _delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """API calls made between two counter snapshots, by action."""
    return {action: n - before.get(action, 0) for action, n in sorted(after.items()) if n - before.get(action, 0)}


_WORST_FIRST: tuple[Status, ...] = ("Failed", "Unknown", "Progressing", "OutOfSync")


def _source_status(workflows: Sequence[WorkflowResult]) -> Status:
    statuses = {w.status for w in workflows}
    return next((s for s in _WORST_FIRST if s in statuses), "Synced")


class _InFlightAdapter:
    """:class:`~controller.reconcile.apply.InFlight` on top of the run state, for one source."""

    def __init__(self, state: RunState, source: str) -> None:
        self._state = state
        self._source = source

    def begin(self, kind: InFlightKind, identity: str, work_id: str, detail: str = "") -> None:
        self._state.begin_inflight(
            InFlightRecord(source=self._source, identity=identity, kind=kind, work_id=work_id,
                           detail=detail, started=time.time())
        )

    def end(self, kind: InFlightKind, identity: str) -> None:
        self._state.end_inflight(self._source, identity, kind)


def _job_progress(source: str) -> Callable[[str, str, str, str], None]:
    def report(kind: str, work_id: str, workflow: str, status: str) -> None:
        log.info("job_progress", source=source, kind=kind, id=work_id, workflow=workflow, status=status)

    return report

