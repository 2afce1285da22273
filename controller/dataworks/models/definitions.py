"""Data Studio workflow definitions, async jobs, deployment (pipeline runs) and the workspace.

Part of ``controller.dataworks.models`` (import from there). Ids here are strings except
``ProjectId`` and ``WorkflowId`` (docs §5, §6, §8.1).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from controller.dataworks.models.base import (
    EpochMs,
    EpochMsString,
    IdInt,
    IdStr,
    ResponseBody,
    Tag,
    TrueFalseString,
    WireModel,
    WireRequest,
)

# --- Data Studio: workflow definitions and async jobs ---------------------------------------------


class ImportWorkflowDefinitionRequest(WireRequest):
    """Asynchronous upsert of a workflow and its nodes from a FlowSpec string; poll GetJobStatus."""

    ACTION = "ImportWorkflowDefinition"
    METHOD = "POST"
    project_id: IdInt
    spec: str
    dry_run: bool | None = None


class AsyncJob(WireModel):
    """The job an ImportWorkflowDefinition started. ``Response`` holds the definition id on success."""

    id: IdStr
    completed: bool | None = None
    create_time: EpochMs | None = None
    error: str | None = None
    progress: int | None = None
    response: str | None = None
    status: str | None = None
    type: str | None = None


class ImportWorkflowDefinitionResponse(ResponseBody):
    """Body of ImportWorkflowDefinition."""

    async_job: AsyncJob


class GetJobStatusRequest(WireRequest):
    """Poll an async job."""

    ACTION = "GetJobStatus"
    METHOD = "GET"
    job_id: IdStr


class JobStatus(WireModel):
    """Async job status. Terminal when ``completed`` and ``status`` in Success/Fail/Cancel."""

    job_id: IdStr
    completed: TrueFalseString = False
    create_time: EpochMsString | None = None
    error: str | None = None
    job_type: str | None = None
    status: str | None = None


class GetJobStatusResponse(ResponseBody):
    """Body of GetJobStatus."""

    job_status: JobStatus


class GetWorkflowDefinitionRequest(WireRequest):
    """Read one workflow definition's FlowSpec; ``include_script_content`` adds node code."""

    ACTION = "GetWorkflowDefinition"
    METHOD = "GET"
    id: IdStr
    include_script_content: bool | None = None
    project_id: IdInt | None = None


class WorkflowDefinition(WireModel):
    """A Data Studio workflow definition. ``workflow_id`` links to the scheduler workflow once deployed."""

    id: IdStr
    name: str | None = None
    owner: str | None = None
    project_id: IdInt | None = None
    spec: str | None = None
    workflow_id: IdInt | None = None
    create_time: EpochMs | None = None
    modify_time: EpochMs | None = None


class GetWorkflowDefinitionResponse(ResponseBody):
    """Body of GetWorkflowDefinition."""

    workflow_definition: WorkflowDefinition


class ListWorkflowDefinitionsRequest(WireRequest):
    """One page of definitions of one ``Type`` (server default CycleWorkflow). PageSize ≤ 100."""

    ACTION = "ListWorkflowDefinitions"
    METHOD = "GET"
    project_id: IdInt
    type: str | None = None
    name: str | None = None
    owner: str | None = None
    page_number: int | None = None
    page_size: int | None = None


class _ScriptRuntime(WireModel):
    command: str | None = None


class WorkflowDefinitionScript(WireModel):
    """``Script`` of a listed definition: its id, path and runtime command."""

    id: IdStr | None = None
    path: str | None = None
    runtime: _ScriptRuntime | None = None


class WorkflowDefinitionSummary(WireModel):
    """One item of ListWorkflowDefinitions (no Spec)."""

    id: IdStr
    name: str | None = None
    owner: str | None = None
    description: str | None = None
    project_id: IdInt | None = None
    type: str | None = None
    script: WorkflowDefinitionScript | None = None
    create_time: EpochMs | None = None
    modify_time: EpochMs | None = None


