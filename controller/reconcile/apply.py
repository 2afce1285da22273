"""Apply: the DataWorks write calls behind each planned step, and nothing else.

Pipeline position: ``run`` hands each writing :class:`~controller.reconcile.plan.Step` to
:class:`Applier`. Writes per architecture §2:

* **create** / **deploy** — ``ImportWorkflowDefinition`` (the spec, with the controller's ownership
  tag), follow the job with ``GetJobStatus`` to its end, then publish with ``CreatePipelineRun``
  (Online) driven stage by stage, so the scheduled workflow exists;
* **update** — ``UpdateWorkflow`` full update from the canonical model, every existing task sent
  with its live id; with ``apply: import`` the update goes through ``ImportWorkflowDefinition``
  with the live definition and node ids injected, then a publish;
* **prune** — unpublish (``CreatePipelineRun`` Offline) and ``DeleteWorkflowDefinition``.

Every job or pipeline id is written to the store (through :class:`InFlight`) *before* polling
starts and removed when it ends, so a controller killed mid-job resumes it on the next run instead
of importing again.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from controller.dataworks.adapters import update_request_from_model
from controller.dataworks.client import DataWorksClient
from controller.dataworks.models import EnvType
from controller.logs import get_logger
from controller.model import WorkflowModel
from controller.reconcile.jobs import AsyncWorkFailed, PollSchedule, drive_pipeline, wait_for_job
from controller.reconcile.live import OWNERSHIP_TAG, ScheduledRead
from controller.reconcile.state import InFlightKind
from controller.spec.flowspec import FlowSpecDocument

log = get_logger(__name__)

class InFlight(Protocol):
    """Where in-flight async work is recorded (the store), keyed by source and workflow identity."""

    def begin(self, kind: InFlightKind, identity: str, work_id: str, detail: str = "") -> None:
        """Record async work that has started (called before the first poll)."""

    def end(self, kind: InFlightKind, identity: str) -> None:
        """Forget async work that reached a terminal state."""


@dataclass(frozen=True)
class Published:
    """The outcome of an import + publish: both ids of the workflow."""

    definition_id: str
    workflow_id: int | None


def import_document(
    document: FlowSpecDocument,
    *,
    source: str,
    definition_id: str | None = None,
    node_ids: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The FlowSpec to send: Git's document, plus the ownership tag and any live ids.

    Live ids make the import an update of the existing definition and nodes (DataWorks upserts by
    id, §8.4); without them it creates. Dependencies that name a node whose id is now known are
    rewritten to that id.
    """
    data: dict[str, Any] = copy.deepcopy(document.model_dump(by_alias=True, exclude_none=True))
    workflow = data["spec"]["workflows"][0]
    tags = [t for t in workflow.get("tags") or [] if t.get("key") != OWNERSHIP_TAG]
    workflow["tags"] = [*tags, {"key": OWNERSHIP_TAG, "value": source}]
    if definition_id:
        workflow["id"] = definition_id
        data["spec"]["id"] = definition_id
    ids = dict(node_ids or {})
    by_old_id: dict[str, str] = {}
    for node in workflow.get("nodes") or []:
        name = node.get("name")
        if name in ids:
            if node.get("id"):
                by_old_id[str(node["id"])] = ids[name]
            node["id"] = ids[name]
    for edge in workflow.get("dependencies") or []:
        target = str(edge.get("nodeId", ""))
        edge["nodeId"] = ids.get(target, by_old_id.get(target, target))
    return data


