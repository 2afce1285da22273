"""FlowSpec documents as typed pydantic models — the first step after a file is read.

Pipeline position: ``loader`` reads a file (safe YAML/JSON), fills ``${VAR}`` placeholders and
inlines script files, then calls :func:`parse_flowspec` here; ``validate`` checks the typed
document; ``to_model`` maps it into the canonical ``WorkflowModel``. The live side parses
``GetWorkflowDefinition.Spec`` with the same classes, so Git and DataWorks share one parser.

Design rules (why the models look the way they do):

* **Every real shape parses.** The workflow-level shape we sync (``spec.workflows[]`` with
  ``nodes`` and ``dependencies``, see the ImportWorkflowDefinition seed) and the v1.1.0 node-level
  shape (``spec.nodes`` + ``spec.flow``, with ``{{ref}}`` strings in place of objects) both load.
  Whether a document is *syncable* is decided by ``controller.spec.validate``, not by parsing.
* **Unknown fields are kept.** Every model has ``extra="allow"``;
  ``doc.model_dump(by_alias=True, exclude_unset=True)`` gives back the input, key for key, so a
  field DataWorks adds tomorrow survives a round trip through the controller.
* **Lenient where DataWorks is.** Ids are strings even when the server (or a YAML author) wrote a
  JSON number (19-digit ids exceed 2^53, so they must never become floats); counters and durations
  are ints even when written ``"3"``; a YAML timestamp becomes ``"YYYY-MM-DD HH:MM:SS"``. The only
  values that change on a round trip are these coercions.
* **Enums stay strings.** ``recurrence``, ``rerunMode``, ``trigger.type``… are ``str`` here and
  checked with readable messages by ``validate``: a new value from DataWorks must not make a live
  definition unparseable.
* Python attributes are snake_case; the wire names (camelCase) are their aliases. Construct with
  either name; always dump with ``by_alias=True``.

:func:`parse_flowspec` never raises anything but :class:`~controller.errors.SpecError` (a
:class:`FlowSpecParseError` carrying every problem found), each naming the file and JSON path.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Tag,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from controller.errors import SpecError

__all__ = [
    "FlowSpecDatasource",
    "FlowSpecDepend",
    "FlowSpecDependency",
    "FlowSpecDocument",
    "FlowSpecId",
    "FlowSpecInputs",
    "FlowSpecInt",
    "FlowSpecMetadata",
    "FlowSpecNode",
    "FlowSpecNodeOutput",
    "FlowSpecOutputs",
    "FlowSpecParameter",
    "FlowSpecParseError",
    "FlowSpecRuntime",
    "FlowSpecRuntimeResource",
    "FlowSpecScript",
    "FlowSpecSpec",
    "FlowSpecStrategy",
    "FlowSpecTag",
    "FlowSpecText",
    "FlowSpecTrigger",
    "FlowSpecVariable",
    "FlowSpecWorkflow",
    "json_path",
    "parse_flowspec",
]


# --- lenient scalars ---------------------------------------------------------------------------


def _as_id(value: Any) -> Any:
    # bool is an int subclass; True is never an id.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, _dt.datetime):
        # A YAML loader that resolves timestamps gives datetimes; DataWorks writes this format.
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _as_int(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got a boolean")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


#: An identifier: a string, or a JSON/YAML integer turned into its decimal string.
FlowSpecId = Annotated[str, BeforeValidator(_as_id)]
#: Free text: strings as they are; numbers, booleans and YAML timestamps turned into strings.
FlowSpecText = Annotated[str, BeforeValidator(_as_text)]
#: A whole number: ints, integral floats (``3.0``) and digit strings (``"3"``); never a boolean.
FlowSpecInt = Annotated[int, BeforeValidator(_as_int)]


class _Model(BaseModel):
    """Base of every FlowSpec model: unknown fields kept, camelCase wire names, no coercion surprises."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        populate_by_name=True,
        # Values are checked on construction only; models are treated as read-only after parsing.
        validate_assignment=False,
        arbitrary_types_allowed=False,
    )


