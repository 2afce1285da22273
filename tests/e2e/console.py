"""A console user, played by Alibaba's official SDK: reads a scheduled workflow and saves an edit.

The DataWorks console saves a workflow with a full ``UpdateWorkflow``; this helper does the same
through ``alibabacloud_dataworks_public20240518`` so an out-of-band edit reaches the simulator
exactly as it would reach DataWorks, independent of the controller's own client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alibabacloud_dataworks_public20240518 import models
from alibabacloud_dataworks_public20240518.client import Client
from alibabacloud_tea_openapi import models as open_api_models

from controller.simulator.testing import SimulatorProcess


def sdk(simulator: SimulatorProcess) -> Client:
    """The official client pointed at the simulator."""
    config = open_api_models.Config(
        access_key_id=simulator.access_key_id,
        access_key_secret=simulator.access_key_secret,
        endpoint=simulator.endpoint,
        protocol="http",
    )
    return Client(config)


def workflow_id(client: Client, project_id: int, name: str) -> int:
    """The scheduled workflow called ``name``."""
    page = client.list_workflows(
        models.ListWorkflowsRequest(project_id=project_id, env_type="Prod", page_size=100, name=name)
    ).body.paging_info
    ids = [w.id for w in page.workflows if w.name == name]
    assert len(ids) == 1, f"expected one scheduled workflow {name!r}, found {len(ids)}"
    return int(ids[0])


def _task_for_update(task: dict[str, Any]) -> dict[str, Any]:
    deps = [
        {k: v for k, v in {"Type": d.get("Type"), "UpstreamOutput": d.get("UpstreamOutput"),
                           "UpstreamTaskId": int(d["UpstreamTaskId"]) if d.get("UpstreamTaskId") else None}.items()
         if v is not None}
        for d in task.get("Dependencies") or []
    ]
    trigger = task.get("Trigger") or {}
    out = {
        "Id": task["Id"], "Name": task["Name"], "Owner": task.get("Owner"), "Type": task.get("Type"),
        "Description": task.get("Description"), "RerunMode": task.get("RerunMode"),
        "RerunTimes": task.get("RerunTimes"), "RerunInterval": task.get("RerunInterval"),
        "Timeout": task.get("Timeout"), "RuntimeResource": task.get("RuntimeResource"),
        "DataSource": task.get("DataSource"), "Script": task.get("Script"),
        "Trigger": {k: v for k, v in {"Type": trigger.get("Type"), "Recurrence": trigger.get("Recurrence")}.items()
                    if v is not None},
        "Dependencies": deps, "Inputs": task.get("Inputs"), "Outputs": task.get("Outputs"),
        "Tags": task.get("Tags") or [], "BaseLineId": task.get("BaselineId"),
    }
    return {k: v for k, v in out.items() if v is not None}


def console_edit(simulator: SimulatorProcess, name: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """Read workflow ``name`` (GetWorkflow + GetTask), let ``edit`` change the request, save it."""
    client = sdk(simulator)
    wid = workflow_id(client, simulator.project_id, name)
    wf = client.get_workflow(models.GetWorkflowRequest(id=wid, env_type="Prod")).body.workflow.to_map()
    tasks = [
        _task_for_update(client.get_task(models.GetTaskRequest(id=t["Id"], project_env="Prod")).body.task.to_map())
        for t in wf.get("Tasks") or []
    ]
    trigger = wf.get("Trigger") or {}
    body: dict[str, Any] = {
        "Id": wid, "Name": wf["Name"], "Owner": wf["Owner"], "Description": wf.get("Description"),
        "EnvType": "Prod", "Parameters": wf.get("Parameters"), "Tags": wf.get("Tags") or [],
        "Trigger": {k: trigger[k] for k in ("Type", "Cron", "StartTime", "EndTime") if trigger.get(k) is not None},
        "Outputs": wf.get("Outputs"), "Dependencies": wf.get("Dependencies") or [], "Tasks": tasks,
    }
    edit(body)
    request = models.UpdateWorkflowRequest().from_map({k: v for k, v in body.items() if v is not None})
    assert client.update_workflow(request).body.success


def task_content(simulator: SimulatorProcess, workflow: str, task: str) -> str:
    """The script content of one scheduled task, read with the SDK."""
    client = sdk(simulator)
    wid = workflow_id(client, simulator.project_id, workflow)
    wf = client.get_workflow(models.GetWorkflowRequest(id=wid, env_type="Prod")).body.workflow
    (tid,) = [t.id for t in wf.tasks if t.name == task]
    content: str = client.get_task(models.GetTaskRequest(id=tid, project_env="Prod")).body.task.script.content
    return content


def counts(simulator: SimulatorProcess) -> tuple[int, int]:
    """How many workflow definitions (both types) and scheduled workflows the workspace holds."""
    client = sdk(simulator)
    definitions = 0
    for kind in ("CycleWorkflow", "ManualWorkflow"):
        page = client.list_workflow_definitions(
            models.ListWorkflowDefinitionsRequest(project_id=simulator.project_id, type=kind, page_size=100)
        ).body.paging_info
        definitions += int(page.total_count)
    scheduled = client.list_workflows(
        models.ListWorkflowsRequest(project_id=simulator.project_id, env_type="Prod", page_size=100)
    ).body.paging_info.total_count
    return definitions, int(scheduled)