class Applier:
    """Runs the write calls of one source's steps against one client."""

    def __init__(
        self,
        client: DataWorksClient,
        *,
        source: str,
        inflight: InFlight,
        schedule: PollSchedule,
        env: EnvType = "Prod",
        on_progress: Callable[[str, str, str, str], None] | None = None,
        on_job_finished: Callable[[str, float], None] | None = None,
        stop: asyncio.Event | None = None,
    ) -> None:
        self.client = client
        self.source = source
        self.inflight = inflight
        self.schedule = schedule
        self.env = env
        self.stop = stop
        self._progress = on_progress or (lambda *_: None)
        self._job_finished = on_job_finished or (lambda *_: None)

    async def import_and_publish(
        self,
        identity: str,
        document: FlowSpecDocument,
        *,
        path: str,
        name: str,
        definition_id: str | None = None,
        node_ids: Mapping[str, str] | None = None,
        publish: bool = True,
    ) -> Published:
        """Import (create or upsert) the workflow, follow the job, then publish it."""
        spec = import_document(document, source=self.source, definition_id=definition_id, node_ids=node_ids)
        job = await self.client.import_workflow_definition(spec)
        self.inflight.begin("import_job", identity, job.id, detail=path)
        return await self.resume_import(
            identity, job.id, path=path, name=name, known_definition_id=definition_id or job.response, publish=publish
        )

    async def resume_import(
        self,
        identity: str,
        job_id: str,
        *,
        path: str,
        name: str,
        known_definition_id: str | None = None,
        publish: bool = True,
    ) -> Published:
        """Follow an import job (new, or found in the store after a restart) and publish its result."""
        started = time.monotonic()
        try:
            await wait_for_job(
                self.client, job_id, schedule=self.schedule, stop=self.stop,
                on_progress=self._reporter("import_job", job_id, name),
            )
        except AsyncWorkFailed:
            self.inflight.end("import_job", identity)
            self._finished("import_job", job_id, name, "Fail", started)
            raise
        self.inflight.end("import_job", identity)
        self._finished("import_job", job_id, name, "Success", started)
        definition_id = known_definition_id or await self.find_definition(name, path)
        if definition_id is None:
            raise LookupError(f"import job {job_id} succeeded but no definition at path {path!r} was found")
        if not publish:
            return Published(definition_id=definition_id, workflow_id=None)
        return await self.publish(identity, definition_id, name=name)

    async def find_definition(self, name: str, path: str) -> str | None:
        """The id of the definition at ``path`` (list filtered by name: a few calls, not a full list).

        When the name finds nothing, every definition is listed: a job resumed after a crash may
        only know its path (no record of the workflow existed yet), and the name filter would miss it.
        """
        found = await self._find_definition(name, path)
        if found is None and name:
            found = await self._find_definition(None, path)
        return found

    async def _find_definition(self, name: str | None, path: str) -> str | None:
        for kind in ("CycleWorkflow", "ManualWorkflow"):
            page_number = 1
            while True:
                page = await self.client.list_workflow_definitions(type=kind, name=name, page_number=page_number)
                for item in page.workflow_definitions:
                    if item.script and item.script.path == path:
                        return item.id
                if page_number * page.page_size >= page.total_count or not page.workflow_definitions:
                    break
                page_number += 1
        return None

    async def publish(self, identity: str, definition_id: str, *, name: str) -> Published:
        """Deploy a definition to the scheduler (Online) and return the scheduled workflow id."""
        run_id = await self.client.create_pipeline_run(
            definition_id, type="Online", description=f"dataworks-gitops: publish {name}", run_mode="Normal"
        )
        self.inflight.begin("pipeline_run", identity, run_id, detail=definition_id)
        return await self.resume_publish(identity, run_id, definition_id, name=name)

    async def resume_publish(self, identity: str, run_id: str, definition_id: str, *, name: str) -> Published:
        """Drive a publish (new, or resumed after a restart) to its end."""
        await self._drive(identity, run_id, name)
        definition = await self.client.get_workflow_definition(definition_id, include_script_content=False)
        return Published(definition_id=definition_id, workflow_id=definition.workflow_id)

    async def update(self, model: WorkflowModel, live: ScheduledRead) -> None:
        """A full ``UpdateWorkflow`` that makes the scheduled workflow equal ``model``."""
        request = update_request_from_model(
            model,
            workflow_id=live.workflow.id,
            live_task_ids=live.task_ids,
            owner_tags={OWNERSHIP_TAG: self.source},
            env_type=self.env,
            live=live.workflow,
            # GetTask results carry each task's default outputs: sent back, downstream deps keep them.
            live_tasks=live.tasks,
        )
        await self.client.update_workflow(request)

    async def prune(self, identity: str, definition_id: str, *, name: str, published: bool) -> None:
        """Unpublish (when published) and delete an owned workflow that left Git."""
        if published:
            run_id = await self.client.create_pipeline_run(
                definition_id, type="Offline", description=f"dataworks-gitops: prune {name}", run_mode="Normal"
            )
            self.inflight.begin("pipeline_run", identity, run_id, detail=definition_id)
            await self._drive(identity, run_id, name)
        await self.client.delete_workflow_definition(definition_id)

    async def _drive(self, identity: str, run_id: str, name: str) -> None:
        started = time.monotonic()
        try:
            await drive_pipeline(
                self.client, run_id, schedule=self.schedule, stop=self.stop,
                on_progress=self._reporter("pipeline_run", run_id, name),
            )
        except AsyncWorkFailed:
            self.inflight.end("pipeline_run", identity)
            self._finished("pipeline_run", run_id, name, "Fail", started)
            raise
        self.inflight.end("pipeline_run", identity)
        self._finished("pipeline_run", run_id, name, "Success", started)

    def _finished(self, kind: str, work_id: str, name: str, status: str, started: float) -> None:
        seconds = time.monotonic() - started
        log.info("job_finished", source=self.source, kind=kind, id=work_id, workflow=name, status=status,
                 seconds=round(seconds, 3))
        self._job_finished(kind, seconds)

    def _reporter(self, kind: str, work_id: str, name: str) -> Callable[[str, str], None]:
        def report(status: str, detail: str) -> None:
            self._progress(kind, work_id, name, f"{status} {detail}".strip())

        return report