def _object_or_reference(value: Any) -> str | None:
    """Tell a nested object from a v1.1.0 ``"{{scripts.x}}"`` reference string."""
    if isinstance(value, str):
        return "<reference>"
    if isinstance(value, Mapping | BaseModel):
        return "<object>"
    return None


#: ``X | str`` where a string is a ``{{...}}`` reference (node-level v1.1.0 shape only): the
#: discriminator picks the member, so errors name one path instead of one per union member.
_OBJECT_OR_REFERENCE = Discriminator(
    _object_or_reference,
    custom_error_type="object_or_reference",
    custom_error_message='expected an object or, in a v1.1.0 node-level spec, a "{{reference}}" string',
)
_Ref = Annotated[str, Tag("<reference>")]


# --- leaves ------------------------------------------------------------------------------------


class FlowSpecRuntime(_Model):
    """``script.runtime``: what executes the script."""

    #: Node type, e.g. ``ODPS_SQL``, ``DIDE_SHELL``, ``PYODPS3``; ``WORKFLOW`` on a workflow's own script.
    command: FlowSpecText | None = None
    #: Engine family, e.g. ``MaxCompute``, ``General``, ``DataIntegration`` (informational).
    engine: FlowSpecText | None = None


class FlowSpecVariable(_Model):
    """A variable or parameter: ``script.parameters[]``, ``inputs.variables[]``, ``outputs.variables[]``.

    ``value`` is kept verbatim: DataWorks scheduling expressions such as ``$bizdate``,
    ``$[yyyymmdd-1]`` or ``${yyyymmdd}`` are resolved by DataWorks at run time, never here.
    """

    #: Server-side id of the variable (optional).
    id: FlowSpecId | None = None
    #: Parameter name as used in the script (``${name}`` inside SQL). May look numeric (``"1"``).
    name: FlowSpecText | None = None
    #: The value or scheduling expression.
    value: FlowSpecText | None = None
    #: ``System`` | ``Constant`` | ``NodeOutput`` | ``PassThrough`` (DataWorks' vocabulary).
    type: FlowSpecText | None = None
    #: ``NodeParameter`` | ``NodeContext`` | ``Workflow`` | ``Workspace``.
    scope: FlowSpecText | None = None
    #: Usually ``Variable``.
    artifact_type: FlowSpecText | None = None


#: Script parameters share the variable shape.
FlowSpecParameter = FlowSpecVariable
#: A variable object or a ``"{{variables.x}}"`` reference string.
VariableOrRef = Annotated[Annotated[FlowSpecVariable, Tag("<object>")] | _Ref, _OBJECT_OR_REFERENCE]


class FlowSpecScript(_Model):
    """``script``: the code a node runs, or a workflow's own DataStudio entry (``command: WORKFLOW``)."""

    #: Server-side script id (optional).
    id: FlowSpecId | None = None
    #: DataStudio path, e.g. ``team/sales/daily_sales`` (for a workflow, its identity when it has no id).
    path: FlowSpecText | None = None
    #: Script language, e.g. ``odps-sql``, ``python3``, ``shell`` (informational).
    language: FlowSpecText | None = None
    #: What runs the script (``runtime.command`` is the node type).
    runtime: FlowSpecRuntime | None = None
    #: Script body as sent to DataWorks. After loading a Git file this always holds the text of
    #: ``contentFile`` when that was used.
    content: FlowSpecText | None = None
    #: dataworks-gitops extension, Git only: a path (relative to the spec file) of a file whose text
    #: becomes ``content``. The loader inlines it and removes this key, so DataWorks never sees it.
    content_file: FlowSpecText | None = None
    #: Script parameters; in the v1.1.0 templated shape these can be ``"{{variables.x}}"`` strings.
    parameters: list[VariableOrRef] | None = None


#: A script object or a ``"{{scripts.x}}"`` reference string.
ScriptOrRef = Annotated[Annotated[FlowSpecScript, Tag("<object>")] | _Ref, _OBJECT_OR_REFERENCE]


