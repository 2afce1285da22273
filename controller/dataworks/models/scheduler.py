"""Scheduler-side (Operation Center) workflows and tasks: GetWorkflow, ListWorkflows, UpdateWorkflow,
DeleteWorkflow, GetTask.

Part of ``controller.dataworks.models`` (import from there). Ids here are int64 except GetTask's
``Dependencies[].UpstreamTaskId`` (a string on the wire, kept as one). See docs §7, §8.2, §8.3.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from controller.dataworks.models.base import (
    DataSource,
    Dependency,
    EnvType,
    EpochMs,
    GetTaskDependency,
    IdInt,
    ResponseBody,
    RuntimeResource,
    Script,
    Tag,
    TaskInputs,
    TaskOutputs,
    WireModel,
    WireRequest,
    WorkflowOutputs,
    WorkflowTrigger,
)

# --- scheduler: workflows and tasks ---------------------------------------------------------------


class GetWorkflowRequest(WireRequest):
    """Read a scheduled workflow (tasks as summaries)."""

    ACTION = "GetWorkflow"
    METHOD = "GET"
    id: IdInt
    env_type: EnvType | None = None


class WorkflowTaskSummary(WireModel):
    """A task as GetWorkflow lists it: no script, inputs, outputs, dependencies or tags (use GetTask)."""

    id: IdInt
    name: str | None = None
    type: str | None = None
    owner: str | None = None
    description: str | None = None
    baseline_id: IdInt | None = None
    client_unique_code: str | None = None
    data_source: DataSource | None = None
    env_type: str | None = None
    priority: int | None = None
    project_id: IdInt | None = None
    rerun_interval: int | None = None
    rerun_mode: str | None = None
    rerun_times: int | None = None
    runtime_resource: RuntimeResource | None = None
    timeout: int | None = None
    trigger_recurrence: str | None = None
    workflow_id: IdInt | None = None
    create_time: EpochMs | None = None
    create_user: str | None = None
    modify_time: EpochMs | None = None
    modify_user: str | None = None


class Workflow(WireModel):
    """A scheduled workflow as GetWorkflow returns it."""

    id: IdInt
    name: str | None = None
    owner: str | None = None
    description: str | None = None
    client_unique_code: str | None = None
    env_type: str | None = None
    parameters: str | None = None
    project_id: IdInt | None = None
    trigger: WorkflowTrigger | None = None
    tags: list[Tag] = Field(default_factory=list)
    outputs: WorkflowOutputs | None = None
    dependencies: list[Dependency] = Field(default_factory=list)
    tasks: list[WorkflowTaskSummary] = Field(default_factory=list)
    create_time: EpochMs | None = None
    create_user: str | None = None
    modify_time: EpochMs | None = None
    modify_user: str | None = None


class GetWorkflowResponse(ResponseBody):
    """Body of GetWorkflow."""

    workflow: Workflow


class ListWorkflowsRequest(WireRequest):
    """One page of scheduled workflows (POST form; ``Ids``/``Tags`` as JSON). Stable order: ``Id Asc``."""

    ACTION = "ListWorkflows"
    METHOD = "POST"
    project_id: IdInt
    env_type: EnvType | None = None
    ids: list[IdInt] | None = None
    name: str | None = None
    owner: str | None = None
    page_number: int | None = None
    page_size: int | None = None
    sort_by: str | None = None
    tags: list[str] | None = None
    trigger_type: str | None = None


class WorkflowSummary(WireModel):
    """One item of ListWorkflows (no tasks, dependencies or outputs)."""

    id: IdInt
    name: str | None = None
    owner: str | None = None
    description: str | None = None
    client_unique_code: str | None = None
    env_type: str | None = None
    parameters: str | None = None
    project_id: IdInt | None = None
    tags: list[Tag] = Field(default_factory=list)
    trigger: WorkflowTrigger | None = None
    create_time: EpochMs | None = None
    create_user: str | None = None
    modify_time: EpochMs | None = None
    modify_user: str | None = None


class WorkflowPage(WireModel):
    """``PagingInfo`` of ListWorkflows."""

    page_number: int = 1
    page_size: int = 10
    total_count: int = 0
    workflows: list[WorkflowSummary] = Field(default_factory=list)


class ListWorkflowsResponse(ResponseBody):
    """Body of ListWorkflows."""

    paging_info: WorkflowPage


class UpdateTaskTrigger(WireModel):
    """A task's trigger in UpdateWorkflow: ``{Recurrence (required), Type}`` (no Cron here)."""

    recurrence: str = "Normal"
    type: str | None = None


