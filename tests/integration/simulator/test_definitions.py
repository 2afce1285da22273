"""Workflow definitions: import jobs validate like DataWorks (errors name the JSON path), upsert by
id, fill the server defaults, re-point dependencies at assigned ids, and list in pages of ≤ 100."""

from __future__ import annotations

import json
from typing import Any

import pytest

from controller.simulator.testing import SimulatorProcess
from tests.integration.simulator.helpers import flowspec, node, raw_import, raw_job, raw_spec
from tests.integration.simulator.rawclient import RawClient


@pytest.mark.parametrize(
    ("broken", "path"),
    [
        (flowspec(nodes=[node("a"), {"name": "b", "script": {"content": "x"}}]), "nodes[1].script.runtime.command"),
        (flowspec(nodes=[node("a"), node("a")]), "nodes[1].name"),
        (flowspec(nodes=[node("a"), {"script": {"runtime": {"command": "ODPS_SQL"}}}]), "nodes[1].name"),
        (flowspec(nodes=[node("a")], dependencies=[{"nodeId": "ghost", "depends": []}]), "dependencies[0].nodeId"),
        (flowspec(nodes=[node("a", rerunMode="Sometimes")]), "nodes[0].rerunMode"),
        ({"kind": "CycleWorkflow", "spec": {"workflows": [{"nodes": []}]}}, "workflows[0].name"),
        ({"kind": "CycleWorkflow", "spec": {"nodes": []}}, "$.spec.workflows"),
    ],
)
def test_a_spec_dataworks_would_reject_fails_the_job_naming_the_json_path(
    raw: RawClient, broken: dict[str, Any], path: str
) -> None:
    job = raw_import(raw, broken)
    assert (job["Status"], job["Completed"]) == ("Running", False)
    status = _wait(raw, job["Id"])
    assert (status["Status"], status["Completed"]) == ("Fail", "True")
    assert path in status["Error"]
    assert status["Error"].startswith("$.spec")


def _wait(raw: RawClient, job_id: str) -> dict[str, Any]:
    import time

    for _ in range(200):
        status = raw_job(raw, job_id)
        if status["Completed"] == "True":
            return status
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never completed")


def test_an_unknown_job_is_a_404(raw: RawClient) -> None:
    response = raw.call("GetJobStatus", method="GET", query={"JobId": "123"})
    assert (response.status_code, response.json()["Code"]) == (404, "InvalidJob.NotFound")


def test_spec_that_is_not_json_is_refused_at_once(raw: RawClient) -> None:
    response = raw.call("ImportWorkflowDefinition", form={"ProjectId": raw.sim.project_id, "Spec": "{not json"})
    assert (response.status_code, response.json()["Code"]) == (400, "InvalidParameter.Spec")


def test_dry_run_writes_nothing_even_when_valid(fast: RawClient) -> None:
    job = raw_import(fast, flowspec(), DryRun="True")
    assert job["Status"] == "Success"
    listing = fast.ok("ListWorkflowDefinitions", method="GET", query={"ProjectId": fast.sim.project_id})
    assert listing["PagingInfo"]["TotalCount"] == 0
    assert fast.sim.state()["definitions"] == []


def test_server_defaults_are_filled_in(fast: RawClient, simulator: SimulatorProcess) -> None:
    minimal = {
        "kind": "CycleWorkflow",
        "spec": {"workflows": [{"name": "tiny", "trigger": {"cron": "00 00 05 * * ?"}, "nodes": [node("only")]}]},
    }
    stored = raw_spec(fast, raw_import(fast, minimal)["Response"])
    workflow = stored["spec"]["workflows"][0]
    assert workflow["trigger"] == {
        "cron": "00 00 05 * * ?",
        "type": "Scheduler",
        "startTime": "1970-01-01 00:00:00",
        "endTime": "9999-01-01 00:00:00",
        "timezone": "Asia/Shanghai",
        "delaySeconds": 0,
    }
    assert workflow["strategy"] == {
        "timeout": 0,
        "instanceMode": "T+1",
        "rerunMode": "Allowed",
        "rerunTimes": 3,
        "rerunInterval": 180000,
        "failureStrategy": "Break",
    }
    assert (workflow["owner"], workflow["script"]["path"], workflow["script"]["runtime"]["command"]) == (
        "1234567890123456",
        "tiny",
        "WORKFLOW",
    )
    only = workflow["nodes"][0]
    assert {
        k: only[k] for k in ("recurrence", "timeout", "instanceMode", "rerunMode", "rerunTimes", "rerunInterval")
    } == {
        "recurrence": "Normal",
        "timeout": 0,
        "instanceMode": "T+1",
        "rerunMode": "Allowed",
        "rerunTimes": 3,
        "rerunInterval": 180000,
    }
    assert (only["owner"], only["script"]["path"]) == ("1234567890123456", "tiny/only")
    assert (only["trigger"]["type"], only["trigger"]["cron"]) == ("Scheduler", "00 00 05 * * ?")
    assert stored["metadata"]["projectId"] == str(simulator.project_id)
    manual = raw_spec(fast, raw_import(fast, flowspec("by_hand", kind="ManualWorkflow", trigger={}))["Response"])
    assert manual["spec"]["workflows"][0]["trigger"]["type"] == "Manual"


