"""Validation rules of one workflow file: each problem names the JSON path and the fix."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from controller.spec.flowspec import parse_flowspec
from controller.spec.validate import check_syncable, is_not_syncable, validate_document

from .conftest import node, workflow


def _messages(data: dict[str, Any], *, warnings: bool = False) -> list[str]:
    facts = validate_document(parse_flowspec(data, file="wf.json"), file="wf.json")
    return [f"{p.path}: {p.message}" for p in facts.problems if warnings or p.is_error]


def _warnings(data: dict[str, Any]) -> list[str]:
    facts = validate_document(parse_flowspec(data, file="wf.json"), file="wf.json")
    return [f"{p.path}: {p.message}" for p in facts.problems if not p.is_error]


def test_a_complete_workflow_has_no_problems() -> None:
    data = workflow(
        nodes=[node("a", id="1", outputs={"nodeOutputs": [{"data": "p.a_out"}]}), node("b")],
        trigger={"type": "Scheduler", "cron": "00 00 02 * * ?", "startTime": "1970-01-01 00:00:00"},
        strategy={"instanceMode": "T+1", "rerunMode": "Allowed", "rerunTimes": 3},
        dependencies=[{"nodeId": "b", "depends": [{"type": "Normal", "output": "p.a_out"}]}],
        tags=[{"key": "team", "value": "sales"}],
    )
    assert _messages(data, warnings=True) == []


def test_names_and_node_types_are_required() -> None:
    data = workflow(name="", nodes=[{"script": {"content": "x"}}, {"name": "b"}])
    assert _messages(data) == [
        "$.spec.workflows[0].name: workflow has no name",
        "$.spec.workflows[0].nodes[0].name: node has no name",
        "$.spec.workflows[0].nodes[0].script.runtime.command: node has no type",
        "$.spec.workflows[0].nodes[1].script: node has no script",
    ]


def test_node_names_and_ids_are_unique_in_a_workflow() -> None:
    data = workflow(nodes=[node("a", id="1"), node("a", id="1"), node("b", id="1")])
    assert _messages(data) == [
        "$.spec.workflows[0].nodes[1].name: node name 'a' is also used by nodes[0]",
        "$.spec.workflows[0].nodes[1].id: node id '1' is also used by nodes[0]",
        "$.spec.workflows[0].nodes[2].id: node id '1' is also used by nodes[0]",
    ]


def test_enums_are_checked_case_sensitively() -> None:
    data = workflow(
        nodes=[node("a", recurrence="normal", instanceMode="Tomorrow", rerunMode="AllAllowed")],
        trigger={"type": "Periodic"},
        strategy={"rerunMode": "Never"},
        dependencies=[{"nodeId": "a", "depends": [{"type": "CrossCycle"}]}],
    )
    assert _messages(data) == [
        "$.spec.workflows[0].trigger.type: 'Periodic' is not one of Scheduler, Manual",
        "$.spec.workflows[0].strategy.rerunMode: 'Never' is not one of Allowed, Denied, FailureAllowed",
        "$.spec.workflows[0].nodes[0].recurrence: 'normal' is not one of Normal, Skip, Pause",
        "$.spec.workflows[0].nodes[0].instanceMode: 'Tomorrow' is not one of T+1, Immediately",
        "$.spec.workflows[0].nodes[0].rerunMode: 'AllAllowed' is not one of Allowed, Denied, FailureAllowed",
        "$.spec.workflows[0].dependencies[0].depends[0].type: 'CrossCycle' is not one of Normal, "
        "CrossCycleDependsOnChildren, CrossCycleDependsOnSelf, CrossCycleDependsOnOtherNode",
    ]


def test_trigger_times_zones_and_counters_are_checked() -> None:
    data = workflow(
        nodes=[node("a", timeout=-1, trigger={"cron": "00 00 25 * * ?"})],
        trigger={
            "cron": "00 00 02 * * ?",
            "startTime": "2030-01-01 00:00:00",
            "endTime": "2020-01-01",
            "timezone": "Mars/Olympus",
            "delaySeconds": -5,
        },
    )
    assert _messages(data) == [
        "$.spec.workflows[0].trigger.endTime: '2020-01-01' is not a time",
        "$.spec.workflows[0].trigger.endTime: endTime is before startTime",
        "$.spec.workflows[0].trigger.timezone: unknown time zone 'Mars/Olympus'",
        "$.spec.workflows[0].trigger.delaySeconds: -5 is negative",
        "$.spec.workflows[0].nodes[0].trigger.cron: invalid cron '00 00 25 * * ?': hours: 25 is outside 0-23",
        "$.spec.workflows[0].nodes[0].timeout: -1 is negative",
    ]


def test_tags_need_keys_unique_and_not_the_controllers_own() -> None:
    data = workflow(tags=[{"value": "x"}, {"key": "team"}, {"key": "team"}, {"key": "dataworks-gitops/owner"}])
    assert _messages(data) == [
        "$.spec.workflows[0].tags[0].key: tag has no key",
        "$.spec.workflows[0].tags[2].key: tag key 'team' appears twice",
        "$.spec.workflows[0].tags[3].key: tag key 'dataworks-gitops/owner' is reserved",
    ]


def test_dependencies_resolve_node_ids_and_names_and_declared_outputs() -> None:
    data = workflow(
        nodes=[node("a", id="100"), node("b", outputs={"nodeOutputs": [{"data": "p.b_out"}]}), node("c")],
        dependencies=[
            {"nodeId": "100", "depends": [{"type": "Normal", "output": "p.b_out"}]},
            {"nodeId": "c", "depends": [{"type": "Normal", "output": "100"}, {"type": "CrossCycleDependsOnSelf"}]},
        ],
    )
    facts = validate_document(parse_flowspec(data, file="wf.json"), file="wf.json")
    assert facts.problems == []
    assert facts.external == []


def test_dependency_mistakes_are_named() -> None:
    data = workflow(
        nodes=[node("a"), node("b")],
        dependencies=[
            {"nodeId": "zz", "depends": []},
            {"nodeId": "b", "depends": [{"type": "Normal"}, {"type": "Normal", "output": "a"}]},
            {"nodeId": "b", "depends": []},
            {"depends": []},
        ],
    )
    assert _messages(data) == [
        "$.spec.workflows[0].dependencies[0].nodeId: no node 'zz' in this workflow",
        "$.spec.workflows[0].dependencies[1].depends[0].output: Normal dependency has no output",
        "$.spec.workflows[0].dependencies[1].depends[1].output: 'a' is a node name, not an output",
        "$.spec.workflows[0].dependencies[2].nodeId: node 'b' already has dependencies[1]",
        "$.spec.workflows[0].dependencies[3].nodeId: dependency has no nodeId",
    ]


def test_outputs_not_declared_here_are_left_to_the_repository_check() -> None:
    data = workflow(nodes=[node("a")], dependencies=[{"nodeId": "a", "depends": [{"output": "other.x_out"}]}])
    facts = validate_document(parse_flowspec(data, file="wf.json"), file="wf.json")
    assert [(r.output, r.path) for r in facts.external] == [
        ("other.x_out", "$.spec.workflows[0].dependencies[0].depends[0].output")
    ]


def test_a_cycle_of_normal_dependencies_is_named_in_order() -> None:
    nodes = [node(n, id=str(i)) for i, n in enumerate(["a", "b", "c", "d"])]
    edges = {"b": "0", "c": "1", "a": "2", "d": "3"}  # a→b→c→a, and d on itself
    data = workflow(
        nodes=nodes,
        dependencies=[{"nodeId": k, "depends": [{"type": "Normal", "output": v}]} for k, v in edges.items()],
    )
    assert _messages(data) == [
        "$.spec.workflows[0].dependencies[0]: dependency cycle: a → b → c → a",
        "$.spec.workflows[0].dependencies[3]: dependency cycle: d → d",
    ]


def test_cross_cycle_dependencies_do_not_make_cycles() -> None:
    data = workflow(
        nodes=[node("a", id="1"), node("b", id="2")],
        dependencies=[
            {"nodeId": "b", "depends": [{"type": "Normal", "output": "1"}]},
            {"nodeId": "a", "depends": [{"type": "CrossCycleDependsOnOtherNode", "output": "2"}]},
        ],
    )
    assert _messages(data) == []


def test_a_long_chain_is_checked_without_recursion() -> None:
    count = 5000
    nodes = [node(f"n{i}", id=str(i)) for i in range(count)]
    deps = [{"nodeId": f"n{i}", "depends": [{"type": "Normal", "output": str(i - 1)}]} for i in range(1, count)]
    deps.append({"nodeId": "n0", "depends": [{"type": "Normal", "output": str(count - 1)}]})
    messages = _messages(workflow(nodes=nodes, dependencies=deps))
    assert len(messages) == 1
    assert messages[0].startswith("$.spec.workflows[0].dependencies[0]: dependency cycle: n0 → n1 → n2")


def test_template_references_are_refused_in_a_syncable_workflow() -> None:
    data = workflow(nodes=[{"name": "a", "script": "{{scripts.a}}", "trigger": "{{triggers.t}}"}])
    assert _messages(data) == [
        "$.spec.workflows[0].nodes[0].script: '{{scripts.a}}' is a template reference",
        "$.spec.workflows[0].nodes[0].trigger: '{{triggers.t}}' is a template reference",
    ]


def test_a_workflow_runs_the_workflow_command() -> None:
    data = workflow(nodes=[node("a")], script={"runtime": {"command": "ODPS_SQL"}})
    assert _messages(data) == ["$.spec.workflows[0].script.runtime.command: 'ODPS_SQL' on a workflow"]


def test_doubtful_but_legal_choices_are_warnings() -> None:
    data = workflow(nodes=[node("a")], trigger={"type": "Manual"})
    assert _messages(data) == []
    assert _warnings(data) == [
        "$.spec.workflows[0].trigger.type: Manual trigger on a CycleWorkflow",
        "$.spec.workflows[0].trigger.cron: scheduled workflow has no cron",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "Node", "spec": {}}, "not syncable: kind 'Node' is not a workflow"),
        ({"kind": "CycleWorkflow", "spec": {"nodes": [], "flow": []}}, "not syncable: a node-level spec"),
        ({"kind": "CycleWorkflow", "spec": {"datasources": []}}, "not syncable: a spec without workflows"),
        ({"kind": "ManualWorkflow", "spec": {"workflows": [{}, {}]}}, "not syncable: 2 workflows in one file"),
        ({"kind": "ManualWorkflow", "spec": {"workflows": []}}, "not syncable: 0 workflows in one file"),
    ],
)
def test_files_that_are_not_one_workflow_are_not_syncable(data: dict[str, Any], message: str) -> None:
    problems = check_syncable(data, file="x.json")
    assert len(problems) == 1
    assert problems[0].message.startswith(message)
    assert is_not_syncable(problems[0])


def test_one_workflow_of_either_kind_is_syncable() -> None:
    assert check_syncable({"kind": "ManualWorkflow", "spec": {"workflows": [{}]}}, file="x.json") == []
    assert check_syncable(workflow(), file="x.json") == []


def test_failure_strategy_is_break_or_continue() -> None:
    for value in ("Break", "Continue"):
        assert _messages(workflow(nodes=[node("a")], strategy={"failureStrategy": value})) == []
    data = workflow(nodes=[node("a")], strategy={"failureStrategy": "break"})
    facts = validate_document(parse_flowspec(data, file="wf.json"), file="wf.json")
    assert [str(p) for p in facts.problems] == [
        "wf.json: $.spec.workflows[0].strategy.failureStrategy: 'break' is not one of Break, Continue "
        "(values are case-sensitive)"
    ]


#: Where each enum DataWorks checks on import sits, and a document that puts a bad value there.
_ENUM_SITES: dict[str, tuple[str, dict[str, Any]]] = {
    "workflow trigger type": ("$.spec.workflows[0].trigger.type", {"trigger": {"type": "X"}}),
    "workflow instanceMode": ("$.spec.workflows[0].strategy.instanceMode", {"strategy": {"instanceMode": "X"}}),
    "workflow rerunMode": ("$.spec.workflows[0].strategy.rerunMode", {"strategy": {"rerunMode": "X"}}),
    "workflow failureStrategy": (
        "$.spec.workflows[0].strategy.failureStrategy", {"strategy": {"failureStrategy": "X"}},
    ),
    "node recurrence": ("$.spec.workflows[0].nodes[0].recurrence", {"node": {"recurrence": "X"}}),
    "node instanceMode": ("$.spec.workflows[0].nodes[0].instanceMode", {"node": {"instanceMode": "X"}}),
    "node rerunMode": ("$.spec.workflows[0].nodes[0].rerunMode", {"node": {"rerunMode": "X"}}),
    "node trigger type": ("$.spec.workflows[0].nodes[0].trigger.type", {"node": {"trigger": {"type": "X"}}}),
    "dependency type": (
        "$.spec.workflows[0].dependencies[0].depends[0].type",
        {"dependencies": [{"nodeId": "a", "depends": [{"type": "X", "output": "p.a_out"}]}]},
    ),
}


@pytest.mark.parametrize("site", sorted(_ENUM_SITES))
def test_every_enum_the_import_refuses_is_refused_before_the_import(site: str) -> None:
    # The simulator's import check is DataWorks' (docs/dataworks-api.md): a value it refuses must
    # fail `validate` offline, not an import job minutes later.
    from controller.simulator.flowspec_render import find_problems

    path, bad = _ENUM_SITES[site]
    fields = {"trigger": {"type": "Scheduler", "cron": "00 00 02 * * ?"}, **copy.deepcopy(bad)}
    node_fields = fields.pop("node", {})
    data = workflow(nodes=[node("a", outputs={"nodeOutputs": [{"data": "p.a_out"}]}, **node_fields)], **fields)
    assert [p.split(": ")[0] for p in find_problems(data)] == [path]
    assert [m.split(": ")[0] for m in _messages(data)] == [path]