class UpdateWorkflowTask(WireModel):
    """One task in UpdateWorkflow.Tasks. With ``id`` it is fully replaced; without, created.

    Lists default to ``[]`` and are always sent, as the official SDK does: an empty or omitted
    ``Dependencies``/``Tags`` deletes them server-side, so send what you want to keep. ``inputs`` /
    ``outputs`` left ``None`` are omitted, which also deletes them. Note the request spelling
    ``BaseLineId`` (responses say ``BaselineId``).
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    owner: str
    type: str
    rerun_mode: str
    runtime_resource: RuntimeResource
    trigger: UpdateTaskTrigger
    id: IdInt | None = None
    base_line_id: IdInt | None = None
    client_unique_code: str | None = None
    data_source: DataSource | None = None
    dependencies: list[Dependency] = Field(default_factory=list)
    description: str | None = None
    env_type: EnvType | None = None
    inputs: TaskInputs | None = None
    outputs: TaskOutputs | None = None
    rerun_interval: int | None = None
    rerun_times: int | None = None
    script: Script | None = None
    tags: list[Tag] = Field(default_factory=list)
    timeout: int | None = None


class UpdateWorkflowRequest(WireRequest):
    """Full update of a scheduled workflow. ``Id``, ``Name``, ``Owner``, ``Trigger`` are always required.

    Shrink fields (sent as one compact-JSON form field each): Dependencies, Outputs, Tags, Tasks,
    Trigger. ``None`` omits a field; an empty list sends ``[]``.
    """

    ACTION = "UpdateWorkflow"
    METHOD = "POST"
    id: IdInt
    name: str
    owner: str
    trigger: WorkflowTrigger
    client_unique_code: str | None = None
    dependencies: list[Dependency] | None = None
    description: str | None = None
    env_type: EnvType | None = None
    instance_mode: str | None = None
    outputs: WorkflowOutputs | None = None
    parameters: str | None = None
    tags: list[Tag] | None = None
    tasks: list[UpdateWorkflowTask] | None = None


class DeleteWorkflowRequest(WireRequest):
    """Delete a scheduled workflow directly. ``Id`` travels in the query string."""

    ACTION = "DeleteWorkflow"
    METHOD = "POST"
    QUERY_FIELDS = frozenset({"Id"})
    id: IdInt
    env_type: EnvType | None = None
    client_unique_code: str | None = None


class GetTaskRequest(WireRequest):
    """Read one scheduler task in full. The environment field is ``ProjectEnv`` here."""

    ACTION = "GetTask"
    METHOD = "GET"
    id: IdInt
    project_env: EnvType | None = None


class TaskTrigger(WireModel):
    """A task's trigger as GetTask returns it."""

    type: str | None = None
    cron: str | None = None
    recurrence: str | None = None
    start_time: str | None = None
    end_time: str | None = None


class SubTasks(WireModel):
    """Inner tasks of a do-while/for-each/combined task (kept loosely typed)."""

    type: str | None = None
    sub_tasks: list[dict[str, Any]] = Field(default_factory=list)


class Task(WireModel):
    """A scheduler task as GetTask returns it (script, inputs, outputs, dependencies, tags included)."""

    id: IdInt
    name: str | None = None
    type: str | None = None
    owner: str | None = None
    description: str | None = None
    baseline_id: IdInt | None = None
    data_source: DataSource | None = None
    dependencies: list[GetTaskDependency] = Field(default_factory=list)
    env_type: str | None = None
    inputs: TaskInputs | None = None
    instance_mode: str | None = None
    outputs: TaskOutputs | None = None
    priority: int | None = None
    project_env: str | None = None
    project_id: IdInt | None = None
    rerun_interval: int | None = None
    rerun_mode: str | None = None
    rerun_times: int | None = None
    runtime_resource: RuntimeResource | None = None
    script: Script | None = None
    sub_tasks: SubTasks | None = None
    tags: list[Tag] = Field(default_factory=list)
    timeout: int | None = None
    trigger: TaskTrigger | None = None
    workflow_id: IdInt | None = None
    create_time: EpochMs | None = None
    create_user: str | None = None
    modify_time: EpochMs | None = None
    modify_user: str | None = None


class GetTaskResponse(ResponseBody):
    """Body of GetTask."""

    task: Task
