"""Base classes, lenient scalar types and the value types shared by DataWorks requests and responses.

Part of ``controller.dataworks.models`` (import from there); see that package's docstring for the
conventions: PascalCase aliases, lenient exact ids, epoch-millisecond times, unknown fields kept.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_pascal

# --- lenient scalar types -------------------------------------------------------------------------


def _id_to_str(value: object) -> object:
    """Accept a JSON number for a string id, exactly (Python ints are unbounded)."""
    if isinstance(value, bool):
        return value  # let pydantic reject it: True is not an id
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError("a string id arrived as a JSON float and may have lost digits")
    return value


def _true_false(value: object) -> object:
    """``GetJobStatus`` sends ``"True"``/``"False"``; accept real booleans too."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


#: Data Studio id (definition, node, job, pipeline run): exact string; a JSON number is accepted.
IdStr = Annotated[str, BeforeValidator(_id_to_str)]
#: Scheduler id (workflow, task, project, baseline): int64; a numeric string is accepted (lax int).
IdInt = int
#: Epoch milliseconds; a numeric string is accepted (lax int).
EpochMs = int
#: Epoch milliseconds that travel as a string on the wire (GetJobStatus).
EpochMsString = Annotated[int, PlainSerializer(str, return_type=str)]
#: A boolean that travels as the string "True"/"False" (GetJobStatus.Completed).
TrueFalseString = Annotated[
    bool,
    BeforeValidator(_true_false),
    PlainSerializer(lambda v: "True" if v else "False", return_type=str),
]

HttpMethod = Literal["GET", "POST"]
EnvType = Literal["Prod", "Dev"]


# --- bases ----------------------------------------------------------------------------------------


class WireModel(BaseModel):
    """Base of every wire model: PascalCase aliases, construction by either name, dumps by alias.

    Unknown fields are kept (``model_extra``), so nothing the server sends is lost.
    """

    model_config = ConfigDict(
        alias_generator=to_pascal,
        populate_by_name=True,
        serialize_by_alias=True,
        extra="allow",
    )


class ResponseBody(WireModel):
    """A whole response body: every one carries ``RequestId``."""

    request_id: str | None = None


class WireRequest(WireModel):
    """A request: which action, which HTTP method, which fields go in the query string on a POST."""

    model_config = ConfigDict(extra="forbid")

    ACTION: ClassVar[str]
    METHOD: ClassVar[HttpMethod]
    #: Wire names placed in the query string even on POST (GET places every field there).
    QUERY_FIELDS: ClassVar[frozenset[str]] = frozenset()


# --- value types shared by requests and responses -------------------------------------------------


class Tag(WireModel):
    """A workflow or task tag ``{Key, Value}``."""

    key: str
    value: str | None = None


class TaskOutput(WireModel):
    """One output identifier ``{Output}`` (e.g. ``pre.odps_sql_demo_0``)."""

    output: str | None = None


class Variable(WireModel):
    """A task input/output variable ``{Name, Type, Value}``; Type: Constant|PassThrough|System|NodeOutput."""

    name: str | None = None
    type: str | None = None
    value: str | None = None


class RuntimeResource(WireModel):
    """Where a task runs: ``{ResourceGroupId, Cu, Image}``."""

    resource_group_id: str | None = None
    cu: str | None = None
    image: str | None = None


class DataSource(WireModel):
    """The data source a task uses, by name."""

    name: str | None = None


class Script(WireModel):
    """Scheduler task script: ``Content`` and ``Parameters`` (``"name=value name2=value2"``)."""

    content: str | None = None
    parameters: str | None = None


class Dependency(WireModel):
    """A scheduling dependency as UpdateWorkflow takes it and GetWorkflow returns it (integer task id)."""

    type: str
    upstream_output: str | None = None
    upstream_task_id: IdInt | None = None


class GetTaskDependency(WireModel):
    """A dependency as GetTask returns it: ``UpstreamTaskId`` is a *string* there (kept as one)."""

    type: str | None = None
    upstream_output: str | None = None
    upstream_task_id: IdStr | None = None


class TaskInputs(WireModel):
    """Task inputs ``{Variables[]}``."""

    variables: list[Variable] = Field(default_factory=list)


class TaskOutputs(WireModel):
    """Task outputs ``{TaskOutputs[], Variables[]}``."""

    task_outputs: list[TaskOutput] = Field(default_factory=list)
    variables: list[Variable] = Field(default_factory=list)


class WorkflowOutputs(WireModel):
    """Workflow outputs ``{TaskOutputs[]}``."""

    task_outputs: list[TaskOutput] = Field(default_factory=list)


class WorkflowTrigger(WireModel):
    """Workflow trigger. UpdateWorkflow takes Type/Cron/StartTime/EndTime; GetWorkflow adds Recurrence."""

    type: str | None = None
    cron: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    recurrence: str | None = None
