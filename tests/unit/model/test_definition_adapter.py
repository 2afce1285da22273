"""Git FlowSpec and live GetWorkflowDefinition map to the same model; real edits show at their path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from controller.errors import SpecError
from controller.model import Dependency, normalise
from controller.reconcile.diff import diff
from controller.spec.flowspec import parse_flowspec
from controller.spec.to_model import model_from_flowspec
from tests.unit.model.live import WORKFLOWS, definition_model, definition_spec, git_model, node_named, raw


@pytest.mark.parametrize("name", WORKFLOWS)
def test_the_fixture_is_what_the_server_renders(name: str) -> None:
    spec = definition_spec(name)
    workflow = spec["spec"]["workflows"][0]
    assert set(spec["metadata"]) == {"tenantId", "projectId", "uuid"}
    assert len(workflow["id"]) == 19
    assert workflow["id"].isdigit()
    assert all(len(n["id"]) == 19 and n["id"].isdigit() for n in workflow["nodes"])
    assert all(str(d["nodeId"]).isdigit() for d in workflow["dependencies"])
    assert workflow["strategy"]["rerunInterval"] == 180000
    assert "path" in workflow["script"]


@pytest.mark.parametrize("name", WORKFLOWS)
def test_a_live_definition_does_not_drift_from_the_git_spec_it_came_from(name: str) -> None:
    live = definition_model(name)
    assert diff(git_model(name, default_owner=live.owner), live) == []


def test_the_seed_keeps_its_dependency_through_the_server_id_rewrite() -> None:
    git, live = git_model("seed"), definition_model("seed")
    assert git.tasks["222"].dependencies == live.tasks["222"].dependencies == {Dependency("Normal", "task:111")}
    # The nodes' own-id outputs are default outputs: implied, so absent on both sides.
    assert git.tasks["111"].outputs == live.tasks["111"].outputs == frozenset()


def test_unset_in_git_equals_the_documented_default() -> None:
    sparse = {
        "version": "1.1.0",
        "kind": "CycleWorkflow",
        "spec": {
            "workflows": [
                {
                    "name": "wf",
                    "trigger": {"cron": "0 0 2 * * ?"},
                    "nodes": [{"name": "a", "script": {"runtime": {"command": "ODPS_SQL"}}}],
                }
            ]
        },
    }
    explicit = copy.deepcopy(sparse)
    workflow = explicit["spec"]["workflows"][0]
    workflow.update(
        owner="42",
        trigger={"type": "Scheduler", "cron": "00 00 02 * * ?", "startTime": "1970-01-01 00:00:00",
                 "endTime": "9999-01-01 00:00:00", "timezone": "Asia/Shanghai", "delaySeconds": 0},
        strategy={"timeout": 0, "instanceMode": "T+1", "rerunMode": "Allowed", "rerunTimes": 3,
                  "rerunInterval": 180000, "failureStrategy": "Break"},
    )
    workflow["nodes"][0].update(
        owner="42", recurrence="Normal", timeout=0, instanceMode="T+1", rerunMode="Allowed", rerunTimes=3,
        rerunInterval=180000, trigger={"type": "Scheduler", "cron": "00 00 02 * * ?"},
    )
    assert git_model("x", default_owner="42", doc=sparse) == git_model("x", default_owner="0", doc=explicit)


def test_a_manual_workflow_defaults_to_manual_triggers() -> None:
    doc = {"version": "1.1.0", "kind": "ManualWorkflow", "spec": {"workflows": [
        {"name": "wf", "nodes": [{"name": "a", "script": {"runtime": {"command": "DIDE_SHELL"}}}]}]}}
    model = git_model("x", doc=doc)
    assert (model.kind, model.trigger.type, model.tasks["a"].trigger.type) == ("ManualWorkflow", "Manual", "Manual")


def _doc(dependencies: list[dict[str, Any]]) -> dict[str, Any]:
    nodes = [
        {"id": "7000000000000000001", "name": "a", "script": {"runtime": {"command": "ODPS_SQL"}},
         "outputs": {"nodeOutputs": [{"data": "proj.a_out"}]}},
        {"id": "7000000000000000002", "name": "b", "script": {"runtime": {"command": "ODPS_SQL"}}},
    ]
    return {"version": "1.1.0", "kind": "CycleWorkflow",
            "spec": {"workflows": [{"name": "wf", "nodes": nodes, "dependencies": dependencies}]}}


@pytest.mark.parametrize(
    ("node_ref", "output", "upstream"),
    [
        ("b", "proj.a_out", "task:a"),  # nodeId by name, a declared output
        ("7000000000000000002", "proj.a_out", "task:a"),  # nodeId by id
        ("b", "7000000000000000001", "task:a"),  # output = the upstream node's id
        ("b", "crm.dim_customer_out", "output:crm.dim_customer_out"),  # another workflow's output
        ("b", "a", "output:a"),  # a node NAME is not an output string
    ],
)
def test_dependencies_resolve_as_contracted(node_ref: str, output: str, upstream: str) -> None:
    model = git_model("x", doc=_doc([{"nodeId": node_ref, "depends": [{"type": "Normal", "output": output}]}]))
    assert model.tasks["b"].dependencies == {Dependency("Normal", upstream)}


def test_rerun_interval_is_held_in_seconds() -> None:
    model = git_model("daily_sales")
    assert model.tasks["dws_sales_daily"].rerun_interval_seconds == 60
    assert model.tasks["ods_orders"].rerun_interval_seconds == 180


def test_resource_group_id_stands_in_for_a_missing_resource_group() -> None:
    assert git_model("daily_sales").tasks["dws_sales_daily"].runtime_resource.resource_group == "57163"


def test_models_from_the_adapter_are_already_normal() -> None:
    model = git_model("daily_sales")
    assert normalise(model) == model
    assert model.tasks["ods_orders"].script.content.endswith('${bizdate}"')  # CRLF and final newline gone


def _edited(edit: Any) -> Any:
    spec = definition_spec("daily_sales")
    edit(spec)
    return definition_model("daily_sales", spec)


def test_a_console_cron_edit_shows_at_the_trigger() -> None:
    live = _edited(lambda s: s["spec"]["workflows"][0]["trigger"].update(cron="00 30 04 * * ?"))
    assert diff(git_model("daily_sales", default_owner=live.owner), live).paths == ("/trigger/cron",)


def test_a_console_script_edit_shows_at_the_tasks_content() -> None:
    def edit(spec: dict[str, Any]) -> None:
        script = node_named(spec, "dwd_sales_clean")["script"]
        script["content"] = script["content"].replace("amount > 0", "amount >= 0")

    live = _edited(edit)
    [change] = diff(git_model("daily_sales", default_owner=live.owner), live)
    assert change.path == "/tasks/dwd_sales_clean/script/content"
    assert change.unified is not None
    assert "+  AND amount > 0;" in change.unified


def test_a_removed_dependency_shows_at_that_tasks_dependencies() -> None:
    def edit(spec: dict[str, Any]) -> None:
        target = node_named(spec, "dws_sales_daily")["id"]
        for entry in spec["spec"]["workflows"][0]["dependencies"]:
            if entry["nodeId"] == target:
                entry["depends"] = [d for d in entry["depends"] if d["output"] != "crm.dim_customer_out"]

    live = _edited(edit)
    [change] = diff(git_model("daily_sales", default_owner=live.owner), live)
    assert change.path == "/tasks/dws_sales_daily/dependencies"
    assert {"type": "CrossCycleDependsOnOtherNode", "upstream": "output:crm.dim_customer_out"} in change.after
    assert {"type": "CrossCycleDependsOnOtherNode", "upstream": "output:crm.dim_customer_out"} not in change.before


def test_a_document_without_a_workflow_is_refused_by_path() -> None:
    doc = parse_flowspec({"version": "1.1.0", "kind": "CycleWorkflow", "spec": {"nodes": []}}, file="x.json")
    with pytest.raises(SpecError, match=r"spec\.workflows"):
        model_from_flowspec(doc, file="x.json")


def test_a_kind_that_is_not_a_workflow_is_refused() -> None:
    doc = parse_flowspec(raw("seed", "flowspec") | {"kind": "Node"}, file="x.json")
    with pytest.raises(SpecError, match="CycleWorkflow or ManualWorkflow"):
        model_from_flowspec(doc, file="x.json")