def test_new_ids_are_assigned_and_dependencies_follow_them(fast: RawClient) -> None:
    document = flowspec(
        "ids",
        nodes=[
            node("a", id="local-a", outputs={"nodeOutputs": [{"data": "local-a"}]}),
            node("b", id="local-b"),
            node("c"),
        ],
        dependencies=[
            {"nodeId": "local-b", "depends": [{"type": "Normal", "output": "local-a"}]},
            {"nodeId": "c", "depends": [{"type": "Normal", "output": "local-b"}, {"output": "other_wf.out"}]},
        ],
        id="local-workflow",
    )
    job = raw_import(fast, document)
    stored = raw_spec(fast, job["Response"])["spec"]["workflows"][0]
    a, b, c = (n["id"] for n in stored["nodes"])
    assert stored["id"] == job["Response"]
    assert all(len(i) == 19 and int(i) > 2**53 for i in (a, b, c, stored["id"]))
    assert stored["nodes"][0]["outputs"]["nodeOutputs"][0]["data"] == a
    assert stored["dependencies"] == [
        {"nodeId": b, "depends": [{"type": "Normal", "output": a}]},
        {"nodeId": c, "depends": [{"type": "Normal", "output": b}, {"output": "other_wf.out", "type": "Normal"}]},
    ]


def test_reimporting_with_ids_upserts_nodes_and_drops_the_ones_left_out(fast: RawClient) -> None:
    definition_id = raw_import(fast, flowspec())["Response"]
    stored = raw_spec(fast, definition_id)
    workflow = stored["spec"]["workflows"][0]
    original_ids = {n["id"] for n in workflow["nodes"]}
    workflow["nodes"] = [workflow["nodes"][0], node("fresh")]
    workflow["dependencies"] = []
    job = raw_import(fast, stored)
    assert job["Response"] == definition_id
    nodes = raw_spec(fast, definition_id)["spec"]["workflows"][0]["nodes"]
    assert [n["name"] for n in nodes] == ["extract", "fresh"]
    assert nodes[0]["id"] == workflow["nodes"][0]["id"]
    assert nodes[1]["id"] not in original_ids


def test_a_second_workflow_at_the_same_path_fails_with_target_folder_exists(fast: RawClient) -> None:
    raw_import(fast, flowspec("dup"))
    job = raw_import(fast, flowspec("dup"))
    assert job["Status"] == "Fail"
    assert "target folder already exists: dup" in job["Error"]
    assert "$.spec.workflows[0].script.path" in job["Error"]


def test_modify_time_moves_on_a_change_and_not_on_an_identical_reimport(fast: RawClient) -> None:
    definition_id = raw_import(fast, flowspec())["Response"]
    first = _definition(fast, definition_id)
    stored = raw_spec(fast, definition_id)
    raw_import(fast, stored)
    assert _definition(fast, definition_id)["ModifyTime"] == first["ModifyTime"]
    stored["spec"]["workflows"][0]["description"] = "changed"
    raw_import(fast, stored)
    assert _definition(fast, definition_id)["ModifyTime"] > first["ModifyTime"]


def _definition(raw: RawClient, definition_id: str) -> dict[str, Any]:
    body: dict[str, Any] = raw.ok("GetWorkflowDefinition", method="GET", query={"Id": definition_id})
    return body["WorkflowDefinition"]


def test_list_workflow_definitions_pages_with_a_100_cap(fast: RawClient) -> None:
    for i in range(105):
        assert raw_import(fast, flowspec(f"wf_{i:03d}", nodes=[node("n")]))["Status"] == "Success"
    query = {"ProjectId": fast.sim.project_id, "PageSize": 500}
    first = fast.ok("ListWorkflowDefinitions", method="GET", query=query)["PagingInfo"]
    assert (first["TotalCount"], first["PageSize"], len(first["WorkflowDefinitions"])) == (105, 100, 100)
    second = fast.ok("ListWorkflowDefinitions", method="GET", query={**query, "PageNumber": 2})["PagingInfo"]
    assert [d["Name"] for d in second["WorkflowDefinitions"]] == [f"wf_{i:03d}" for i in range(100, 105)]
    default = fast.ok("ListWorkflowDefinitions", method="GET", query={"ProjectId": fast.sim.project_id})["PagingInfo"]
    assert (default["PageSize"], len(default["WorkflowDefinitions"])) == (10, 10)
    named = fast.ok("ListWorkflowDefinitions", method="GET", query={"ProjectId": fast.sim.project_id, "Name": "WF_10"})
    assert named["PagingInfo"]["TotalCount"] == 5


def test_an_unknown_project_is_a_404(raw: RawClient) -> None:
    response = raw.call("ListWorkflowDefinitions", method="GET", query={"ProjectId": 999})
    assert (response.status_code, response.json()["Code"]) == (404, "InvalidProject.NotFound")


def test_the_stored_spec_is_valid_json_with_unknown_fields_kept(fast: RawClient) -> None:
    document = flowspec("keep", nodes=[node("n", customField={"x": 1})], vendorExtension="kept")
    stored = raw_spec(fast, raw_import(fast, document)["Response"])
    workflow = stored["spec"]["workflows"][0]
    assert (workflow["vendorExtension"], workflow["nodes"][0]["customField"]) == ("kept", {"x": 1})
    assert json.loads(json.dumps(stored)) == stored


def test_fail_import_path_makes_only_matching_jobs_fail_and_writes_nothing(
    fast: RawClient, simulator: SimulatorProcess
) -> None:
    simulator.configure(fail_import_path="refused/*")
    refused = _wait(fast, raw_import(fast, flowspec("gamma", script={"path": "refused/gamma"}))["Id"])
    accepted = _wait(fast, raw_import(fast, flowspec("delta", script={"path": "ok/delta"}))["Id"])
    assert refused["Status"] == "Fail"
    assert refused["Error"].startswith("$.spec.workflows[0].script.path: the workspace refused 'refused/gamma'")
    assert accepted["Status"] == "Success"
    stored = [d["Spec"]["spec"]["workflows"][0]["script"]["path"] for d in simulator.state()["definitions"]]
    assert stored == ["ok/delta"]
