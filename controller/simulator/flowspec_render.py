"""FlowSpec as DataWorks checks and renders it on ImportWorkflowDefinition.

Sits under ``definitions.py``: :func:`find_problems` is the server-side validation (each problem
names its JSON path, ``$.spec.workflows[0].nodes[1].script.runtime.command``), and
:func:`render_definition` turns an accepted document into what ``GetWorkflowDefinition`` returns:
the first workflow only, server-assigned ids (19-digit strings) for everything new, dependencies
that named nodes by old id or by name re-pointed at the new ids, the server defaults of
``notes/contracts.md`` filled in and ``metadata{tenantId, projectId, uuid}`` added. Unknown fields
are kept as they came.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Collection
from typing import Any

from controller.simulator.errors import InvalidParameter

WORKFLOW_KINDS = frozenset({"CycleWorkflow", "ManualWorkflow"})
TRIGGER_TYPES = frozenset({"Scheduler", "Manual"})
INSTANCE_MODES = frozenset({"T+1", "Immediately"})
RERUN_MODES = frozenset({"Allowed", "Denied", "FailureAllowed"})
RECURRENCES = frozenset({"Normal", "Pause", "Skip"})
FAILURE_STRATEGIES = frozenset({"Break", "Continue"})
DEPENDENCY_TYPES = frozenset(
    {"Normal", "CrossCycleDependsOnChildren", "CrossCycleDependsOnSelf", "CrossCycleDependsOnOtherNode"}
)

TRIGGER_DEFAULTS: dict[str, Any] = {
    "startTime": "1970-01-01 00:00:00",
    "endTime": "9999-01-01 00:00:00",
    "timezone": "Asia/Shanghai",
    "delaySeconds": 0,
}
STRATEGY_DEFAULTS: dict[str, Any] = {
    "timeout": 0,
    "instanceMode": "T+1",
    "rerunMode": "Allowed",
    "rerunTimes": 3,
    "rerunInterval": 180000,
    "failureStrategy": "Break",
}
NODE_DEFAULTS: dict[str, Any] = {
    "recurrence": "Normal",
    "timeout": 0,
    "instanceMode": "T+1",
    "rerunMode": "Allowed",
    "rerunTimes": 3,
    "rerunInterval": 180000,
}


def parse_document(text: str) -> dict[str, Any]:
    """The Spec parameter as a JSON object; a synchronous 400 when it is not even JSON."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidParameter(
            f"Spec is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); send a FlowSpec document.",
            code="InvalidParameter.Spec",
        ) from None
    if not isinstance(document, dict):
        raise InvalidParameter("Spec must be a JSON object (a FlowSpec document).", code="InvalidParameter.Spec")
    return document


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, "must be an object")
            return {}
        return value

    def listing(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "must be an array")
            return []
        return value

    def name(self, obj: dict[str, Any], path: str, what: str) -> str | None:
        value = obj.get("name")
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}.name", f"required: every {what} needs a non-empty name")
            return None
        return value

    def enum(self, obj: dict[str, Any], key: str, allowed: Collection[str], path: str) -> None:
        value = obj.get(key)
        if value is not None and value not in allowed:
            self.add(f"{path}.{key}", f"{value!r} is not one of {', '.join(sorted(allowed))}")

    def count(self, obj: dict[str, Any], key: str, path: str) -> None:
        value = obj.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            self.add(f"{path}.{key}", f"must be a non-negative integer; got {value!r}")


