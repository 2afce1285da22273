"""FlowSpec document → canonical ``WorkflowModel``, for Git specs and live definitions alike.

Pipeline position: after ``spec.loader`` parsed (and ``spec.validate`` accepted) a Git file, and
after the reconciler parsed ``GetWorkflowDefinition.Spec`` with the same ``parse_flowspec``, this
module turns either document into the model ``reconcile.diff`` compares. One code path for both
sides is what makes "no false drift" hold: the server's rendering (ids, metadata, ``script.path``,
defaults written out) maps to the same model as the Git file it came from.

What happens here (contracts.md, "the mapping every side must agree on"):

* the first ``spec.workflows[]`` entry is the workflow; ``kind`` comes from the document;
* every documented server default is filled in where the document leaves a field out, so
  "unset in Git" and "the default the server wrote" are one value;
* ``rerunInterval`` milliseconds become seconds (the scheduler's unit);
* a dependency's ``nodeId`` may be a node's id or its name; ``depends[].output`` becomes
  ``task:<name>`` when a node of this workflow declares that output or has that id, else
  ``output:<string>``;
* ``{{reference}}`` strings of the node-level v1.1.0 shape are skipped: such files are refused by
  validation before they get here, and a live definition never contains them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from controller.errors import SpecError
from controller.model import (
    DEFAULT_END_TIME,
    DEFAULT_FAILURE_STRATEGY,
    DEFAULT_INSTANCE_MODE,
    DEFAULT_RECURRENCE,
    DEFAULT_RERUN_INTERVAL_SECONDS,
    DEFAULT_RERUN_MODE,
    DEFAULT_RERUN_TIMES,
    DEFAULT_START_TIME,
    DEFAULT_TIMEZONE,
    Dependency,
    FrozenMap,
    RuntimeResource,
    Script,
    Strategy,
    TaskModel,
    TaskTrigger,
    Trigger,
    Variable,
    WorkflowKind,
    WorkflowModel,
    is_default_output,
    normalise,
)
from controller.spec.flowspec import (
    FlowSpecDependency,
    FlowSpecDocument,
    FlowSpecNode,
    FlowSpecOutputs,
    FlowSpecRuntimeResource,
    FlowSpecScript,
    FlowSpecStrategy,
    FlowSpecTag,
    FlowSpecTrigger,
    FlowSpecVariable,
    FlowSpecWorkflow,
)

__all__ = ["default_trigger_type", "model_from_flowspec", "rerun_interval_seconds"]

_KINDS: Mapping[str, WorkflowKind] = {"CycleWorkflow": "CycleWorkflow", "ManualWorkflow": "ManualWorkflow"}


def default_trigger_type(kind: WorkflowKind) -> str:
    """``Scheduler`` for a CycleWorkflow, ``Manual`` for a ManualWorkflow (the server's default).

    >>> default_trigger_type("ManualWorkflow")
    'Manual'
    """
    return "Manual" if kind == "ManualWorkflow" else "Scheduler"


def rerun_interval_seconds(milliseconds: int | None) -> int:
    """FlowSpec's ``rerunInterval`` (ms) as the scheduler's seconds; absent → the 180 s default.

    The scheduler stores whole seconds, so a sub-second remainder cannot survive a deploy and is
    dropped here too.

    >>> rerun_interval_seconds(180000), rerun_interval_seconds(None), rerun_interval_seconds(90500)
    (180, 180, 90)
    """
    return DEFAULT_RERUN_INTERVAL_SECONDS if milliseconds is None else milliseconds // 1000


def _text(value: str | None, default: str = "") -> str:
    """``value`` unless it is absent or blank: an empty string means "not set" in DataWorks too."""
    return value if value is not None and value.strip() else default


def _number(value: int | None, default: int) -> int:
    return default if value is None else value


def _parameters(items: Iterable[FlowSpecVariable | str] | None) -> FrozenMap[str, str]:
    return FrozenMap(
        (p.name, p.value or "") for p in items or () if isinstance(p, FlowSpecVariable) and p.name is not None
    )


def _variables(items: Iterable[FlowSpecVariable] | None) -> FrozenMap[str, Variable]:
    return FrozenMap(
        (v.name, Variable(type=_text(v.type, "Constant"), value=v.value or "")) for v in items or () if v.name
    )


def _tags(items: Iterable[FlowSpecTag] | None) -> FrozenMap[str, str]:
    return FrozenMap((t.key, t.value or "") for t in items or () if t.key)


def _declared(outputs: FlowSpecOutputs | None) -> frozenset[str]:
    """Every output string declared, default ones included (what dependencies may name)."""
    return frozenset(o.data.strip() for o in (outputs.all_outputs() if outputs else ()) if o.data)


def _outputs(outputs: FlowSpecOutputs | None, own_id: str | None) -> frozenset[str]:
    """The outputs the model keeps: declared ones minus the default output (see ``is_default_output``)."""
    return frozenset(
        o.data
        for o in (outputs.all_outputs() if outputs else ())
        if o.data and not is_default_output(o.data, own_id)
    )


class _Resolver:
    """Names the task behind a node reference (id or name) or an upstream output string."""

    def __init__(self, nodes: Iterable[FlowSpecNode]) -> None:
        self.by_id: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.by_output: dict[str, str] = {}
        for node in nodes:
            if not node.name:
                continue
            self.by_name.setdefault(node.name.strip(), node.name)
            if node.id:
                self.by_id[node.id.strip()] = node.name
            for output in _declared(node.outputs):
                self.by_output.setdefault(output.strip(), node.name)

    def node(self, ref: str | None) -> str | None:
        """A ``nodeId`` in Git may be the node's id or its name; an id wins."""
        if not ref:
            return None
        return self.by_id.get(ref.strip()) or self.by_name.get(ref.strip())

    def upstream(self, output: str) -> str:
        """``task:<name>`` for a declared output or a node id of this workflow, else ``output:<output>``."""
        text = output.strip()
        name = self.by_output.get(text) or self.by_id.get(text)
        return f"task:{name}" if name is not None else f"output:{text}"


def _dependencies(edges: Iterable[FlowSpecDependency] | None, resolver: _Resolver) -> dict[str, set[Dependency]]:
    found: dict[str, set[Dependency]] = {}
    for edge in edges or ():
        name = resolver.node(edge.node_id)
        if name is None:
            continue  # validation reports unknown nodes; a model cannot hold an edge to nowhere
        for depend in edge.depends or ():
            if depend.output:
                upstream = resolver.upstream(depend.output)
            elif (upstream_name := resolver.node(depend.node_id)) is not None:
                upstream = f"task:{upstream_name}"
            else:
                continue
            found.setdefault(name, set()).add(Dependency(_text(depend.type, "Normal"), upstream))
    return found


def _task(node: FlowSpecNode, workflow: WorkflowModel, dependencies: set[Dependency]) -> TaskModel:
    script = node.script_object() or FlowSpecScript()
    trigger = node.trigger_object() or FlowSpecTrigger()
    resource = node.runtime_resource_object() or FlowSpecRuntimeResource()
    return TaskModel(
        type=_text(script.runtime.command if script.runtime else None),
        owner=_text(node.owner, workflow.owner),
        description=_text(node.description),
        script=Script(content=script.content or "", parameters=_parameters(script.parameters)),
        rerun_mode=_text(node.rerun_mode, DEFAULT_RERUN_MODE),
        rerun_times=_number(node.rerun_times, DEFAULT_RERUN_TIMES),
        rerun_interval_seconds=rerun_interval_seconds(node.rerun_interval),
        timeout=_number(node.timeout, 0),
        instance_mode=_text(node.instance_mode, DEFAULT_INSTANCE_MODE),
        recurrence=_text(node.recurrence, DEFAULT_RECURRENCE),
        trigger=TaskTrigger(
            type=_text(trigger.type, workflow.trigger.type),
            cron=_text(trigger.cron, workflow.trigger.cron),
        ),
        runtime_resource=RuntimeResource(
            resource_group=_text(resource.resource_group, _text(resource.resource_group_id)),
            cu=_text(resource.cu),
            image=_text(resource.image),
        ),
        data_source=_text(node.datasource.name if node.datasource else None),
        dependencies=frozenset(dependencies),
        input_variables=_variables(node.inputs.variables if node.inputs else None),
        outputs=_outputs(node.outputs, node.id),
        output_variables=_variables(node.outputs.variables if node.outputs else None),
        tags=_tags(node.tags),
    )


def _workflow_fields(wf: FlowSpecWorkflow, kind: WorkflowKind, owner: str) -> WorkflowModel:
    trigger = wf.trigger or FlowSpecTrigger()
    strategy = wf.strategy or FlowSpecStrategy()
    return WorkflowModel(
        name=_text(wf.name),
        kind=kind,
        owner=_text(wf.owner, owner),
        description=_text(wf.description),
        trigger=Trigger(
            type=_text(trigger.type, default_trigger_type(kind)),
            cron=_text(trigger.cron),
            start_time=_text(trigger.start_time, DEFAULT_START_TIME),
            end_time=_text(trigger.end_time, DEFAULT_END_TIME),
            timezone=_text(trigger.timezone, DEFAULT_TIMEZONE),
            delay_seconds=_number(trigger.delay_seconds, 0),
        ),
        strategy=Strategy(
            timeout=_number(strategy.timeout, 0),
            instance_mode=_text(strategy.instance_mode, DEFAULT_INSTANCE_MODE),
            rerun_mode=_text(strategy.rerun_mode, DEFAULT_RERUN_MODE),
            rerun_times=_number(strategy.rerun_times, DEFAULT_RERUN_TIMES),
            rerun_interval_seconds=rerun_interval_seconds(strategy.rerun_interval),
            failure_strategy=_text(strategy.failure_strategy, DEFAULT_FAILURE_STRATEGY),
        ),
        parameters=_parameters(wf.script.parameters if wf.script else None),
        tags=_tags(wf.tags),
        outputs=_outputs(wf.outputs, wf.id),
    )


def model_from_flowspec(doc: FlowSpecDocument, *, default_owner: str = "", file: str = "<flowspec>") -> WorkflowModel:
    """The canonical model of the (first) workflow in ``doc``, defaults filled, normalised.

    ``default_owner`` is the owner DataWorks gives a workflow whose spec names none — the calling
    account's uid. Git cannot know it, so the reconciler passes the live workflow's owner (or the
    account uid) and an absent owner never shows as drift. ``file`` only names the document in
    errors. Raises :class:`~controller.errors.SpecError` for a document with no workflow or a kind
    other than CycleWorkflow/ManualWorkflow (validation refuses those first).

    >>> from controller.spec.flowspec import parse_flowspec
    >>> doc = parse_flowspec({"version": "1.1.0", "kind": "CycleWorkflow", "spec": {"workflows": [{
    ...     "name": "wf", "owner": "1", "trigger": {"cron": "0 0 2 * * ?"},
    ...     "nodes": [{"name": "a", "script": {"runtime": {"command": "ODPS_SQL"}, "content": "select 1;"}},
    ...               {"name": "b", "rerunInterval": 60000, "script": {"runtime": {"command": "ODPS_SQL"}}}],
    ...     "dependencies": [{"nodeId": "b", "depends": [{"type": "Normal", "output": "a"}]}]}]}}, file="wf.json")
    >>> m = model_from_flowspec(doc)
    >>> m.trigger.cron, m.tasks["b"].trigger.cron, m.tasks["b"].rerun_interval_seconds, m.tasks["a"].owner
    ('00 00 02 * * ?', '00 00 02 * * ?', 60, '1')
    >>> sorted(m.tasks["b"].dependencies)
    [Dependency(type='Normal', upstream='output:a')]
    """
    kind = _KINDS.get(doc.kind)
    if kind is None:
        raise SpecError(
            f"kind {doc.kind!r} is not a syncable workflow",
            file=file,
            path="$.kind",
            hint="use CycleWorkflow or ManualWorkflow",
        )
    if not doc.workflows:
        raise SpecError(
            "the document has no workflow",
            file=file,
            path="$.spec.workflows",
            hint="put exactly one workflow under spec.workflows",
        )
    wf = doc.workflows[0]
    workflow = _workflow_fields(wf, kind, default_owner)
    nodes = [n for n in wf.nodes or () if n.name]
    edges = _dependencies(wf.dependencies, _Resolver(nodes))
    tasks = FrozenMap((n.name, _task(n, workflow, edges.get(n.name, set()))) for n in nodes if n.name)
    return normalise(dataclasses.replace(workflow, tasks=tasks))
