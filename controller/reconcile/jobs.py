"""Follow DataWorks' asynchronous work to its end: import jobs and pipeline runs (publish/unpublish).

Pipeline position: called by ``apply`` after ``ImportWorkflowDefinition`` or ``CreatePipelineRun``
returned an id (which ``apply`` has already written to the store, so a crash resumes here instead of
importing again). Polling backs off from about 1 s to 30 s — every poll is a metered API call — and
gives up after a timeout with the job still recorded as in flight.

Pipeline runs are driven in ``Normal`` mode: each ``Init`` stage is executed in order with
``ExecPipelineRunStage`` once the stage before it succeeded; stage codes are read from
``GetPipelineRun``, never hard-coded (they differ between simple and standard workspaces).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from controller.dataworks.client import DataWorksClient
from controller.dataworks.models import JobStatus, Pipeline
from controller.errors import GitOpsError
from controller.logs import get_logger

log = get_logger(__name__)

JOB_TERMINAL = frozenset({"Success", "Fail", "Cancel"})
PIPELINE_TERMINAL = frozenset({"Success", "Fail", "Termination", "Cancel"})


class AsyncWorkFailed(GitOpsError):
    """An import job or pipeline run ended in Fail/Cancel/Termination; the message is DataWorks'."""


class AsyncWorkTimedOut(GitOpsError):
    """Still running when the timeout passed; it stays recorded and the next run resumes it."""


class AsyncWorkStopped(AsyncWorkTimedOut):
    """The controller is shutting down: polling stopped, the work stays recorded for the next start."""


async def _pause(delay: float, sleep: Sleep, stop: asyncio.Event | None, what: str) -> None:
    """Wait ``delay`` seconds between polls, or raise :class:`AsyncWorkStopped` as soon as ``stop`` is set."""
    if stop is None:
        await sleep(delay)
        return
    try:
        await asyncio.wait_for(stop.wait(), delay)
    except TimeoutError:
        return
    raise AsyncWorkStopped(f"{what} left running at shutdown", hint="the next start resumes it")


@dataclass(frozen=True)
class PollSchedule:
    """Backoff between polls, as data: ``initial`` seconds, times ``factor``, capped at ``maximum``."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 30.0
    timeout: float = 1800.0

    def delays(self) -> Iterator[float]:
        """1, 2, 4, 8, 16, 30, 30, … (for the defaults)."""
        delay = self.initial
        while True:
            yield min(delay, self.maximum)
            delay = min(delay * self.factor, self.maximum)


Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[str, str], None]


def _no_progress(_status: str, _detail: str) -> None:
    return None


async def wait_for_job(
    client: DataWorksClient,
    job_id: str,
    *,
    schedule: PollSchedule,
    sleep: Sleep = asyncio.sleep,
    on_progress: Progress = _no_progress,
    stop: asyncio.Event | None = None,
) -> JobStatus:
    """Poll ``GetJobStatus`` until the job is terminal; return it on Success, raise otherwise."""
    deadline = time.monotonic() + schedule.timeout
    for delay in schedule.delays():
        status = await client.get_job_status(job_id)
        state = status.status or "Running"
        on_progress(state, status.error or "")
        if status.completed or state in JOB_TERMINAL:
            if state == "Success":
                return status
            raise AsyncWorkFailed(
                f"import job {job_id} ended {state}: {status.error or 'no reason given'}",
                hint="fix the spec at the JSON path DataWorks names, then push again",
            )
        if time.monotonic() + delay > deadline:
            break
        await _pause(delay, sleep, stop, f"import job {job_id}")
    raise AsyncWorkTimedOut(
        f"import job {job_id} still running after {schedule.timeout:.0f}s",
        hint="it stays recorded; the next sync resumes it instead of importing again",
    )


def next_stage(pipeline: Pipeline) -> str | None:
    """The code of the stage to execute now, or ``None`` while one runs or none is left.

    Stages run in ``step`` order; the first ``Init`` stage may start only when every stage before it
    succeeded and none is running.
    """
    for stage in sorted(pipeline.stages, key=lambda s: s.step or 0):
        if stage.status == "Success":
            continue
        if stage.status == "Init" and stage.code:
            return stage.code
        return None
    return None


def _stage_failure(pipeline: Pipeline) -> str:
    for stage in pipeline.stages:
        if stage.status in PIPELINE_TERMINAL - {"Success"}:
            return f"stage {stage.code or stage.name} {stage.status}: {stage.message or 'no message'}"
    return pipeline.message or "no message"


async def drive_pipeline(
    client: DataWorksClient,
    run_id: str,
    *,
    schedule: PollSchedule,
    sleep: Sleep = asyncio.sleep,
    on_progress: Progress = _no_progress,
    stop: asyncio.Event | None = None,
) -> Pipeline:
    """Execute a Normal-mode pipeline run stage by stage until it is terminal."""
    deadline = time.monotonic() + schedule.timeout
    delays = schedule.delays()
    while True:
        pipeline = await client.get_pipeline_run(run_id)
        state = pipeline.status or "Running"
        if state in PIPELINE_TERMINAL:
            if state == "Success":
                on_progress(state, "")
                return pipeline
            raise AsyncWorkFailed(
                f"pipeline run {run_id} ended {state}: {_stage_failure(pipeline)}",
                hint="see the deployment in the DataWorks console; the next sync retries the publish",
            )
        code = next_stage(pipeline)
        if code is not None:
            on_progress(state, f"executing stage {code}")
            await client.exec_pipeline_run_stage(run_id, code)
            # A triggered stage needs time before the next read shows it: restart the backoff.
            delays = schedule.delays()
        delay = next(delays)
        if time.monotonic() + delay > deadline:
            raise AsyncWorkTimedOut(
                f"pipeline run {run_id} still {state} after {schedule.timeout:.0f}s",
                hint="it stays recorded; the next sync resumes it",
            )
        await _pause(delay, sleep, stop, f"pipeline run {run_id}")