def find_problems(document: dict[str, Any]) -> list[str]:
    """Everything DataWorks would reject in this document, each as ``<JSON path>: <what and fix>``."""
    check = _Checker()
    check.enum(document, "kind", WORKFLOW_KINDS, "$")
    spec = check.mapping(document.get("spec"), "$.spec")
    workflows = check.listing(spec.get("workflows"), "$.spec.workflows")
    if not workflows:
        check.add("$.spec.workflows", "required: the document must hold one workflow in spec.workflows")
        return check.problems
    base = "$.spec.workflows[0]"
    if not isinstance(workflows[0], dict):
        check.add(base, "must be an object")
        return check.problems
    workflow: dict[str, Any] = workflows[0]
    check.name(workflow, base, "workflow")
    script = check.mapping(workflow.get("script"), f"{base}.script")
    command = check.mapping(script.get("runtime"), f"{base}.script.runtime").get("command")
    if command not in (None, "WORKFLOW"):
        check.add(f"{base}.script.runtime.command", f"a workflow's command is WORKFLOW; got {command!r}")
    _check_trigger(check, workflow.get("trigger"), f"{base}.trigger")
    strategy = check.mapping(workflow.get("strategy"), f"{base}.strategy")
    check.enum(strategy, "instanceMode", INSTANCE_MODES, f"{base}.strategy")
    check.enum(strategy, "rerunMode", RERUN_MODES, f"{base}.strategy")
    check.enum(strategy, "failureStrategy", FAILURE_STRATEGIES, f"{base}.strategy")
    for key in ("timeout", "rerunTimes", "rerunInterval"):
        check.count(strategy, key, f"{base}.strategy")
    _check_named_list(check, script.get("parameters"), f"{base}.script.parameters", "name")
    _check_named_list(check, workflow.get("tags"), f"{base}.tags", "key")
    refs = _check_nodes(check, check.listing(workflow.get("nodes"), f"{base}.nodes"), base)
    _check_dependencies(check, check.listing(workflow.get("dependencies"), f"{base}.dependencies"), base, refs)
    return check.problems


def _check_trigger(check: _Checker, value: Any, path: str) -> None:
    trigger = check.mapping(value, path)
    check.enum(trigger, "type", TRIGGER_TYPES, path)
    check.count(trigger, "delaySeconds", path)


def _check_named_list(check: _Checker, value: Any, path: str, key: str) -> None:
    for index, item in enumerate(check.listing(value, path)):
        entry = check.mapping(item, f"{path}[{index}]")
        if not isinstance(entry.get(key), str) or not entry.get(key):
            check.add(f"{path}[{index}].{key}", f"required: every entry needs a non-empty {key}")


def _check_nodes(check: _Checker, nodes: list[Any], base: str) -> set[str]:
    """Check each node; return the references (ids and names) dependencies may use."""
    refs: set[str] = set()
    seen_names: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for index, item in enumerate(nodes):
        path = f"{base}.nodes[{index}]"
        node = check.mapping(item, path)
        name = check.name(node, path, "node")
        if name is not None:
            if name in seen_names:
                check.add(f"{path}.name", f"duplicate node name {name!r} (also nodes[{seen_names[name]}]); rename one")
            seen_names.setdefault(name, index)
            refs.add(name)
        if node.get("id") is not None:
            node_id = str(node["id"])
            if node_id in seen_ids:
                check.add(f"{path}.id", f"duplicate node id {node_id} (also nodes[{seen_ids[node_id]}])")
            seen_ids.setdefault(node_id, index)
            refs.add(node_id)
        script = check.mapping(node.get("script"), f"{path}.script")
        runtime = check.mapping(script.get("runtime"), f"{path}.script.runtime")
        command = runtime.get("command")
        if not isinstance(command, str) or not command:
            check.add(f"{path}.script.runtime.command", "required: the node type, e.g. ODPS_SQL or DIDE_SHELL")
        if script.get("content") is not None and not isinstance(script.get("content"), str):
            check.add(f"{path}.script.content", "must be a string")
        check.enum(node, "recurrence", RECURRENCES, path)
        check.enum(node, "instanceMode", INSTANCE_MODES, path)
        check.enum(node, "rerunMode", RERUN_MODES, path)
        for key in ("timeout", "rerunTimes", "rerunInterval"):
            check.count(node, key, path)
        _check_trigger(check, node.get("trigger"), f"{path}.trigger")
        _check_named_list(check, script.get("parameters"), f"{path}.script.parameters", "name")
        _check_named_list(check, node.get("tags"), f"{path}.tags", "key")
    return refs


def _check_dependencies(check: _Checker, dependencies: list[Any], base: str, refs: set[str]) -> None:
    for index, item in enumerate(dependencies):
        path = f"{base}.dependencies[{index}]"
        dependency = check.mapping(item, path)
        node_ref = dependency.get("nodeId")
        if node_ref is None or str(node_ref) not in refs:
            check.add(f"{path}.nodeId", f"unknown node {node_ref!r}; name a node of this workflow by id or name")
        for j, upstream in enumerate(check.listing(dependency.get("depends"), f"{path}.depends")):
            entry = check.mapping(upstream, f"{path}.depends[{j}]")
            check.enum(entry, "type", DEPENDENCY_TYPES, f"{path}.depends[{j}]")
            if not isinstance(entry.get("output"), str | int) or entry.get("output") in ("", None):
                check.add(f"{path}.depends[{j}].output", "required: the upstream output (or node id) depended on")


