"""FlowSpec ↔ scheduler fields, as the mapping table in ``notes/contracts.md`` fixes them.

Used in both directions: ``deploy.py`` builds a scheduled workflow's wire bodies from a definition
(:func:`workflow_body`, :func:`task_body`), and ``scheduler.py`` reflects an UpdateWorkflow back into
the stored FlowSpec (:func:`reflect_workflow`), as DataWorks syncs scheduler edits back to DataStudio.
A round trip node → task → node keeps every field the table names, and leaves the fields that have
no scheduler counterpart (script path, language, engine, node-output tables, ...) untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, TypeVar, cast

from controller.simulator.flowspec_render import TRIGGER_DEFAULTS, fill_node_defaults

RERUN_TO_SCHEDULER = {"Allowed": "AllAllowed", "Denied": "AllDenied", "FailureAllowed": "FailureAllowed"}
RERUN_TO_FLOWSPEC = {v: k for k, v in RERUN_TO_SCHEDULER.items()}

T = TypeVar("T")


def strip_none(value: T) -> T:
    """Drop None values from nested dicts (absent fields are omitted from responses, not null)."""
    if isinstance(value, dict):
        return cast(T, {k: strip_none(v) for k, v in value.items() if v is not None})
    if isinstance(value, list):
        return cast(T, [strip_none(v) for v in value])
    return value


def parameters_text(parameters: Iterable[Any] | None) -> str | None:
    """FlowSpec ``[{name, value}]`` → the scheduler's ``"name=value name2=value2"`` (spec order)."""
    items = [p for p in parameters or [] if isinstance(p, dict) and p.get("name")]
    if not items:
        return None
    return " ".join(f"{p['name']}={'' if p.get('value') is None else p['value']}" for p in items)


def parse_parameters(text: str | None, previous: Iterable[Any] | None) -> list[dict[str, Any]]:
    """The scheduler's parameter string → FlowSpec entries, keeping ``type``/``scope`` of known names."""
    known = {p.get("name"): p for p in previous or [] if isinstance(p, dict)}
    result = []
    for token in (text or "").split():
        name, _, value = token.partition("=")
        entry = copy.deepcopy(known.get(name, {}))
        entry.update({"name": name, "value": value})
        result.append(entry)
    return result


def _variables_to_wire(variables: Any) -> list[dict[str, Any]]:
    return [
        strip_none({"Name": v.get("name"), "Type": v.get("type"), "Value": v.get("value")})
        for v in variables or []
        if isinstance(v, dict)
    ]


def _variables_from_wire(variables: Any, previous: Any) -> list[dict[str, Any]]:
    known = {v.get("name"): v for v in previous or [] if isinstance(v, dict)}
    result = []
    for item in variables or []:
        entry = copy.deepcopy(known.get(item.get("Name"), {}))
        entry.update(strip_none({"name": item.get("Name"), "type": item.get("Type"), "value": item.get("Value")}))
        result.append(entry)
    return result


def _outputs_to_wire(holder: dict[str, Any]) -> list[dict[str, Any]]:
    outputs = (holder.get("outputs") or {}).get("nodeOutputs") or []
    return [{"Output": str(o["data"])} for o in outputs if isinstance(o, dict) and o.get("data") is not None]


def _outputs_from_wire(task_outputs: Any, previous: Any) -> list[dict[str, Any]]:
    known = {str(o.get("data")): o for o in previous or [] if isinstance(o, dict)}
    result = []
    for item in task_outputs or []:
        data = str(item.get("Output", ""))
        result.append(copy.deepcopy(known.get(data, {"data": data, "artifactType": "NodeOutput"})))
    return result


def _tags_to_wire(tags: Any) -> list[dict[str, Any]]:
    return [strip_none({"Key": t.get("key"), "Value": t.get("value")}) for t in tags or [] if isinstance(t, dict)]


def _tags_from_wire(tags: Any) -> list[dict[str, Any]]:
    return [strip_none({"key": t.get("Key"), "value": t.get("Value")}) for t in tags or []]