class FlowSpecTrigger(_Model):
    """``trigger``: when a workflow or node runs."""

    #: Server-side trigger id (optional).
    id: FlowSpecId | None = None
    #: ``Scheduler`` (periodic) | ``Manual``.
    type: FlowSpecText | None = None
    #: DataWorks 6-field cron, ``ss mm HH dd MM ?`` (e.g. ``00 30 02 * * ?``).
    cron: FlowSpecText | None = None
    #: Effective from, ``YYYY-MM-DD HH:MM:SS`` (default ``1970-01-01 00:00:00``).
    start_time: FlowSpecText | None = None
    #: Effective until, ``YYYY-MM-DD HH:MM:SS`` (default ``9999-01-01 00:00:00``).
    end_time: FlowSpecText | None = None
    #: IANA time zone of the cron (default ``Asia/Shanghai``).
    timezone: FlowSpecText | None = None
    #: Delay after the scheduled time, seconds (default 0).
    delay_seconds: FlowSpecInt | None = None


class FlowSpecStrategy(_Model):
    """``strategy``: a workflow's run policy (nodes carry the same fields flat on the node)."""

    #: Timeout in hours; 0 means none.
    timeout: FlowSpecInt | None = None
    #: ``T+1`` (next day) | ``Immediately``.
    instance_mode: FlowSpecText | None = None
    #: ``Allowed`` | ``Denied`` | ``FailureAllowed``.
    rerun_mode: FlowSpecText | None = None
    #: Automatic reruns on failure.
    rerun_times: FlowSpecInt | None = None
    #: Milliseconds between reruns (the scheduler shows seconds).
    rerun_interval: FlowSpecInt | None = None
    #: ``Break`` | ``Continue`` (what the workflow does when a node fails).
    failure_strategy: FlowSpecText | None = None


class FlowSpecRuntimeResource(_Model):
    """``runtimeResource``: the resource group a node runs on."""

    #: Server-side id of this binding (optional).
    id: FlowSpecId | None = None
    #: Resource group identifier (e.g. ``S_res_group_xxx``); the scheduler's ``ResourceGroupId``.
    resource_group: FlowSpecText | None = None
    #: Numeric resource group id, used when ``resourceGroup`` is absent.
    resource_group_id: FlowSpecId | None = None
    #: Compute units, a decimal string such as ``"0.25"``.
    cu: FlowSpecText | None = None
    #: Image id for image-based nodes.
    image: FlowSpecText | None = None


#: A trigger object or a ``"{{triggers.x}}"`` reference string.
TriggerOrRef = Annotated[Annotated[FlowSpecTrigger, Tag("<object>")] | _Ref, _OBJECT_OR_REFERENCE]
#: A runtime resource object or a ``"{{runtimeResources.x}}"`` reference string.
RuntimeResourceOrRef = Annotated[Annotated[FlowSpecRuntimeResource, Tag("<object>")] | _Ref, _OBJECT_OR_REFERENCE]


class FlowSpecDatasource(_Model):
    """``datasource``: the data source a node connects to."""

    #: Data source name, e.g. ``odps_first``.
    name: FlowSpecText | None = None
    #: Data source type, e.g. ``odps``, ``mysql``.
    type: FlowSpecText | None = None


class FlowSpecNodeOutput(_Model):
    """An output string (``outputs.nodeOutputs[]`` / ``outputs.outputs[]`` / ``inputs.nodeOutputs[]``).

    Other nodes depend on ``data``; by DataWorks convention a node's default output is its id or
    ``<project>.<name>_out``.
    """

    #: The output identifier other nodes depend on.
    data: FlowSpecId | None = None
    #: ``NodeOutput`` (workflow-level shape) or ``Output`` (node-level exports).
    artifact_type: FlowSpecText | None = None
    #: Table name shown for the output (informational).
    ref_table_name: FlowSpecText | None = None
    #: Whether this is the node's auto-generated default output.
    is_default: bool | None = None


class FlowSpecInputs(_Model):
    """``inputs``: what a node or workflow consumes."""

    #: Upstream outputs this node reads.
    node_outputs: list[FlowSpecNodeOutput] | None = None
    #: Context variables fed from upstream nodes (``Task.Inputs.Variables``).
    variables: list[FlowSpecVariable] | None = None


