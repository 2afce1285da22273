"""Reading an UpdateWorkflow request into the stored wire bodies, with DataWorks' full-update rules.

Used by ``scheduler.py``. Every field of the new state comes from the request: an omitted optional
field is cleared (Description, Parameters, Tags, Outputs, task Dependencies/Tags/Inputs/Outputs,
BaseLineId) or takes its server default (Timeout 0, RerunTimes 3, RerunInterval 180 s). Only what
UpdateWorkflow cannot express is kept from the existing task (InstanceMode, the task cron and
validity window) or assigned by the server (ids, ClientUniqueCode). Each refusal names the field as
``Tasks[1].RuntimeResource.ResourceGroupId``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from controller.simulator.errors import InvalidParameter, MissingParameter
from controller.simulator.flowspec_render import DEPENDENCY_TYPES, RECURRENCES, TRIGGER_DEFAULTS, TRIGGER_TYPES
from controller.simulator.mapping import strip_none
from controller.simulator.state import Task

RERUN_MODES = frozenset({"AllAllowed", "AllDenied", "FailureAllowed"})
VARIABLE_TYPES = frozenset({"Constant", "PassThrough", "System", "NodeOutput"})


class TaskRequest(NamedTuple):
    """One element of ``Tasks[]``: the id to replace (None creates) and the task's new state."""

    id: int | None
    body: dict[str, Any]
    baseline_id: int | None
    client_unique_code: str | None


def _object(value: Any, path: str, *, required: bool = False) -> dict[str, Any]:
    if value is None:
        if required:
            raise MissingParameter(path)
        return {}
    if not isinstance(value, dict):
        raise InvalidParameter(f"{path} must be a JSON object.")
    return value


