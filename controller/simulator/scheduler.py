"""Scheduler-side (Operation Center) operations on deployed workflows: GetWorkflow, GetTask,
ListWorkflows, UpdateWorkflow (full update), DeleteWorkflow.

UpdateWorkflow replaces the workflow's state with the request: a task with ``Id`` is replaced, a task
without ``Id`` is created, an existing task absent from ``Tasks`` (or every task, when ``Tasks`` is
omitted) is removed. The edit is then reflected into the stored definition's FlowSpec, as DataWorks
syncs scheduler edits back to DataStudio, and ModifyTime moves on whatever changed.
"""

from __future__ import annotations

import copy
from typing import Any

from controller.simulator.deploy import resolve_upstream
from controller.simulator.errors import InvalidParameter, NotFound
from controller.simulator.mapping import reflect_dependencies, reflect_task, reflect_workflow, strip_none
from controller.simulator.registry import Call, Operation
from controller.simulator.state import ScheduledWorkflow, Task, World, bumped, now_ms
from controller.simulator.update_request import (
    TaskRequest,
    dependencies_body,
    outputs_body,
    tags_body,
    task_request,
    trigger_body,
)
from controller.simulator.views import task_view, workflow_summary, workflow_view

ENVS = frozenset({"Prod", "Dev"})
SORT_FIELDS = {"Id": "id", "CreateTime": "create_time", "ModifyTime": "modify_time"}
MAX_PAGE_SIZE = 100


def get_workflow(call: Call) -> dict[str, Any]:
    """GetWorkflow: the workflow with task summaries."""
    params = call.params
    workflow_id = params.required_integer("Id")
    workflow = call.world.workflow(workflow_id, params.choice("EnvType", ENVS, default="Prod") or "Prod")
    return {"Workflow": workflow_view(workflow, call.world.owner_uid)}


def get_task(call: Call) -> dict[str, Any]:
    """GetTask: one task in full (the environment parameter is ``ProjectEnv`` here)."""
    params = call.params
    task_id = params.required_integer("Id")
    workflow, task = call.world.task(task_id, params.choice("ProjectEnv", ENVS, default="Prod") or "Prod")
    return {"Task": task_view(workflow, task, call.world.owner_uid)}


def list_workflows(call: Call) -> dict[str, Any]:
    """ListWorkflows (POST form): filters, ``SortBy "<Field> <Asc|Desc>"`` (default Id Desc), pages."""
    world, params = call.world, call.params
    project_id = world.project(params.required_integer("ProjectId"))
    env = params.choice("EnvType", ENVS, default="Prod")
    ids = {int(i) for i in params.json_list("Ids") or [] if str(i).lstrip("-").isdigit()}
    tags = [str(t) for t in params.json_list("Tags") or []]
    name = (params.text("Name") or "").lower()
    owner = params.text("Owner")
    trigger_type = params.text("TriggerType")
    field, _, direction = (params.text("SortBy") or "Id Desc").partition(" ")
    if field not in SORT_FIELDS or direction not in ("", "Asc", "Desc"):
        sort_by = params.text("SortBy")
        raise InvalidParameter(f"SortBy must be '<Id|CreateTime|ModifyTime> <Asc|Desc>'; got {sort_by!r}.")
    number = params.integer("PageNumber", default=1) or 1
    size = params.integer("PageSize", default=10) or 10
    if number < 1 or size < 1:
        raise InvalidParameter("PageNumber and PageSize must be positive integers.")
    size = min(size, MAX_PAGE_SIZE)
    matches = [
        w
        for w in world.workflows.values()
        if w.project_id == project_id
        and w.env == env
        and (not ids or w.id in ids)
        and name in str(w.body.get("Name", "")).lower()
        and (not owner or w.body.get("Owner") == owner)
        and (not trigger_type or w.body.get("Trigger", {}).get("Type") == trigger_type)
        and all(any(t.get("Key") == tag for t in w.body.get("Tags", [])) for tag in tags)
    ]
    attribute = SORT_FIELDS[field]
    matches.sort(key=lambda w: (getattr(w, attribute), w.id), reverse=direction != "Asc")
    page = matches[(number - 1) * size : number * size]
    return {
        "PagingInfo": {
            "PageNumber": number,
            "PageSize": size,
            "TotalCount": len(matches),
            "Workflows": [workflow_summary(w, world.owner_uid) for w in page],
        }
    }


def delete_workflow(call: Call) -> dict[str, Any]:
    """DeleteWorkflow: Id in the query string; the definition stays, unlinked."""
    params = call.params
    workflow_id = params.required_integer("Id")
    workflow = call.world.workflow(workflow_id, params.choice("EnvType", ENVS, default="Prod") or "Prod")
    call.world.remove_workflow(workflow.id)
    return {"Success": True}


