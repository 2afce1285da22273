"""Canonical ``WorkflowModel`` → a FULL ``UpdateWorkflow`` request (the write side of the scheduler adapter).

Pipeline position: ``reconcile.apply`` calls :func:`update_request_from_model` with the Git model
and what it read live, then sends the request with the client. Pure.

What Git leaves unset and DataWorks assigned is sent back as it is live, because a full update
cannot leave a required field out: the owner (DataWorks makes the caller the owner) and each
task's ``RuntimeResource.ResourceGroupId`` (DataWorks runs a node without ``runtimeResource`` on
the workspace's default resource group, yet UpdateWorkflow refuses a task without one — HTTP 400
``MissingParameter``). :func:`~controller.dataworks.adapters.assigned.with_server_assigned` is the
same rule on the diff side.
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
from controller.errors import GitOpsError
from controller.model import TaskModel, Variable, WorkflowModel, with_default_owner

__all__ = ["ResourceGroupRequired", "update_request_from_model"]


class ResourceGroupRequired(GitOpsError):
    """A task would reach UpdateWorkflow without the resource group it requires, and none can be kept.

    Raised before anything is sent: the request would only come back as HTTP 400
    ``MissingParameter Tasks[i].RuntimeResource.ResourceGroupId``. ``tasks`` names the tasks.
    """

    def __init__(self, workflow: str, tasks: list[str], *, others: list[str]) -> None:
        names = ", ".join(repr(t) for t in tasks)
        task, node, has = ("task", "node", "has") if len(tasks) == 1 else ("tasks", "nodes", "have")
        message = (
            f"workflow {workflow!r}: {task} {names} {has} no resource group to send: Git sets none, DataWorks "
            "has none to keep, and UpdateWorkflow requires Tasks[].RuntimeResource.ResourceGroupId"
        )
        if others:
            message += (
                f"; the other tasks Git leaves unset run on different groups ({', '.join(others)}), "
                "so none of them is taken"
            )
        super().__init__(
            message,
            hint=(
                'set "runtimeResource": {"resourceGroup": "<resource group identifier, e.g. S_res_group_xxx>"} '
                f"on {node} {names} in the spec, or sync this source with apply: import, where DataWorks "
                "assigns the workspace default resource group"
            ),
        )
        self.workflow = workflow
        self.tasks = tasks


def _live_resource_group(summary: WorkflowTaskSummary | None, full: Task | None) -> str:
    """The group a live task runs on: GetTask's when read, else GetWorkflow's summary; ``""`` if none."""
    for resource in (full.runtime_resource if full else None, summary.runtime_resource if summary else None):
        if resource is not None and resource.resource_group_id and resource.resource_group_id.strip():
            return resource.resource_group_id.strip()
    return ""


def _resource_groups(
    model: WorkflowModel, live: Mapping[str, WorkflowTaskSummary], live_full: Mapping[str, Task]
) -> dict[str, str]:
    """The ``ResourceGroupId`` each task of ``model`` is sent with (task name → group).

    Git's group when it sets one; else the one the live task runs on (unset in Git means "keep
    what DataWorks assigned"); else — a task new to the workflow, or one DataWorks shows without a
    group — the group DataWorks assigned to this workflow's *other* tasks that Git leaves unset,
    when they agree on one: that is the workspace default DataWorks picks for a node without
    ``runtimeResource``, so the new task lands where an import would have put it. Groups Git names
    explicitly are never borrowed: they say nothing about the default. When nothing is left,
    :class:`ResourceGroupRequired` names the tasks instead of sending an invalid request.
    """
    wanted = {name: task.runtime_resource.resource_group.strip() for name, task in model.tasks.items()}
    current = {name: _live_resource_group(live.get(name), live_full.get(name)) for name in model.tasks}
    assigned = sorted({current[name] for name in model.tasks if not wanted[name] and current[name]})
    default = assigned[0] if len(assigned) == 1 else ""
    groups = {name: wanted[name] or current[name] or default for name in model.tasks}
    missing = sorted(name for name, group in groups.items() if not group)
    if missing:
        raise ResourceGroupRequired(model.name, missing, others=assigned)
    return groups


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
    resource_group: str,
) -> UpdateWorkflowTask:
    summary = live.get(name)
    full = live_full.get(name)
    defaults = default_outputs(full.outputs.task_outputs if full and full.outputs else ())
    return UpdateWorkflowTask(
        id=live_task_ids.get(name),
        name=name,
        # A node without an owner has its workflow's (``model.owner`` is already the effective one).
        owner=task.owner or model.owner,
        type=task.type,
        description=task.description,
        rerun_mode=rerun_mode_to_scheduler(task.rerun_mode),
        rerun_times=task.rerun_times,
        rerun_interval=task.rerun_interval_seconds,
        timeout=task.timeout,
        runtime_resource=WireRuntimeResource(
            resource_group_id=resource_group,
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

    What Git leaves unset is kept as DataWorks has it: an empty owner becomes ``live``'s owner, and
    a task without a resource group gets the one its live task runs on (or, for a task new to the
    workflow, the one DataWorks assigned to its unset siblings). Raises
    :class:`ResourceGroupRequired` when a task would still have none — nothing is sent then.
    """
    summaries = {t.name: t for t in (live.tasks if live else ()) if t.name}
    full_tasks = {t.name: t for t in (live_tasks or {}).values() if t.name}
    groups = _resource_groups(model, summaries, full_tasks)
    # A full update must name an owner; Git without one means "the owner DataWorks gave it".
    model = with_default_owner(model, (live.owner or "").strip() if live else "")
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
            _wire_task(name, task, model, live_task_ids, summaries, full_tasks, env_type, groups[name])
            for name, task in sorted(model.tasks.items())
        ],
    )
