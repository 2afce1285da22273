"""Canonical ``WorkflowModel`` → a FULL ``UpdateWorkflow`` request (the write side of the scheduler adapter).

Pipeline position: ``reconcile.apply`` calls :func:`update_request_from_model` with the Git model
and what it read live, then sends the request with the client. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping

from controller.dataworks.adapters.vocabulary import default_outputs, format_parameters, rerun_mode_to_scheduler
from controller.dataworks.models import (
    DataSource,
    EnvType,
    Tag,
    Task,
    TaskInputs,
    TaskOutput,
    TaskOutputs,
    UpdateTaskTrigger,
    UpdateWorkflowRequest,
    UpdateWorkflowTask,
    Workflow,
    WorkflowOutputs,
    WorkflowTaskSummary,
    WorkflowTrigger,
)
from controller.dataworks.models import Dependency as WireDependency
from controller.dataworks.models import RuntimeResource as WireRuntimeResource
from controller.dataworks.models import Script as WireScript
from controller.dataworks.models import Variable as WireVariable
from controller.model import TaskModel, Variable, WorkflowModel

__all__ = ["update_request_from_model"]


def _wire_dependencies(
    task: TaskModel, model: WorkflowModel, live_task_ids: Mapping[str, int]
) -> list[WireDependency]:
    out: list[WireDependency] = []
    for dep in sorted(task.dependencies):
        kind, _, ref = dep.upstream.partition(":")
        if kind == "task":
            upstream = model.tasks.get(ref)
            # Any output the upstream declares links the edge; its live id pins it when it exists.
            output = min(upstream.outputs) if upstream and upstream.outputs else None
            out.append(WireDependency(type=dep.type, upstream_output=output, upstream_task_id=live_task_ids.get(ref)))
        else:
            out.append(WireDependency(type=dep.type, upstream_output=ref))
    return out


def _wire_variables(variables: Mapping[str, Variable]) -> list[WireVariable]:
    return [WireVariable(name=name, type=var.type, value=var.value) for name, var in variables.items()]


def _wire_tags(tags: Mapping[str, str]) -> list[Tag]:
    return [Tag(key=key, value=value) for key, value in tags.items()]


def _wire_task(
    name: str,
    task: TaskModel,
    model: WorkflowModel,
    live_task_ids: Mapping[str, int],
    live: Mapping[str, WorkflowTaskSummary],
    live_full: Mapping[str, Task],
    env_type: EnvType,
) -> UpdateWorkflowTask:
    summary = live.get(name)
    full = live_full.get(name)
    defaults = default_outputs(full.outputs.task_outputs if full and full.outputs else ())
    return UpdateWorkflowTask(
        id=live_task_ids.get(name),
        name=name,
        owner=task.owner or model.owner,
        type=task.type,
        description=task.description,
        rerun_mode=rerun_mode_to_scheduler(task.rerun_mode),
        rerun_times=task.rerun_times,
        rerun_interval=task.rerun_interval_seconds,
        timeout=task.timeout,
        runtime_resource=WireRuntimeResource(
            resource_group_id=task.runtime_resource.resource_group,
            cu=task.runtime_resource.cu or None,
            image=task.runtime_resource.image or None,
        ),
        trigger=UpdateTaskTrigger(recurrence=task.recurrence, type=task.trigger.type),
        data_source=DataSource(name=task.data_source) if task.data_source else None,
        script=WireScript(content=task.script.content, parameters=format_parameters(task.script.parameters)),
        dependencies=_wire_dependencies(task, model, live_task_ids),
        inputs=TaskInputs(variables=_wire_variables(task.input_variables)),
        outputs=TaskOutputs(
            task_outputs=[TaskOutput(output=o) for o in [*defaults, *sorted(task.outputs - set(defaults))]],
            variables=_wire_variables(task.output_variables),
        ),
        tags=_wire_tags(task.tags),
        env_type=env_type,
        # Server bookkeeping the model does not carry, echoed so a full update keeps it.
        base_line_id=summary.baseline_id if summary else None,
        client_unique_code=summary.client_unique_code if summary else None,
    )


def update_request_from_model(
    model: WorkflowModel,
    *,
    workflow_id: int,
    live_task_ids: Mapping[str, int],
    owner_tags: Mapping[str, str],
    env_type: EnvType = "Prod",
    live: Workflow | None = None,
    live_tasks: Mapping[int, Task] | None = None,
) -> UpdateWorkflowRequest:
    """A FULL ``UpdateWorkflow`` request that makes the scheduled workflow equal ``model``.

    UpdateWorkflow replaces what it is sent and drops what it is not, so every field is sent:
    each task of ``model`` — with its live id when ``live_task_ids`` (task name → id) has one,
    without an id (a create) otherwise; tasks absent from ``model`` are absent from the request.
    Dependencies, tags, inputs, outputs and script are always present (``[]`` when empty, which
    *is* the desired state); a dependency on a task of this workflow carries that task's live id
    and one of its outputs. ``owner_tags`` (the controller's ownership marks) are added to the
    workflow's tags. ``live`` — the ``GetWorkflow`` result, when the caller has it — supplies the
    server bookkeeping the model leaves out and a full update must echo: task ``BaseLineId`` and
    ``ClientUniqueCode``, the workflow's ``ClientUniqueCode`` and its workflow-level upstream
    ``Dependencies`` (not modelled: FlowSpec has no place for them, so they are kept, not wiped).
    ``live_tasks`` — the ``GetTask`` results by task id — supplies each task's default outputs
    (its id-shaped outputs, which the model leaves out), sent back so downstream dependencies on
    them survive; the workflow's own default outputs come from ``live``.
    """
    summaries = {t.name: t for t in (live.tasks if live else ()) if t.name}
    full_tasks = {t.name: t for t in (live_tasks or {}).values() if t.name}
    workflow_defaults = default_outputs(live.outputs.task_outputs if live and live.outputs else ())
    tags = {**model.tags, **owner_tags}
    return UpdateWorkflowRequest(
        id=workflow_id,
        name=model.name,
        owner=model.owner,
        description=model.description,
        env_type=env_type,
        client_unique_code=live.client_unique_code if live else None,
        trigger=WorkflowTrigger(
            type=model.trigger.type,
            cron=model.trigger.cron or None,
            start_time=model.trigger.start_time,
            end_time=model.trigger.end_time,
        ),
        instance_mode=model.strategy.instance_mode,
        parameters=format_parameters(model.parameters),
        tags=_wire_tags(tags),
        outputs=WorkflowOutputs(
            task_outputs=[
                TaskOutput(output=o) for o in [*workflow_defaults, *sorted(model.outputs - set(workflow_defaults))]
            ]
        ),
        dependencies=list(live.dependencies) if live else None,
        tasks=[
            _wire_task(name, task, model, live_task_ids, summaries, full_tasks, env_type)
            for name, task in sorted(model.tasks.items())
        ],
    )