class WorkflowDefinitionPage(WireModel):
    """``PagingInfo`` of ListWorkflowDefinitions."""

    page_number: int = 1
    page_size: int = 10
    total_count: int = 0
    workflow_definitions: list[WorkflowDefinitionSummary] = Field(default_factory=list)


class ListWorkflowDefinitionsResponse(ResponseBody):
    """Body of ListWorkflowDefinitions."""

    paging_info: WorkflowDefinitionPage


class DeleteWorkflowDefinitionRequest(WireRequest):
    """Delete a Data Studio workflow definition (undeploy first to remove the scheduler copy)."""

    ACTION = "DeleteWorkflowDefinition"
    METHOD = "POST"
    id: IdStr
    project_id: IdInt


class SuccessResponse(ResponseBody):
    """Body of the operations that answer ``{RequestId, Success}``; the client raises on ``false``."""

    success: bool | None = None


# --- deployment (pipeline runs) -------------------------------------------------------------------


class CreatePipelineRunRequest(WireRequest):
    """Deploy (``Online``) or undeploy (``Offline``) ``object_ids[0]``. Not idempotent."""

    ACTION = "CreatePipelineRun"
    METHOD = "POST"
    project_id: IdInt
    type: Literal["Online", "Offline"]
    object_ids: list[IdStr]
    description: str | None = None
    run_mode: Literal["Normal", "Auto"] | None = None
    auto_run_until_stage: str | None = None


class CreatePipelineRunResponse(ResponseBody):
    """Body of CreatePipelineRun: the new run's id."""

    id: IdStr


class GetPipelineRunRequest(WireRequest):
    """Poll a pipeline run."""

    ACTION = "GetPipelineRun"
    METHOD = "GET"
    id: IdStr
    project_id: IdInt


class PipelineStage(WireModel):
    """One stage; the next ``Init`` stage's ``code`` is what ExecPipelineRunStage takes."""

    code: str | None = None
    name: str | None = None
    description: str | None = None
    detail: dict[str, Any] | None = None
    message: str | None = None
    status: str | None = None
    step: int | None = None
    type: str | None = None


class Pipeline(WireModel):
    """A pipeline run. Terminal ``status``: Success, Fail, Termination, Cancel."""

    id: IdStr
    status: str | None = None
    message: str | None = None
    description: str | None = None
    creator: str | None = None
    project_id: IdInt | None = None
    stages: list[PipelineStage] = Field(default_factory=list)
    create_time: EpochMs | None = None
    modify_time: EpochMs | None = None


class GetPipelineRunResponse(ResponseBody):
    """Body of GetPipelineRun."""

    pipeline: Pipeline


class ExecPipelineRunStageRequest(WireRequest):
    """Trigger the next stage of a Normal-mode run. ``ProjectId`` travels in the query string."""

    ACTION = "ExecPipelineRunStage"
    METHOD = "POST"
    QUERY_FIELDS = frozenset({"ProjectId"})
    id: IdStr
    code: str
    project_id: IdInt


# --- workspace ------------------------------------------------------------------------------------


class GetProjectRequest(WireRequest):
    """Read the workspace (``dev_environment_enabled`` tells standard from simple mode)."""

    ACTION = "GetProject"
    METHOD = "GET"
    id: IdInt


class Project(WireModel):
    """A DataWorks workspace."""

    id: IdInt
    name: str | None = None
    display_name: str | None = None
    description: str | None = None
    owner: str | None = None
    status: str | None = None
    dev_environment_enabled: bool | None = None
    dev_role_disabled: bool | None = None
    pai_task_enabled: bool | None = None
    aliyun_resource_group_id: str | None = None
    aliyun_resource_tags: list[Tag] = Field(default_factory=list)


class GetProjectResponse(ResponseBody):
    """Body of GetProject."""

    project: Project
