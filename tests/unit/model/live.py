"""Load the Git and live-shaped fixtures of tests/fixtures/model/ into models (shared by the tests)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from controller.dataworks.adapters import model_from_scheduled
from controller.dataworks.models import (
    GetTaskResponse,
    GetWorkflowDefinitionResponse,
    GetWorkflowResponse,
    Task,
    Workflow,
)
from controller.model import WorkflowModel
from controller.spec.flowspec import parse_flowspec
from controller.spec.to_model import model_from_flowspec

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "model"
WORKFLOWS = ("seed", "daily_sales")


def raw(name: str, shape: str) -> Any:
    """The JSON of ``<name>.<shape>.json`` (a fresh copy every call: tests edit it)."""
    return json.loads((FIXTURES / f"{name}.{shape}.json").read_text(encoding="utf-8"))


def git_model(
    name: str, *, default_owner: str = "1234567890123456", doc: dict[str, Any] | None = None
) -> WorkflowModel:
    """The model of the Git spec (``default_owner`` as the reconciler passes it: the live owner)."""
    data = doc if doc is not None else raw(name, "flowspec")
    return model_from_flowspec(parse_flowspec(data, file=f"{name}.flowspec.json"), default_owner=default_owner)


def definition_spec(name: str) -> dict[str, Any]:
    """The FlowSpec inside the GetWorkflowDefinition response."""
    body = GetWorkflowDefinitionResponse.model_validate(raw(name, "definition"))
    assert body.workflow_definition.spec is not None
    spec: dict[str, Any] = json.loads(body.workflow_definition.spec)
    return spec


def definition_model(name: str, spec: dict[str, Any] | None = None) -> WorkflowModel:
    """The live definition's model, through the same FlowSpec code as Git."""
    data = spec if spec is not None else definition_spec(name)
    return model_from_flowspec(parse_flowspec(data, file="GetWorkflowDefinition.Spec"))


def scheduled_wire(
    name: str, workflow: dict[str, Any] | None = None, tasks: dict[str, Any] | None = None
) -> tuple[Workflow, dict[int, Task]]:
    """GetWorkflow + GetTask responses (optionally edited copies) as wire models."""
    wf = GetWorkflowResponse.model_validate(workflow if workflow is not None else raw(name, "getworkflow")).workflow
    by_id = tasks if tasks is not None else raw(name, "gettask")
    return wf, {int(k): GetTaskResponse.model_validate(v).task for k, v in by_id.items()}


def scheduled_model(
    name: str, workflow: dict[str, Any] | None = None, tasks: dict[str, Any] | None = None
) -> WorkflowModel:
    """The scheduled workflow's model."""
    wf, by_id = scheduled_wire(name, workflow, tasks)
    kind = raw(name, "flowspec")["kind"]
    return model_from_scheduled(wf, by_id, kind)


def task_named(tasks: dict[str, Any], name: str) -> dict[str, Any]:
    """The GetTask ``Task`` body with this name, inside a GetTask fixture (edit in place)."""
    for response in tasks.values():
        if response["Task"]["Name"] == name:
            task: dict[str, Any] = response["Task"]
            return task
    raise KeyError(name)


def node_named(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """The node with this name inside a FlowSpec document (edit in place)."""
    for node in spec["spec"]["workflows"][0]["nodes"]:
        if node["name"] == name:
            found: dict[str, Any] = node
            return found
    raise KeyError(name)


__all__ = ["WORKFLOWS", "copy", "definition_model", "definition_spec", "git_model", "node_named", "raw",
           "scheduled_model", "scheduled_wire", "task_named"]