class FlowSpecOutputs(_Model):
    """``outputs``: what a node or workflow produces."""

    #: Output strings (workflow-level shape; ``Task.Outputs.TaskOutputs``).
    node_outputs: list[FlowSpecNodeOutput] | None = None
    #: Output strings as node-level exports spell them (same shape as ``nodeOutputs``).
    outputs: list[FlowSpecNodeOutput] | None = None
    #: Context variables this node publishes (``Task.Outputs.Variables``).
    variables: list[FlowSpecVariable] | None = None

    def all_outputs(self) -> list[FlowSpecNodeOutput]:
        """``nodeOutputs`` followed by ``outputs``: every output string declared here."""
        return [*(self.node_outputs or []), *(self.outputs or [])]


class FlowSpecTag(_Model):
    """A tag ``{key, value}``; keys starting ``dataworks-gitops`` are reserved for the controller."""

    #: Tag key.
    key: FlowSpecText | None = None
    #: Tag value.
    value: FlowSpecText | None = None


class FlowSpecDepend(_Model):
    """One upstream of a dependency: ``dependencies[].depends[]`` (``flow[].depends[]`` node-level)."""

    #: ``Normal`` | ``CrossCycleDependsOnChildren`` | ``CrossCycleDependsOnSelf`` |
    #: ``CrossCycleDependsOnOtherNode``.
    type: FlowSpecText | None = None
    #: Upstream output string: a node id, a declared output ``data``, or another workflow's output.
    output: FlowSpecId | None = None
    #: Upstream table name (informational).
    ref_table_name: FlowSpecText | None = None
    #: Node-level v1.1.0 shape only: ``"{{node_id}}"`` reference to an upstream node.
    node_id: FlowSpecId | None = None


class FlowSpecDependency(_Model):
    """``dependencies[]`` (workflow shape) / ``flow[]`` (node-level shape): the upstreams of one node."""

    #: The downstream node. In Git this may be the node's id OR its name.
    node_id: FlowSpecId | None = None
    #: Its upstreams.
    depends: list[FlowSpecDepend] | None = None


class FlowSpecMetadata(_Model):
    """Top-level (or node) ``metadata``; the server adds ``tenantId``/``projectId``/``uuid`` here."""

    #: Owner account id (numbers accepted).
    owner: FlowSpecText | None = None
    #: Free text.
    description: FlowSpecText | None = None


# --- nodes and workflows -----------------------------------------------------------------------


class FlowSpecNode(_Model):
    """A node (DataWorks task) of a workflow: ``spec.workflows[].nodes[]``, or ``spec.nodes[]`` node-level.

    In the workflow shape ``script``, ``trigger`` and ``runtimeResource`` are objects; the v1.1.0
    node-level shape may use ``"{{...}}"`` reference strings instead, which parse (as ``str``) but
    are refused by validation in a syncable file — after validation, code may rely on objects
    (see :meth:`script_object`).
    """

    #: Server-side node id (19-digit string); optional in Git.
    id: FlowSpecId | None = None
    #: Node name, unique within the workflow (tasks are matched by name).
    name: FlowSpecText | None = None
    #: Owner account id; default: the workflow's owner.
    owner: FlowSpecText | None = None
    #: Free text.
    description: FlowSpecText | None = None
    #: ``Normal`` | ``Skip`` | ``Pause`` (default ``Normal``).
    recurrence: FlowSpecText | None = None
    #: Timeout in hours; 0 means none.
    timeout: FlowSpecInt | None = None
    #: ``T+1`` | ``Immediately``.
    instance_mode: FlowSpecText | None = None
    #: ``Allowed`` | ``Denied`` | ``FailureAllowed``.
    rerun_mode: FlowSpecText | None = None
    #: Automatic reruns on failure (default 3).
    rerun_times: FlowSpecInt | None = None
    #: Milliseconds between reruns (default 180000).
    rerun_interval: FlowSpecInt | None = None
    #: The code and its runtime (``script.runtime.command`` is the node type).
    script: ScriptOrRef | None = None
    #: When it runs; default: the workflow's trigger type and cron.
    trigger: TriggerOrRef | None = None
    #: Resource group.
    runtime_resource: RuntimeResourceOrRef | None = None
    #: Data source.
    datasource: FlowSpecDatasource | None = None
    #: Inputs (upstream outputs, context variables).
    inputs: FlowSpecInputs | None = None
    #: Outputs (output strings, context variables).
    outputs: FlowSpecOutputs | None = None
    #: Tags.
    tags: list[FlowSpecTag] | None = None
    #: Server metadata (tenant/project ids, container); kept verbatim.
    metadata: dict[str, Any] | None = None

    def script_object(self) -> FlowSpecScript | None:
        """``script`` when it is an object (always, in a validated workflow-level file)."""
        return self.script if isinstance(self.script, FlowSpecScript) else None

    def trigger_object(self) -> FlowSpecTrigger | None:
        """``trigger`` when it is an object."""
        return self.trigger if isinstance(self.trigger, FlowSpecTrigger) else None

    def runtime_resource_object(self) -> FlowSpecRuntimeResource | None:
        """``runtimeResource`` when it is an object."""
        return self.runtime_resource if isinstance(self.runtime_resource, FlowSpecRuntimeResource) else None


