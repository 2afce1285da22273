"""Wire renderings of scheduled workflows and tasks, with DataWorks' naming and shape quirks.

- GetWorkflow: tasks are summaries (``BaselineId``, flat ``TriggerRecurrence``, server-managed
  fields; no script, inputs, outputs, dependencies or tags) and the workflow trigger carries
  ``Recurrence``.
- GetTask: the full task; ``Dependencies[].UpstreamTaskId`` is a string; ``ProjectEnv`` beside
  ``EnvType``.
- ListWorkflows: summaries without tasks, outputs or dependencies.
"""

from __future__ import annotations

from typing import Any

from controller.simulator.state import ScheduledWorkflow, Task


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop absent (None) fields. Views share the stored (already clean) bodies instead of copying
    them: a view is encoded at once and never mutated, and copying dominated read latency."""
    return {k: v for k, v in fields.items() if v is not None}


def _audit(created: int, modified: int, user: str) -> dict[str, Any]:
    return {"CreateTime": created, "CreateUser": user, "ModifyTime": modified, "ModifyUser": user}


def task_summary(workflow: ScheduledWorkflow, task: Task, user: str) -> dict[str, Any]:
    """One element of GetWorkflow's ``Tasks[]``."""
    body = task.body
    return _present(
        {
            "BaselineId": task.baseline_id,
            "ClientUniqueCode": task.client_unique_code,
            **_audit(task.create_time, task.modify_time, user),
            "DataSource": body.get("DataSource"),
            "Description": body.get("Description"),
            "EnvType": workflow.env,
            "Id": task.id,
            "Name": body["Name"],
            "Owner": body["Owner"],
            "Priority": 1,
            "ProjectId": workflow.project_id,
            "RerunInterval": body.get("RerunInterval"),
            "RerunMode": body.get("RerunMode"),
            "RerunTimes": body.get("RerunTimes"),
            "RuntimeResource": body.get("RuntimeResource"),
            "Timeout": body.get("Timeout"),
            "TriggerRecurrence": (body.get("Trigger") or {}).get("Recurrence"),
            "Type": body["Type"],
            "WorkflowId": workflow.id,
        }
    )


def task_view(workflow: ScheduledWorkflow, task: Task, user: str) -> dict[str, Any]:
    """GetTask's ``Task``: everything, UpstreamTaskId as a string."""
    body = dict(task.body)
    body["Dependencies"] = [
        {**d, "UpstreamTaskId": str(d["UpstreamTaskId"])} if d.get("UpstreamTaskId") is not None else d
        for d in task.body.get("Dependencies", [])
    ]
    return _present(
        {
            "BaselineId": task.baseline_id,
            **_audit(task.create_time, task.modify_time, user),
            **body,
            "EnvType": workflow.env,
            "Id": task.id,
            "Priority": 1,
            "ProjectEnv": workflow.env,
            "ProjectId": workflow.project_id,
            "WorkflowId": workflow.id,
        }
    )


def _workflow_common(workflow: ScheduledWorkflow, user: str) -> dict[str, Any]:
    body = workflow.body
    trigger = dict(body.get("Trigger") or {})
    trigger["Recurrence"] = "Normal"
    return {
        "ClientUniqueCode": workflow.client_unique_code,
        **_audit(workflow.create_time, workflow.modify_time, user),
        "Description": body.get("Description"),
        "EnvType": workflow.env,
        "Id": workflow.id,
        "Name": body["Name"],
        "Owner": body["Owner"],
        "Parameters": body.get("Parameters"),
        "ProjectId": workflow.project_id,
        "Tags": body.get("Tags", []),
        "Trigger": trigger,
    }


def workflow_view(workflow: ScheduledWorkflow, user: str) -> dict[str, Any]:
    """GetWorkflow's ``Workflow``."""
    view = _workflow_common(workflow, user)
    view["Dependencies"] = workflow.body.get("Dependencies", [])
    view["Outputs"] = workflow.body.get("Outputs", {"TaskOutputs": []})
    view["Tasks"] = [task_summary(workflow, t, user) for t in workflow.tasks.values()]
    return _present(view)


def workflow_summary(workflow: ScheduledWorkflow, user: str) -> dict[str, Any]:
    """One element of ListWorkflows' ``PagingInfo.Workflows``."""
    return _present(_workflow_common(workflow, user))


def full_dump(workflow: ScheduledWorkflow, user: str) -> dict[str, Any]:
    """The admin state dump of one scheduled workflow: GetWorkflow plus every task in full."""
    view = workflow_view(workflow, user)
    view["DefinitionId"] = workflow.definition_id
    view["Tasks"] = [task_view(workflow, t, user) for t in workflow.tasks.values()]
    return view