def _array(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidParameter(f"{path} must be a JSON array.")
    return value


def _text(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None or (required and value == ""):
        if required:
            raise MissingParameter(f"{path}.{key}")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidParameter(f"{path}.{key} must be a string.")
    return str(value)


def _choice(obj: dict[str, Any], key: str, path: str, allowed: frozenset[str], *, required: bool = False) -> str | None:
    value = _text(obj, key, path, required=required)
    if value is not None and value not in allowed:
        raise InvalidParameter(f"{path}.{key} must be one of {', '.join(sorted(allowed))}; got {value!r}.")
    return value


def _number(obj: dict[str, Any], key: str, path: str, default: int | None = None) -> int | None:
    value = obj.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        raise InvalidParameter(f"{path}.{key} must be an integer.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{path}.{key} must be an integer; got {value!r}.") from None


def trigger_body(trigger: dict[str, Any] | None) -> dict[str, Any]:
    """The workflow trigger: Type required; StartTime/EndTime default to the open window."""
    value = _object(trigger, "Trigger", required=True)
    return strip_none(
        {
            "Type": _choice(value, "Type", "Trigger", TRIGGER_TYPES, required=True),
            "Cron": _text(value, "Cron", "Trigger"),
            "StartTime": _text(value, "StartTime", "Trigger") or TRIGGER_DEFAULTS["startTime"],
            "EndTime": _text(value, "EndTime", "Trigger") or TRIGGER_DEFAULTS["endTime"],
        }
    )


def tags_body(value: Any, path: str) -> list[dict[str, Any]]:
    """Tags ``[{Key, Value}]``; Key required."""
    tags = []
    for i, item in enumerate(_array(value, path)):
        tag = _object(item, f"{path}[{i}]")
        where = f"{path}[{i}]"
        tags.append(strip_none({"Key": _text(tag, "Key", where, required=True), "Value": _text(tag, "Value", where)}))
    return tags


def dependencies_body(value: Any, path: str) -> list[dict[str, Any]]:
    """Dependencies ``[{Type, UpstreamOutput?, UpstreamTaskId?}]``; Type required."""
    result = []
    for i, item in enumerate(_array(value, path)):
        where = f"{path}[{i}]"
        entry = _object(item, where)
        result.append(
            strip_none(
                {
                    "Type": _choice(entry, "Type", where, DEPENDENCY_TYPES, required=True),
                    "UpstreamOutput": _text(entry, "UpstreamOutput", where),
                    "UpstreamTaskId": _number(entry, "UpstreamTaskId", where),
                }
            )
        )
    return result


def outputs_body(value: Any, path: str) -> list[dict[str, Any]]:
    """``Outputs.TaskOutputs`` as ``[{Output}]``."""
    outputs = _object(value, path)
    result = []
    for i, item in enumerate(_array(outputs.get("TaskOutputs"), f"{path}.TaskOutputs")):
        output = _text(_object(item, f"{path}.TaskOutputs[{i}]"), "Output", f"{path}.TaskOutputs[{i}]", required=True)
        result.append({"Output": output})
    return result


def _variables(value: Any, path: str) -> list[dict[str, Any]]:
    result = []
    for i, item in enumerate(_array(value, path)):
        where = f"{path}[{i}]"
        variable = _object(item, where)
        result.append(
            strip_none(
                {
                    "Name": _text(variable, "Name", where),
                    "Type": _choice(variable, "Type", where, VARIABLE_TYPES, required=True),
                    "Value": _text(variable, "Value", where),
                }
            )
        )
    return result


def task_request(
    raw: Any, index: int, workflow_trigger: dict[str, Any], existing: Task | None
) -> TaskRequest:
    """Validate ``Tasks[index]`` and build the task's complete new body."""
    path = f"Tasks[{index}]"
    item = _object(raw, path)
    trigger = _object(item.get("Trigger"), f"{path}.Trigger", required=True)
    resource = _object(item.get("RuntimeResource"), f"{path}.RuntimeResource", required=True)
    script = _object(item.get("Script"), f"{path}.Script")
    inputs = _object(item.get("Inputs"), f"{path}.Inputs")
    outputs = _object(item.get("Outputs"), f"{path}.Outputs")
    datasource = _object(item.get("DataSource"), f"{path}.DataSource")
    kept_trigger = (existing.body.get("Trigger") or {}) if existing else {}
    body = strip_none(
        {
            "Name": _text(item, "Name", path, required=True),
            "Type": _text(item, "Type", path, required=True),
            "Owner": _text(item, "Owner", path, required=True),
            "Description": _text(item, "Description", path),
            "Timeout": _number(item, "Timeout", path, 0),
            "RerunMode": _choice(item, "RerunMode", path, RERUN_MODES, required=True),
            "RerunTimes": _number(item, "RerunTimes", path, 3),
            "RerunInterval": _number(item, "RerunInterval", path, 180),
            "InstanceMode": existing.body.get("InstanceMode", "T+1") if existing else "T+1",
            "Trigger": {
                "Type": _choice(trigger, "Type", f"{path}.Trigger", TRIGGER_TYPES) or workflow_trigger["Type"],
                "Cron": kept_trigger.get("Cron", workflow_trigger.get("Cron")),
                "StartTime": kept_trigger.get("StartTime", TRIGGER_DEFAULTS["startTime"]),
                "EndTime": kept_trigger.get("EndTime", TRIGGER_DEFAULTS["endTime"]),
                "Recurrence": _choice(trigger, "Recurrence", f"{path}.Trigger", RECURRENCES, required=True),
            },
            "RuntimeResource": {
                "ResourceGroupId": _text(resource, "ResourceGroupId", f"{path}.RuntimeResource", required=True),
                "Cu": _text(resource, "Cu", f"{path}.RuntimeResource"),
                "Image": _text(resource, "Image", f"{path}.RuntimeResource"),
            },
            "DataSource": {"Name": _text(datasource, "Name", f"{path}.DataSource")} if datasource.get("Name") else None,
            "Script": {
                "Content": _text(script, "Content", f"{path}.Script"),
                "Parameters": _text(script, "Parameters", f"{path}.Script") or None,
            },
            "Inputs": {"Variables": _variables(inputs.get("Variables"), f"{path}.Inputs.Variables")},
            "Outputs": {
                "TaskOutputs": outputs_body(outputs, f"{path}.Outputs"),
                "Variables": _variables(outputs.get("Variables"), f"{path}.Outputs.Variables"),
            },
            "Tags": tags_body(item.get("Tags"), f"{path}.Tags"),
            "Dependencies": dependencies_body(item.get("Dependencies"), f"{path}.Dependencies"),
        }
    )
    return TaskRequest(
        id=_number(item, "Id", path),
        body=body,
        baseline_id=_number(item, "BaseLineId", path),
        client_unique_code=_text(item, "ClientUniqueCode", path),
    )