class FlowSpecWorkflow(_Model):
    """One workflow: ``spec.workflows[i]`` — the unit dataworks-gitops syncs (one per file)."""

    #: Server-side workflow definition id (19-digit string). Identity of the workflow when present.
    id: FlowSpecId | None = None
    #: Workflow name (required).
    name: FlowSpecText | None = None
    #: Owner account id; default: the calling account.
    owner: FlowSpecText | None = None
    #: Free text.
    description: FlowSpecText | None = None
    #: The workflow's own entry: ``path`` (DataStudio path, identity when there is no id),
    #: ``runtime.command: WORKFLOW`` and workflow ``parameters``.
    script: FlowSpecScript | None = None
    #: Schedule (``Scheduler`` for CycleWorkflow, ``Manual`` for ManualWorkflow).
    trigger: FlowSpecTrigger | None = None
    #: Run policy.
    strategy: FlowSpecStrategy | None = None
    #: Workflow inputs.
    inputs: FlowSpecInputs | None = None
    #: Workflow outputs (``nodeOutputs[].data`` other workflows may depend on).
    outputs: FlowSpecOutputs | None = None
    #: Tags.
    tags: list[FlowSpecTag] | None = None
    #: The nodes (tasks).
    nodes: list[FlowSpecNode] | None = None
    #: Edges: for each downstream node, its upstreams.
    dependencies: list[FlowSpecDependency] | None = None


class FlowSpecSpec(_Model):
    """The ``spec`` body: ``workflows`` (the shape we sync) or ``nodes`` + ``flow`` (node-level v1.1.0).

    Everything else a v1.1.0 document declares (``variables``, ``scripts``, ``triggers``,
    ``artifacts``, ``runtimeResources``, ``fileResources``, ``functions``, ``datasources``…) is kept
    verbatim as extra fields.
    """

    #: Id of the exported object (server-assigned, optional).
    id: FlowSpecId | None = None
    #: Name of the exported object.
    name: FlowSpecText | None = None
    #: ``CycleWorkflow`` | ``ManualWorkflow``… (mirrors ``kind`` in server exports).
    type: FlowSpecText | None = None
    #: Owner account id.
    owner: FlowSpecText | None = None
    #: Workflow-level shape: exactly one workflow in a syncable file.
    workflows: list[FlowSpecWorkflow] | None = None
    #: Node-level shape: nodes (not syncable by itself).
    nodes: list[FlowSpecNode] | None = None
    #: Node-level shape: edges.
    flow: list[FlowSpecDependency] | None = None


class FlowSpecDocument(_Model):
    """A whole FlowSpec file: ``{version, kind, metadata?, spec}``."""

    #: Format version, e.g. ``1.1.0`` (a YAML ``1.1`` number is accepted as the string ``"1.1"``).
    version: FlowSpecText
    #: ``CycleWorkflow`` | ``ManualWorkflow`` are syncable; other kinds (``Node``, ``DataSource``…) parse.
    kind: FlowSpecText
    #: Optional metadata (owner, description; server-added ``tenantId``/``projectId``/``uuid``).
    metadata: FlowSpecMetadata | None = None
    #: The body.
    spec: FlowSpecSpec

    @property
    def workflows(self) -> list[FlowSpecWorkflow]:
        """``spec.workflows`` or an empty list."""
        return self.spec.workflows or []


