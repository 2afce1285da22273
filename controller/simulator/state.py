"""The simulated workspace: workflow definitions (FlowSpec), async jobs, pipeline runs and the
scheduled (Prod) workflows with their tasks, all in memory.

This module holds data and lookups only. Behaviour lives beside it: ``definitions.py`` (import jobs,
definition reads), ``deploy.py`` (pipeline runs, definition → scheduler), ``scheduler.py`` (the
scheduler-side operations), ``mapping.py`` (FlowSpec ↔ scheduler fields). Everything runs on the
server's one event loop, so no locks are needed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from controller.simulator.errors import NotFound
from controller.simulator.ids import IdFactory

DEFAULT_OWNER_UID = "1234567890123456"
DEFAULT_TENANT_ID = "524257424564736"


def now_ms() -> int:
    """Wall-clock epoch milliseconds, the unit of every CreateTime/ModifyTime."""
    return int(time.time() * 1000)


def bumped(previous: int) -> int:
    """A ModifyTime that is now, and strictly later than ``previous`` (two writes in one ms)."""
    return max(now_ms(), previous + 1)


@dataclass
class Definition:
    """A DataStudio workflow definition: the FlowSpec document as DataWorks renders it."""

    id: str
    project_id: int
    spec: dict[str, Any]
    script_id: str
    create_time: int
    modify_time: int
    workflow_id: int | None = None

    @property
    def workflow(self) -> dict[str, Any]:
        """The one workflow of the document (``spec.workflows[0]``)."""
        workflow: dict[str, Any] = self.spec["spec"]["workflows"][0]
        return workflow

    @property
    def kind(self) -> str:
        """CycleWorkflow or ManualWorkflow."""
        return str(self.spec.get("kind", "CycleWorkflow"))

    @property
    def path(self) -> str:
        """The DataStudio path (``script.path``)."""
        return str(self.workflow.get("script", {}).get("path", ""))


@dataclass
class Job:
    """An ImportWorkflowDefinition job; it finishes (and writes) when ``due`` passes.

    ``definition_id`` is reserved at submission (the existing id for an update, a new one for a
    create; empty for a dry run that would create) and reported at once as ``AsyncJob.Response``,
    as in the DataWorks example response of a still-running job.
    """

    id: str
    project_id: int
    create_time: int
    started: float
    due: float
    dry_run: bool
    document: dict[str, Any]
    problems: list[str]
    job_type: str
    definition_id: str
    status: str = "Running"
    error: str = ""


@dataclass
class Stage:
    """One stage of a pipeline run (BUILD_PACKAGE, PROD_CHECK, PROD, PROD_OFFLINE)."""

    step: int
    code: str
    name: str
    type: str
    description: str
    status: str = "Init"
    message: str = ""
    due: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class PipelineRun:
    """A deploy (Online) or undeploy (Offline) process for one workflow definition."""

    id: str
    project_id: int
    type: str
    object_id: str
    run_mode: str
    auto_until: str | None
    description: str
    creator: str
    create_time: int
    modify_time: int
    stages: list[Stage]
    package: dict[str, Any] | None
    status: str = "Init"
    message: str = ""


@dataclass
class Task:
    """A scheduled task; ``body`` holds the writable fields in wire (PascalCase) form."""

    id: int
    node_id: str
    body: dict[str, Any]
    client_unique_code: str
    create_time: int
    modify_time: int
    baseline_id: int | None = None


@dataclass
class ScheduledWorkflow:
    """A scheduled (Prod) workflow; ``body`` holds its writable fields in wire form."""

    id: int
    project_id: int
    definition_id: str | None
    body: dict[str, Any]
    tasks: dict[int, Task]
    client_unique_code: str
    create_time: int
    modify_time: int
    env: str = "Prod"


class World:
    """Everything the simulator knows; lookups raise the DataWorks 404s."""

    def __init__(
        self,
        *,
        project_ids: list[int],
        owner_uid: str = DEFAULT_OWNER_UID,
        tenant_id: str = DEFAULT_TENANT_ID,
        seed: int | None = None,
    ) -> None:
        self.project_ids = list(project_ids)
        self.owner_uid = owner_uid
        self.tenant_id = tenant_id
        self.ids = IdFactory(seed)
        self.definitions: dict[str, Definition] = {}
        self.jobs: dict[str, Job] = {}
        self.runs: dict[str, PipelineRun] = {}
        self.workflows: dict[int, ScheduledWorkflow] = {}
        self.task_index: dict[int, int] = {}

    def project(self, project_id: int) -> int:
        """``project_id`` if the simulator serves that workspace."""
        if project_id not in self.project_ids:
            raise NotFound("Project", project_id, "Pass the ProjectId the simulator was started with.")
        return project_id

    def definition(self, definition_id: str) -> Definition:
        """The workflow definition with this id."""
        found = self.definitions.get(definition_id)
        if found is None:
            raise NotFound("WorkflowDefinition", definition_id)
        return found

    def workflow(self, workflow_id: int, env: str = "Prod") -> ScheduledWorkflow:
        """The scheduled workflow with this id (the simulator deploys to Prod only)."""
        found = self.workflows.get(workflow_id)
        if found is None or found.env != env:
            hint = "The simulator publishes to Prod only; use EnvType=Prod." if env != "Prod" else ""
            raise NotFound("Workflow", workflow_id, hint)
        return found

    def task(self, task_id: int, env: str = "Prod") -> tuple[ScheduledWorkflow, Task]:
        """The scheduled task with this id and the workflow holding it."""
        workflow_id = self.task_index.get(task_id)
        workflow = self.workflows.get(workflow_id) if workflow_id is not None else None
        if workflow is None or task_id not in workflow.tasks or workflow.env != env:
            raise NotFound("Task", task_id)
        return workflow, workflow.tasks[task_id]

    def index_tasks(self, workflow: ScheduledWorkflow) -> None:
        """Re-point the task index at ``workflow``'s current tasks (after a deploy or update)."""
        for task_id, owner in list(self.task_index.items()):
            if owner == workflow.id and task_id not in workflow.tasks:
                del self.task_index[task_id]
        for task_id in workflow.tasks:
            self.task_index[task_id] = workflow.id

    def remove_workflow(self, workflow_id: int) -> None:
        """Delete a scheduled workflow and unlink its definition."""
        workflow = self.workflows.pop(workflow_id, None)
        if workflow is None:
            return
        for task_id in workflow.tasks:
            self.task_index.pop(task_id, None)
        for definition in self.definitions.values():
            if definition.workflow_id == workflow_id:
                definition.workflow_id = None
                definition.modify_time = bumped(definition.modify_time)