def workflow_body(workflow: dict[str, Any]) -> dict[str, Any]:
    """The scheduler-side writable fields of a (rendered) FlowSpec workflow."""
    trigger = workflow.get("trigger") or {}
    return strip_none(
        {
            "Name": workflow.get("name"),
            "Owner": workflow.get("owner"),
            "Description": workflow.get("description"),
            "Trigger": {
                "Type": trigger.get("type"),
                "Cron": trigger.get("cron"),
                "StartTime": trigger.get("startTime"),
                "EndTime": trigger.get("endTime"),
            },
            "Parameters": parameters_text((workflow.get("script") or {}).get("parameters")),
            "Tags": _tags_to_wire(workflow.get("tags")),
            "Outputs": {"TaskOutputs": _outputs_to_wire(workflow)},
            "Dependencies": [],
        }
    )


def task_body(node: dict[str, Any], workflow: dict[str, Any]) -> dict[str, Any]:
    """The scheduler task fields of a (rendered) FlowSpec node; dependencies carry no task ids yet."""
    script = node.get("script") or {}
    trigger = node.get("trigger") or {}
    resource = node.get("runtimeResource") or {}
    group = resource.get("resourceGroup") or resource.get("resourceGroupId")
    datasource = node.get("datasource") or {}
    depends = [
        {"Type": d.get("type", "Normal"), "UpstreamOutput": str(d.get("output"))}
        for dependency in workflow.get("dependencies") or []
        if str(dependency.get("nodeId")) == str(node.get("id"))
        for d in dependency.get("depends") or []
    ]
    return strip_none(
        {
            "Name": node.get("name"),
            "Type": (script.get("runtime") or {}).get("command"),
            "Owner": node.get("owner"),
            "Description": node.get("description"),
            "Timeout": node.get("timeout"),
            "RerunMode": RERUN_TO_SCHEDULER.get(str(node.get("rerunMode")), node.get("rerunMode")),
            "RerunTimes": node.get("rerunTimes"),
            "RerunInterval": None if node.get("rerunInterval") is None else int(node["rerunInterval"]) // 1000,
            "InstanceMode": node.get("instanceMode"),
            "Trigger": {
                "Type": trigger.get("type"),
                "Cron": trigger.get("cron"),
                "StartTime": trigger.get("startTime"),
                "EndTime": trigger.get("endTime"),
                "Recurrence": node.get("recurrence"),
            },
            "RuntimeResource": (
                {"ResourceGroupId": group, "Cu": resource.get("cu"), "Image": resource.get("image")}
                if resource
                else None
            ),
            "DataSource": {"Name": datasource["name"]} if datasource.get("name") else None,
            "Script": {"Content": script.get("content"), "Parameters": parameters_text(script.get("parameters"))},
            "Inputs": {"Variables": _variables_to_wire((node.get("inputs") or {}).get("variables"))},
            "Outputs": {
                "TaskOutputs": _outputs_to_wire(node),
                "Variables": _variables_to_wire((node.get("outputs") or {}).get("variables")),
            },
            "Tags": _tags_to_wire(node.get("tags")),
            "Dependencies": depends,
        }
    )


