"""GetWorkflow + GetTask → canonical ``WorkflowModel`` (the read side of the scheduler adapter).

Pipeline position: ``reconcile.live`` reads a deployed workflow and every task, then calls
:func:`model_from_scheduled`; ``reconcile.diff`` compares the result with the Git model. Pure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from controller.dataworks.adapters.vocabulary import named_outputs, parse_parameters, rerun_mode_from_scheduler
from controller.dataworks.models import Dependency as WireDependency
from controller.dataworks.models import (
    GetTaskDependency,
    Tag,
    Task,
    Workflow,
    WorkflowTaskSummary,
    WorkflowTrigger,
)
from controller.dataworks.models import RuntimeResource as WireRuntimeResource
from controller.dataworks.models import Variable as WireVariable
from controller.model import (
    DEFAULT_END_TIME,
    DEFAULT_INSTANCE_MODE,
    DEFAULT_RECURRENCE,
    DEFAULT_RERUN_INTERVAL_SECONDS,
    DEFAULT_RERUN_TIMES,
    DEFAULT_START_TIME,
    Dependency,
    FrozenMap,
    RuntimeResource,
    Script,
    TaskModel,
    TaskTrigger,
    Trigger,
    Variable,
    WorkflowKind,
    WorkflowModel,
    normalise,
)

__all__ = ["model_from_scheduled"]


def _text(value: str | None, default: str = "") -> str:
    return value if value is not None and value.strip() else default


def _tags(tags: Iterable[Tag]) -> FrozenMap[str, str]:
    return FrozenMap((t.key, t.value or "") for t in tags)


def _variables(variables: Iterable[WireVariable]) -> FrozenMap[str, Variable]:
    return FrozenMap(
        (v.name, Variable(type=_text(v.type, "Constant"), value=v.value or "")) for v in variables if v.name
    )


def _task_id(dep: GetTaskDependency | WireDependency) -> int | None:
    raw = dep.upstream_task_id
    try:
        return int(str(raw).strip()) if raw is not None and str(raw).strip() else None
    except ValueError:
        return None


class _Upstreams:
    """Resolves a scheduler dependency to ``task:<name>`` (same workflow) or ``output:<string>``."""

    def __init__(self, names: Mapping[int, str], tasks: Iterable[tuple[str, Task]]) -> None:
        self.names = names
        self.by_output: dict[str, str] = {}
        for name, task in tasks:
            for out in task.outputs.task_outputs if task.outputs else ():
                if out.output:
                    self.by_output.setdefault(out.output.strip(), name)

    def resolve(self, dep: GetTaskDependency | WireDependency) -> str:
        task_id = _task_id(dep)
        if task_id is not None and task_id in self.names:
            return f"task:{self.names[task_id]}"
        output = (dep.upstream_output or "").strip()
        if output in self.by_output:
            return f"task:{self.by_output[output]}"
        return f"output:{output or task_id or ''}"


def _task(summary: WorkflowTaskSummary, task: Task, workflow: WorkflowModel, upstreams: _Upstreams) -> TaskModel:
    trigger = task.trigger
    resource = task.runtime_resource or summary.runtime_resource or WireRuntimeResource()
    data_source = task.data_source or summary.data_source
    rerun_interval = task.rerun_interval if task.rerun_interval is not None else summary.rerun_interval
    rerun_times = task.rerun_times if task.rerun_times is not None else summary.rerun_times
    timeout = task.timeout if task.timeout is not None else summary.timeout
    return TaskModel(
        type=_text(task.type, _text(summary.type)),
        owner=_text(task.owner, _text(summary.owner, workflow.owner)),
        description=_text(task.description, _text(summary.description)),
        script=Script(
            content=(task.script.content or "") if task.script else "",
            parameters=parse_parameters(task.script.parameters if task.script else None),
        ),
        rerun_mode=rerun_mode_from_scheduler(task.rerun_mode or summary.rerun_mode),
        rerun_times=DEFAULT_RERUN_TIMES if rerun_times is None else rerun_times,
        rerun_interval_seconds=DEFAULT_RERUN_INTERVAL_SECONDS if rerun_interval is None else rerun_interval,
        timeout=timeout or 0,
        instance_mode=_text(task.instance_mode, DEFAULT_INSTANCE_MODE),
        recurrence=_text(
            trigger.recurrence if trigger else None, _text(summary.trigger_recurrence, DEFAULT_RECURRENCE)
        ),
        trigger=TaskTrigger(
            type=_text(trigger.type if trigger else None, workflow.trigger.type),
            cron=_text(trigger.cron if trigger else None, workflow.trigger.cron),
        ),
        runtime_resource=RuntimeResource(
            resource_group=_text(resource.resource_group_id), cu=_text(resource.cu), image=_text(resource.image)
        ),
        data_source=_text(data_source.name if data_source else None),
        dependencies=frozenset(Dependency(_text(d.type, "Normal"), upstreams.resolve(d)) for d in task.dependencies),
        input_variables=_variables(task.inputs.variables if task.inputs else ()),
        outputs=named_outputs(task.outputs.task_outputs if task.outputs else ()),
        output_variables=_variables(task.outputs.variables if task.outputs else ()),
        tags=_tags(task.tags),
    )


def model_from_scheduled(workflow: Workflow, tasks: Mapping[int, Task], kind: WorkflowKind) -> WorkflowModel:
    """The canonical model of a scheduled workflow: ``GetWorkflow`` plus ``GetTask`` of each task.

    ``tasks`` maps task id → the ``GetTask`` task; every task GetWorkflow lists must be there
    (the summary lacks script, dependencies, inputs, outputs and tags, so a model built without
    them would show drift that is not there) — a missing one raises ``ValueError`` naming it.
    ``kind`` comes from the definition (the scheduler does not say). Fields the scheduler cannot
    show get the documented defaults; ignore :data:`SCHEDULER_UNOBSERVED` when diffing.
    """
    missing = [f"{t.name} (id {t.id})" for t in workflow.tasks if t.id not in tasks]
    if missing:
        raise ValueError(
            f"workflow {workflow.name!r} (id {workflow.id}): no GetTask result for task(s) {', '.join(missing)}; "
            "read every task with GetTask before building the model"
        )
    trigger = workflow.trigger or WorkflowTrigger()
    base = WorkflowModel(
        name=_text(workflow.name),
        kind=kind,
        owner=_text(workflow.owner),
        description=_text(workflow.description),
        trigger=Trigger(
            type=_text(trigger.type, "Manual" if kind == "ManualWorkflow" else "Scheduler"),
            cron=_text(trigger.cron),
            start_time=_text(trigger.start_time, DEFAULT_START_TIME),
            end_time=_text(trigger.end_time, DEFAULT_END_TIME),
        ),
        parameters=parse_parameters(workflow.parameters),
        tags=_tags(workflow.tags),
        outputs=named_outputs(workflow.outputs.task_outputs if workflow.outputs else ()),
    )
    named = [(summary, tasks[summary.id]) for summary in workflow.tasks]
    names = {summary.id: _text(task.name, _text(summary.name)) for summary, task in named}
    upstreams = _Upstreams(names, ((names[s.id], t) for s, t in named))
    model_tasks = FrozenMap((names[s.id], _task(s, t, base, upstreams)) for s, t in named)
    return normalise(dataclasses.replace(base, tasks=model_tasks))