# --- parsing -----------------------------------------------------------------------------------


class FlowSpecParseError(SpecError):
    """The document does not fit the FlowSpec models; ``problems`` holds one SpecError per finding.

    ``str()`` of the error itself is the first problem (plus a count of the others).
    """

    def __init__(self, problems: list[SpecError]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first.message + more, file=first.file, path=first.path, line=first.line, hint=first.hint)
        self.problems: tuple[SpecError, ...] = tuple(problems)


def json_path(parts: tuple[int | str, ...] | list[int | str]) -> str:
    """``("spec", "workflows", 0, "name")`` → ``$.spec.workflows[0].name`` (odd keys quoted)."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.replace("_", "a").isalnum() and not part[:1].isdigit():
            out.append(f".{part}")
        else:
            out.append("[" + repr(part) + "]")
    return "".join(out)


_MESSAGES = {
    "missing": "required field is missing",
    "model_type": "expected an object",
    "dict_type": "expected an object",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}

_HINTS = {
    "missing": "add the field",
    "model_type": "write an object: {key: value}",
    "dict_type": "write an object: {key: value}",
    "list_type": "write a list: [a, b], or YAML lines starting '- '",
    "string_type": "write text; quote it in YAML",
    "int_type": "write a whole number, e.g. 3",
    "int_parsing": "write a whole number, e.g. 3",
    "int_from_float": "write a whole number, e.g. 3",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "object_or_reference": "write the object inline",
}

_MAX_PROBLEMS = 20


def _problem_from(err: Mapping[str, Any], file: str) -> SpecError:
    # Union members appear in the location as "<object>"/"<reference>"; they are not JSON keys.
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("<")))
    kind = str(err.get("type", ""))
    message = _MESSAGES.get(kind, str(err.get("msg", "invalid value")))
    if kind.startswith("value_error") or kind == "object_or_reference":
        message = str(err.get("msg", message)).removeprefix("Value error, ")
    got = err.get("input")
    if kind == "missing" or kind.startswith("value_error"):
        pass  # the message already says what was wrong
    elif isinstance(got, str):
        message += f", got {got[:40]!r}"
    elif isinstance(got, int | float | bool) or got is None:
        message += f", got {got!r}"
    elif isinstance(got, list):
        message += ", got a list"
    elif isinstance(got, Mapping):
        message += ", got an object"
    hint = _HINTS.get(kind, "write a whole number, e.g. 3" if "number" in message else "check this field's value")
    if loc in (("version",), ("kind",), ("spec",)):
        hint = "a FlowSpec file has top-level keys version, kind and spec"
    return SpecError(message, file=file, path=json_path(loc), hint=hint)


def parse_flowspec(data: Mapping[str, Any], *, file: str) -> FlowSpecDocument:
    """Parse an already-loaded FlowSpec mapping into a :class:`FlowSpecDocument`.

    ``file`` is only used in error messages (relative to the repository root by convention).
    Raises :class:`FlowSpecParseError` (a SpecError) listing up to 20 problems with JSON paths;
    never any other exception.
    """
    if not isinstance(data, Mapping):
        raise FlowSpecParseError(
            [
                SpecError(
                    f"expected a FlowSpec object at the top level, got {type(data).__name__}",
                    file=file,
                    hint="a FlowSpec file has top-level keys version, kind and spec",
                )
            ]
        )
    try:
        return FlowSpecDocument.model_validate(data)
    except ValidationError as exc:
        problems = [_problem_from(e, file) for e in exc.errors(include_url=False)[:_MAX_PROBLEMS]]
        raise FlowSpecParseError(problems) from None
    except RecursionError:
        raise FlowSpecParseError(
            [SpecError("document is nested too deeply", file=file, hint="FlowSpec needs only a few levels")]
        ) from None
    except Exception as exc:  # pydantic wraps validator errors; anything else is a bug we still report
        raise FlowSpecParseError(
            [SpecError(f"cannot parse FlowSpec: {type(exc).__name__}: {exc}", file=file)]
        ) from None