def _set_or_pop(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None or value == [] or value == {}:
        target.pop(key, None)
    else:
        target[key] = value


def reflect_task(node: dict[str, Any], body: dict[str, Any], workflow: dict[str, Any]) -> None:
    """Write a task's scheduler fields into its FlowSpec node, in place (the reverse of task_body)."""
    node["name"] = body["Name"]
    script = node.setdefault("script", {})
    script.setdefault("runtime", {})["command"] = body["Type"]
    node["owner"] = body["Owner"]
    _set_or_pop(node, "description", body.get("Description"))
    node["timeout"] = body.get("Timeout", 0)
    node["rerunMode"] = RERUN_TO_FLOWSPEC.get(body["RerunMode"], body["RerunMode"])
    node["rerunTimes"] = body.get("RerunTimes", 3)
    node["rerunInterval"] = int(body.get("RerunInterval", 180)) * 1000
    node["instanceMode"] = body.get("InstanceMode", node.get("instanceMode", "T+1"))
    trigger = body.get("Trigger") or {}
    node["recurrence"] = trigger.get("Recurrence", "Normal")
    node_trigger = node.setdefault("trigger", {})
    for wire, key in (("Type", "type"), ("Cron", "cron"), ("StartTime", "startTime"), ("EndTime", "endTime")):
        _set_or_pop(node_trigger, key, trigger.get(wire))
    resource = body.get("RuntimeResource") or {}
    runtime = node.get("runtimeResource") or {}
    # A node that named its group only by resourceGroupId keeps that spelling.
    by_id = "resourceGroupId" in runtime and "resourceGroup" not in runtime
    group_key = "resourceGroupId" if by_id else "resourceGroup"
    runtime = {k: v for k, v in runtime.items() if k not in ("resourceGroup", "resourceGroupId", "cu", "image")}
    group, cu, image = resource.get("ResourceGroupId"), resource.get("Cu"), resource.get("Image")
    runtime.update(strip_none({group_key: group, "cu": cu, "image": image}))
    _set_or_pop(node, "runtimeResource", runtime)
    datasource_name = (body.get("DataSource") or {}).get("Name")
    # A datasource whose name did not change keeps its FlowSpec-only fields (type).
    if not datasource_name or (node.get("datasource") or {}).get("name") != datasource_name:
        _set_or_pop(node, "datasource", {"name": datasource_name} if datasource_name else None)
    wire_script = body.get("Script") or {}
    _set_or_pop(script, "content", wire_script.get("Content"))
    _set_or_pop(script, "parameters", parse_parameters(wire_script.get("Parameters"), script.get("parameters")))
    inputs = node.get("inputs") or {}
    inputs["variables"] = _variables_from_wire((body.get("Inputs") or {}).get("Variables"), inputs.get("variables"))
    _set_or_pop(node, "inputs", {k: v for k, v in inputs.items() if v not in (None, [], {})})
    outputs = node.get("outputs") or {}
    wire_outputs = body.get("Outputs") or {}
    outputs["nodeOutputs"] = _outputs_from_wire(wire_outputs.get("TaskOutputs"), outputs.get("nodeOutputs"))
    outputs["variables"] = _variables_from_wire(wire_outputs.get("Variables"), outputs.get("variables"))
    _set_or_pop(node, "outputs", {k: v for k, v in outputs.items() if v not in (None, [], {})})
    _set_or_pop(node, "tags", _tags_from_wire(body.get("Tags")))
    fill_node_defaults(node, workflow)


def reflect_workflow(workflow: dict[str, Any], body: dict[str, Any]) -> None:
    """Write a scheduled workflow's own fields into its FlowSpec workflow, in place."""
    workflow["name"] = body["Name"]
    workflow["owner"] = body["Owner"]
    _set_or_pop(workflow, "description", body.get("Description"))
    trigger = workflow.setdefault("trigger", {})
    wire_trigger = body["Trigger"]
    trigger["type"] = wire_trigger["Type"]
    _set_or_pop(trigger, "cron", wire_trigger.get("Cron"))
    trigger["startTime"] = wire_trigger.get("StartTime", TRIGGER_DEFAULTS["startTime"])
    trigger["endTime"] = wire_trigger.get("EndTime", TRIGGER_DEFAULTS["endTime"])
    script = workflow.setdefault("script", {})
    _set_or_pop(script, "parameters", parse_parameters(body.get("Parameters"), script.get("parameters")))
    _set_or_pop(workflow, "tags", _tags_from_wire(body.get("Tags")))
    outputs = workflow.get("outputs") or {}
    previous = outputs.get("nodeOutputs")
    outputs["nodeOutputs"] = _outputs_from_wire((body.get("Outputs") or {}).get("TaskOutputs"), previous)
    _set_or_pop(workflow, "outputs", {k: v for k, v in outputs.items() if v not in (None, [], {})})


def reflect_dependencies(workflow: dict[str, Any], tasks: Iterable[tuple[str, list[dict[str, Any]]]]) -> None:
    """Rebuild ``workflow.dependencies`` from ``(node id, [{Type, UpstreamOutput}])`` per task, in place.

    The caller resolves each dependency to an ``UpstreamOutput`` first (the upstream node's id when
    only UpstreamTaskId was sent). Extra fields of unchanged entries (``refTableName``) are kept.
    """
    previous: dict[tuple[str, str, str], dict[str, Any]] = {}
    for dependency in workflow.get("dependencies") or []:
        for upstream in dependency.get("depends") or []:
            key = (str(dependency.get("nodeId")), str(upstream.get("type", "Normal")), str(upstream.get("output")))
            previous[key] = upstream
    rebuilt = []
    for node_id, dependencies in tasks:
        depends = []
        for item in dependencies:
            kind, output = str(item.get("Type", "Normal")), str(item.get("UpstreamOutput"))
            entry = copy.deepcopy(previous.get((node_id, kind, output), {}))
            entry.update({"type": kind, "output": output})
            depends.append(entry)
        if depends:
            rebuilt.append({"nodeId": node_id, "depends": depends})
    workflow["dependencies"] = rebuilt