def update_workflow(call: Call) -> dict[str, Any]:
    """UpdateWorkflow in full-update mode (see the module docstring)."""
    world, params = call.world, call.params
    workflow_id = params.required_integer("Id")
    name = params.required_text("Name")
    owner = params.required_text("Owner")
    trigger = trigger_body(params.json_object("Trigger", required=True))
    env = params.choice("EnvType", ENVS, default="Prod") or "Prod"
    body = strip_none(
        {
            "Name": name,
            "Owner": owner,
            "Description": params.text("Description"),
            "Trigger": trigger,
            "Parameters": params.text("Parameters") or None,
            "Tags": tags_body(params.json_list("Tags"), "Tags"),
            "Outputs": {"TaskOutputs": outputs_body(params.json_object("Outputs"), "Outputs")},
            "Dependencies": dependencies_body(params.json_list("Dependencies"), "Dependencies"),
        }
    )
    raw_tasks = params.json_list("Tasks") or []
    workflow = world.workflow(workflow_id, env)
    requests = [
        task_request(raw, i, trigger, workflow.tasks.get(_requested_id(raw) or -1))
        for i, raw in enumerate(raw_tasks)
    ]
    _check_tasks(workflow, requests)
    tasks = _build_tasks(world, workflow, requests)
    changed = workflow.body != body or [(t.id, t.body, t.baseline_id) for t in workflow.tasks.values()] != [
        (t.id, t.body, t.baseline_id) for t in tasks
    ]
    workflow.body = body
    workflow.tasks = {t.id: t for t in tasks}
    world.index_tasks(workflow)
    if changed:
        workflow.modify_time = bumped(workflow.modify_time)
    _reflect(world, workflow)
    return {"Success": True}


def _requested_id(raw: Any) -> int | None:
    value = raw.get("Id") if isinstance(raw, dict) else None
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _check_tasks(workflow: ScheduledWorkflow, requests: list[TaskRequest]) -> None:
    seen_ids: set[int] = set()
    seen_names: set[str] = set()
    for index, request in enumerate(requests):
        if request.id is not None:
            if request.id not in workflow.tasks:
                raise NotFound("Task", request.id, f"Tasks[{index}].Id is not a task of workflow {workflow.id}.")
            if request.id in seen_ids:
                raise InvalidParameter(f"Tasks[{index}].Id {request.id} appears twice; send each task once.")
            seen_ids.add(request.id)
        name = request.body["Name"]
        if name in seen_names:
            raise InvalidParameter(f"Tasks[{index}].Name {name!r} appears twice; task names are unique in a workflow.")
        seen_names.add(name)


def _build_tasks(world: World, workflow: ScheduledWorkflow, requests: list[TaskRequest]) -> list[Task]:
    stamp = now_ms()
    tasks = []
    for request in requests:
        old = workflow.tasks.get(request.id) if request.id is not None else None
        node_id = old.node_id if old else world.ids.string_id()
        task = Task(
            id=old.id if old else world.ids.int_id(),
            node_id=node_id,
            body=request.body,
            client_unique_code=request.client_unique_code or (old.client_unique_code if old else node_id),
            create_time=old.create_time if old else stamp,
            modify_time=old.modify_time if old else stamp,
            baseline_id=request.baseline_id,
        )
        if old is not None and (old.body != task.body or old.baseline_id != task.baseline_id):
            task.modify_time = bumped(old.modify_time)
        tasks.append(task)
    for task in tasks:
        for dependency in task.body["Dependencies"]:
            if dependency.get("UpstreamTaskId") is None:
                upstream = resolve_upstream(dependency.get("UpstreamOutput"), tasks)
                if upstream is not None:
                    dependency["UpstreamTaskId"] = upstream
    return tasks


def _reflect(world: World, workflow: ScheduledWorkflow) -> None:
    """Sync the scheduler edit back into the definition's FlowSpec (a new saved version)."""
    definition = world.definitions.get(workflow.definition_id or "")
    if definition is None:
        return
    spec_workflow = copy.deepcopy(definition.workflow)
    reflect_workflow(spec_workflow, workflow.body)
    previous = {str(n.get("id")): n for n in spec_workflow.get("nodes", [])}
    by_task_id = {t.id: t for t in workflow.tasks.values()}
    nodes = []
    for task in workflow.tasks.values():
        node = copy.deepcopy(previous.get(task.node_id, {"id": task.node_id}))
        reflect_task(node, task.body, spec_workflow)
        nodes.append(node)
    spec_workflow["nodes"] = nodes
    reflected = []
    for task in workflow.tasks.values():
        dependencies = []
        for dependency in task.body["Dependencies"]:
            output = dependency.get("UpstreamOutput")
            if output is None:
                upstream = by_task_id.get(dependency.get("UpstreamTaskId", -1))
                output = upstream.node_id if upstream else str(dependency.get("UpstreamTaskId"))
            dependencies.append({"Type": dependency["Type"], "UpstreamOutput": output})
        reflected.append((task.node_id, dependencies))
    reflect_dependencies(spec_workflow, reflected)
    if spec_workflow != definition.workflow:
        definition.spec["spec"]["workflows"][0] = spec_workflow
        definition.modify_time = bumped(definition.modify_time)


OPERATIONS = [
    Operation("GetWorkflow", "GET", get_workflow),
    Operation("GetTask", "GET", get_task),
    Operation("ListWorkflows", "POST", list_workflows),
    Operation("UpdateWorkflow", "POST", update_workflow),
    Operation("DeleteWorkflow", "POST", delete_workflow, frozenset({"Id"})),
]
