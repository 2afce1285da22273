"""Wire models of the DataWorks OpenAPI 2024-05-18 operations the controller uses (pydantic v2).

Sits at the client's boundary: ``client.py`` turns a request model into query/form fields and a JSON
response into a response model; ``adapters.py`` maps these models to and from the canonical model.
Nothing here does I/O.

Conventions (see docs/dataworks-api.md §5-§8):

* Python names are snake_case; every field's alias is its PascalCase wire name (``base_line_id`` ↔
  ``BaseLineId``). Build models with either spelling (``populate_by_name``); ``model_dump()`` emits
  wire names by default.
* Ids are decoded leniently: a JSON number or a numeric string both work. Data Studio ids (workflow
  definitions, nodes, jobs, pipeline runs) are :data:`IdStr` — kept as exact strings, since the
  19-digit definition/node ids exceed 2^53. Scheduler ids (workflows, tasks, projects) are
  :data:`IdInt`. ``GetTask``'s ``Dependencies[].UpstreamTaskId`` is a *string* on the wire and stays
  one here (:class:`GetTaskDependency`); UpdateWorkflow/GetWorkflow use an integer (:class:`Dependency`).
* Times (``CreateTime``/``ModifyTime``) are epoch milliseconds as ``int``, also when the wire sends a
  string (``GetJobStatus.JobStatus.CreateTime``).
* ``GetJobStatus.JobStatus.Completed`` is the *string* ``"True"``/``"False"`` on the wire and a
  ``bool`` here; ``ImportWorkflowDefinition.AsyncJob.Completed`` is a JSON boolean.
* Response models tolerate and keep unknown fields (``extra="allow"``); request models reject
  unknown ones (``extra="forbid"``) so that a typo fails at construction, not on the server.
* Request models carry their wire facts as class variables: ``ACTION``, ``METHOD`` and
  ``QUERY_FIELDS`` (wire names placed in the query string on a POST; a GET puts every field there).
  ``wire.py`` does the encoding.

Modules: ``base`` (bases, lenient types, shared value types), ``definitions`` (Data Studio
definitions, async jobs, pipeline runs, workspace), ``scheduler`` (scheduled workflows and tasks).

Example::

    >>> req = UpdateWorkflowRequest(id=1, name="wf", owner="1", trigger=WorkflowTrigger(type="Scheduler"))
    >>> req.model_dump(exclude_none=True)["Trigger"]
    {'Type': 'Scheduler'}
"""

from __future__ import annotations

from controller.dataworks.models.base import (
    DataSource,
    Dependency,
    EnvType,
    GetTaskDependency,
    HttpMethod,
    IdInt,
    IdStr,
    ResponseBody,
    RuntimeResource,
    Script,
    Tag,
    TaskInputs,
    TaskOutput,
    TaskOutputs,
    Variable,
    WireModel,
    WireRequest,
    WorkflowOutputs,
    WorkflowTrigger,
)
from controller.dataworks.models.definitions import (
    AsyncJob,
    CreatePipelineRunRequest,
    CreatePipelineRunResponse,
    DeleteWorkflowDefinitionRequest,
    ExecPipelineRunStageRequest,
    GetJobStatusRequest,
    GetJobStatusResponse,
    GetPipelineRunRequest,
    GetPipelineRunResponse,
    GetProjectRequest,
    GetProjectResponse,
    GetWorkflowDefinitionRequest,
    GetWorkflowDefinitionResponse,
    ImportWorkflowDefinitionRequest,
    ImportWorkflowDefinitionResponse,
    JobStatus,
    ListWorkflowDefinitionsRequest,
    ListWorkflowDefinitionsResponse,
    Pipeline,
    PipelineStage,
    Project,
    SuccessResponse,
    WorkflowDefinition,
    WorkflowDefinitionPage,
    WorkflowDefinitionScript,
    WorkflowDefinitionSummary,
)
from controller.dataworks.models.scheduler import (
    DeleteWorkflowRequest,
    GetTaskRequest,
    GetTaskResponse,
    GetWorkflowRequest,
    GetWorkflowResponse,
    ListWorkflowsRequest,
    ListWorkflowsResponse,
    SubTasks,
    Task,
    TaskTrigger,
    UpdateTaskTrigger,
    UpdateWorkflowRequest,
    UpdateWorkflowTask,
    Workflow,
    WorkflowPage,
    WorkflowSummary,
    WorkflowTaskSummary,
)

__all__ = [
    "AsyncJob",
    "CreatePipelineRunRequest",
    "CreatePipelineRunResponse",
    "DataSource",
    "DeleteWorkflowDefinitionRequest",
    "DeleteWorkflowRequest",
    "Dependency",
    "EnvType",
    "ExecPipelineRunStageRequest",
    "GetJobStatusRequest",
    "GetJobStatusResponse",
    "GetPipelineRunRequest",
    "GetPipelineRunResponse",
    "GetProjectRequest",
    "GetProjectResponse",
    "GetTaskDependency",
    "GetTaskRequest",
    "GetTaskResponse",
    "GetWorkflowDefinitionRequest",
    "GetWorkflowDefinitionResponse",
    "GetWorkflowRequest",
    "GetWorkflowResponse",
    "HttpMethod",
    "IdInt",
    "IdStr",
    "ImportWorkflowDefinitionRequest",
    "ImportWorkflowDefinitionResponse",
    "JobStatus",
    "ListWorkflowDefinitionsRequest",
    "ListWorkflowDefinitionsResponse",
    "ListWorkflowsRequest",
    "ListWorkflowsResponse",
    "Pipeline",
    "PipelineStage",
    "Project",
    "ResponseBody",
    "RuntimeResource",
    "Script",
    "SubTasks",
    "SuccessResponse",
    "Tag",
    "Task",
    "TaskInputs",
    "TaskOutput",
    "TaskOutputs",
    "TaskTrigger",
    "UpdateTaskTrigger",
    "UpdateWorkflowRequest",
    "UpdateWorkflowTask",
    "Variable",
    "WireModel",
    "WireRequest",
    "Workflow",
    "WorkflowDefinition",
    "WorkflowDefinitionPage",
    "WorkflowDefinitionScript",
    "WorkflowDefinitionSummary",
    "WorkflowOutputs",
    "WorkflowPage",
    "WorkflowSummary",
    "WorkflowTaskSummary",
    "WorkflowTrigger",
]