def fill_workflow_defaults(workflow: dict[str, Any], kind: str, owner_uid: str) -> None:
    """Fill the workflow-level server defaults in place (contracts.md, "Server-side defaults")."""
    workflow.setdefault("owner", owner_uid)
    script = workflow.setdefault("script", {})
    script.setdefault("path", workflow.get("name", ""))
    script.setdefault("runtime", {}).setdefault("command", "WORKFLOW")
    trigger = workflow.setdefault("trigger", {})
    trigger.setdefault("type", "Manual" if kind == "ManualWorkflow" else "Scheduler")
    for key, value in TRIGGER_DEFAULTS.items():
        trigger.setdefault(key, value)
    strategy = workflow.setdefault("strategy", {})
    for key, value in STRATEGY_DEFAULTS.items():
        strategy.setdefault(key, value)


def fill_node_defaults(node: dict[str, Any], workflow: dict[str, Any]) -> None:
    """Fill a node's server defaults in place; the workflow's own defaults must be filled first."""
    for key, value in NODE_DEFAULTS.items():
        node.setdefault(key, value)
    node.setdefault("owner", workflow.get("owner"))
    script = node.setdefault("script", {})
    script.setdefault("path", f"{workflow['script']['path']}/{node.get('name', '')}")
    trigger = node.setdefault("trigger", {})
    trigger.setdefault("type", workflow["trigger"]["type"])
    if "cron" in workflow["trigger"]:
        trigger.setdefault("cron", workflow["trigger"]["cron"])
    for key, value in TRIGGER_DEFAULTS.items():
        trigger.setdefault(key, value)


def render_definition(
    document: dict[str, Any],
    *,
    definition_id: str,
    known_node_ids: Collection[str],
    new_id: Callable[[], str],
    owner_uid: str,
    project_id: int,
    tenant_id: str,
) -> dict[str, Any]:
    """The stored rendering of an accepted document (see the module docstring)."""
    rendered = copy.deepcopy(document)
    kind = rendered.setdefault("kind", "CycleWorkflow")
    rendered.setdefault("version", "1.1.0")
    spec = rendered["spec"]
    workflow = spec["workflows"][0]
    spec["workflows"] = [workflow]
    remap: dict[str, str] = {}
    if workflow.get("id") is not None and str(workflow["id"]) != definition_id:
        remap[str(workflow["id"])] = definition_id
    workflow["id"] = definition_id
    if "id" in spec:
        spec["id"] = definition_id
    nodes = workflow.setdefault("nodes", [])
    by_name: dict[str, str] = {}
    for node in nodes:
        old = None if node.get("id") is None else str(node["id"])
        node_id = old if old is not None and old in known_node_ids else new_id()
        if old is not None and old != node_id:
            remap[old] = node_id
        node["id"] = node_id
        by_name[node["name"]] = node_id
    current = set(by_name.values())
    for dependency in workflow.setdefault("dependencies", []):
        ref = str(dependency["nodeId"])
        dependency["nodeId"] = remap.get(ref) or (ref if ref in current else by_name[ref])
        for upstream in dependency.setdefault("depends", []):
            upstream["output"] = remap.get(str(upstream["output"]), str(upstream["output"]))
            upstream.setdefault("type", "Normal")
    for holder in [workflow, *nodes]:
        for output in (holder.get("outputs") or {}).get("nodeOutputs") or []:
            if isinstance(output, dict) and str(output.get("data")) in remap:
                output["data"] = remap[str(output["data"])]
    fill_workflow_defaults(workflow, kind, owner_uid)
    for node in nodes:
        fill_node_defaults(node, workflow)
    rendered["metadata"] = {"tenantId": tenant_id, "projectId": str(project_id), "uuid": definition_id}
    return rendered


def spec_text(rendered: dict[str, Any], *, include_script_content: bool) -> str:
    """The ``Spec`` string GetWorkflowDefinition returns; node scripts only when asked for."""
    if not include_script_content:
        rendered = copy.deepcopy(rendered)
        for node in rendered["spec"]["workflows"][0].get("nodes", []):
            node.get("script", {}).pop("content", None)
    return json.dumps(rendered, ensure_ascii=False)
