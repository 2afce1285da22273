"""UpdateWorkflow is a full update: what the request omits is gone, and the edit shows up in the
workflow definition (DataWorks syncs scheduler edits back to DataStudio)."""

from __future__ import annotations

from typing import Any

from tests.integration.simulator.helpers import flowspec, node, raw_deploy, raw_spec
from tests.integration.simulator.rawclient import RawClient, shrink

RESOURCE = {"resourceGroup": "S_res_group_prod"}


def _document() -> dict[str, Any]:
    nodes = [
        node("extract", runtimeResource=RESOURCE, outputs={"nodeOutputs": [{"data": "sales.extract"}]}),
        node(
            "transform",
            runtimeResource=RESOURCE,
            description="joins orders",
            tags=[{"key": "team", "value": "bi"}],
            inputs={"variables": [{"name": "bizdate", "type": "System", "value": "$bizdate"}]},
            outputs={"nodeOutputs": [{"data": "sales.transform"}]},
        ),
        node("load", command="DIDE_SHELL", runtimeResource=RESOURCE),
    ]
    dependencies = [
        {"nodeId": "transform", "depends": [{"type": "Normal", "output": "sales.extract"}]},
        {"nodeId": "load", "depends": [{"type": "Normal", "output": "sales.transform"}]},
    ]
    return flowspec("sales", nodes=nodes, dependencies=dependencies, description="nightly sales")


def _get(raw: RawClient, workflow_id: int) -> dict[str, Any]:
    workflow: dict[str, Any] = raw.ok("GetWorkflow", method="GET", query={"Id": workflow_id, "EnvType": "Prod"})[
        "Workflow"
    ]
    return workflow


def _task(raw: RawClient, task_id: int) -> dict[str, Any]:
    task: dict[str, Any] = raw.ok("GetTask", method="GET", query={"Id": task_id, "ProjectEnv": "Prod"})["Task"]
    return task


def _as_request(task: dict[str, Any]) -> dict[str, Any]:
    """A GetTask result turned into an UpdateWorkflow task that keeps everything."""
    return {
        "Id": task["Id"],
        "Name": task["Name"],
        "Owner": task["Owner"],
        "Type": task["Type"],
        "Description": task.get("Description"),
        "RerunMode": task["RerunMode"],
        "RerunTimes": task["RerunTimes"],
        "RerunInterval": task["RerunInterval"],
        "Timeout": task["Timeout"],
        "RuntimeResource": task["RuntimeResource"],
        "Trigger": {"Type": task["Trigger"]["Type"], "Recurrence": task["Trigger"]["Recurrence"]},
        "Script": task["Script"],
        "Inputs": task["Inputs"],
        "Outputs": task["Outputs"],
        "Tags": task["Tags"],
        "Dependencies": [{**d, "UpstreamTaskId": int(d["UpstreamTaskId"])} for d in task["Dependencies"]],
    }


def _form(workflow: dict[str, Any], tasks: list[dict[str, Any]] | None, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "Id": workflow["Id"],
        "Name": workflow["Name"],
        "Owner": workflow["Owner"],
        "EnvType": "Prod",
        "Description": workflow.get("Description", ""),
        "Trigger": shrink({"Type": "Scheduler", "Cron": workflow["Trigger"]["Cron"]}),
        **changes,
    }
    if tasks is not None:
        form["Tasks"] = shrink(tasks)
    return {k: v for k, v in form.items() if v is not None}


def _deployed(raw: RawClient) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    definition_id, workflow_id = raw_deploy(raw, _document())
    workflow = _get(raw, workflow_id)
    return definition_id, workflow, [_task(raw, t["Id"]) for t in workflow["Tasks"]]


def test_a_task_with_an_id_is_replaced_and_what_it_omits_is_cleared(fast: RawClient) -> None:
    definition_id, workflow, tasks = _deployed(fast)
    bare = {k: v for k, v in _as_request(tasks[1]).items() if k not in ("Description", "Tags", "Inputs", "Outputs")}
    bare["Dependencies"] = []
    requests = [_as_request(tasks[0]), bare, _as_request(tasks[2])]
    fast.ok("UpdateWorkflow", form=_form(workflow, requests))

    replaced = _task(fast, tasks[1]["Id"])
    assert replaced["Id"] == tasks[1]["Id"]
    assert "Description" not in replaced
    assert (replaced["Tags"], replaced["Dependencies"], replaced["Inputs"]) == ([], [], {"Variables": []})
    assert replaced["Outputs"] == {"TaskOutputs": [], "Variables": []}
    stored = raw_spec(fast, definition_id)["spec"]["workflows"][0]
    transform = stored["nodes"][1]
    assert [k for k in ("description", "tags", "inputs", "outputs") if k in transform] == []
    assert [d["nodeId"] for d in stored["dependencies"]] == [stored["nodes"][2]["id"]]
    assert stored["nodes"][2]["name"] == "load"


def test_a_task_without_an_id_is_created(fast: RawClient) -> None:
    definition_id, workflow, tasks = _deployed(fast)
    new_task = {
        "Name": "audit",
        "Owner": workflow["Owner"],
        "Type": "DIDE_SHELL",
        "RerunMode": "FailureAllowed",
        "RerunInterval": 60,
        "RuntimeResource": {"ResourceGroupId": "S_res_group_prod"},
        "Trigger": {"Recurrence": "Normal"},
        "Script": {"Content": "echo audit"},
        "Dependencies": [{"Type": "Normal", "UpstreamTaskId": tasks[2]["Id"]}],
    }
    fast.ok("UpdateWorkflow", form=_form(workflow, [*map(_as_request, tasks), new_task]))

    after = _get(fast, workflow["Id"])
    assert [t["Name"] for t in after["Tasks"]] == ["extract", "transform", "load", "audit"]
    created = _task(fast, after["Tasks"][3]["Id"])
    assert isinstance(created["Id"], int)
    assert created["Id"] not in {t["Id"] for t in tasks}
    assert (created["RerunMode"], created["RerunInterval"], created["Script"]["Content"]) == (
        "FailureAllowed",
        60,
        "echo audit",
    )
    stored = raw_spec(fast, definition_id)["spec"]["workflows"][0]
    audit = stored["nodes"][3]
    assert len(audit["id"]) == 19
    assert (audit["rerunMode"], audit["rerunInterval"], audit["script"]["path"]) == (
        "FailureAllowed",
        60000,
        "sales/audit",
    )
    load_id = stored["nodes"][2]["id"]
    assert {"nodeId": audit["id"], "depends": [{"type": "Normal", "output": load_id}]} in stored["dependencies"]


def test_an_existing_task_left_out_of_tasks_is_removed(fast: RawClient) -> None:
    definition_id, workflow, tasks = _deployed(fast)
    fast.ok("UpdateWorkflow", form=_form(workflow, [_as_request(tasks[0]), _as_request(tasks[1])]))
    assert [t["Name"] for t in _get(fast, workflow["Id"])["Tasks"]] == ["extract", "transform"]
    gone = fast.call("GetTask", method="GET", query={"Id": tasks[2]["Id"]})
    assert (gone.status_code, gone.json()["Code"]) == (404, "InvalidTask.NotFound")
    assert [n["name"] for n in raw_spec(fast, definition_id)["spec"]["workflows"][0]["nodes"]] == [
        "extract",
        "transform",
    ]


def test_omitting_tasks_altogether_removes_every_task(fast: RawClient) -> None:
    _, workflow, _ = _deployed(fast)
    fast.ok("UpdateWorkflow", form=_form(workflow, None))
    assert _get(fast, workflow["Id"])["Tasks"] == []


def test_omitted_workflow_fields_are_cleared(fast: RawClient) -> None:
    definition_id, workflow, tasks = _deployed(fast)
    form = _form(
        workflow, list(map(_as_request, tasks)), Parameters="a=1 b=2", Tags=shrink([{"Key": "k", "Value": "v"}])
    )
    fast.ok("UpdateWorkflow", form=form)
    assert _get(fast, workflow["Id"])["Parameters"] == "a=1 b=2"
    plain = _form(workflow, list(map(_as_request, tasks)))
    del plain["Description"]
    fast.ok("UpdateWorkflow", form=plain)
    after = _get(fast, workflow["Id"])
    assert ("Description" in after, "Parameters" in after, after["Tags"]) == (False, False, [])
    stored = raw_spec(fast, definition_id)["spec"]["workflows"][0]
    assert ("description" in stored, "parameters" in stored["script"], "tags" in stored) == (False, False, False)


def test_name_owner_and_trigger_type_are_required(fast: RawClient) -> None:
    _, workflow, tasks = _deployed(fast)
    full = _form(workflow, list(map(_as_request, tasks)))
    for missing, code in (("Name", "MissingName"), ("Owner", "MissingOwner"), ("Trigger", "MissingTrigger")):
        response = fast.call("UpdateWorkflow", form={k: v for k, v in full.items() if k != missing})
        assert (response.status_code, response.json()["Code"]) == (400, code)
    response = fast.call("UpdateWorkflow", form={**full, "Trigger": shrink({"Cron": "00 00 01 * * ?"})})
    assert (response.status_code, response.json()["Code"]) == (400, "MissingParameter")
    assert "Trigger.Type" in response.json()["Message"]


def test_a_refused_task_names_its_field_and_changes_nothing(fast: RawClient) -> None:
    _, workflow, tasks = _deployed(fast)
    requests = list(map(_as_request, tasks))
    requests[1]["RuntimeResource"] = {"Cu": "0.5"}
    response = fast.call("UpdateWorkflow", form=_form(workflow, requests, Description="changed"))
    assert (response.status_code, response.json()["Code"]) == (400, "MissingParameter")
    assert "Tasks[1].RuntimeResource.ResourceGroupId" in response.json()["Message"]
    assert _get(fast, workflow["Id"]) == workflow


def test_an_unknown_task_id_is_refused(fast: RawClient) -> None:
    _, workflow, tasks = _deployed(fast)
    requests = list(map(_as_request, tasks))
    requests[0]["Id"] = 123
    response = fast.call("UpdateWorkflow", form=_form(workflow, requests))
    assert (response.status_code, response.json()["Code"]) == (404, "InvalidTask.NotFound")


def test_base_line_id_is_written_as_baselineid_read_back_and_cleared_when_omitted(fast: RawClient) -> None:
    _, workflow, tasks = _deployed(fast)
    requests = list(map(_as_request, tasks))
    requests[0]["BaseLineId"] = 4242
    fast.ok("UpdateWorkflow", form=_form(workflow, requests))
    assert _get(fast, workflow["Id"])["Tasks"][0]["BaselineId"] == 4242
    assert _task(fast, tasks[0]["Id"])["BaselineId"] == 4242
    fast.ok("UpdateWorkflow", form=_form(workflow, list(map(_as_request, tasks))))
    assert "BaselineId" not in _get(fast, workflow["Id"])["Tasks"][0]


def test_scheduler_vocabulary_and_units_map_back_into_the_definition(fast: RawClient) -> None:
    definition_id, workflow, tasks = _deployed(fast)
    requests = list(map(_as_request, tasks))
    requests[0].update(RerunMode="AllDenied", RerunInterval=60, RerunTimes=1, Timeout=3600)
    requests[0]["Trigger"] = {"Type": "Scheduler", "Recurrence": "Pause"}
    fast.ok("UpdateWorkflow", form=_form(workflow, requests))
    extract = raw_spec(fast, definition_id)["spec"]["workflows"][0]["nodes"][0]
    assert (extract["rerunMode"], extract["rerunInterval"], extract["rerunTimes"]) == ("Denied", 60000, 1)
    assert (extract["timeout"], extract["recurrence"]) == (3600, "Pause")
    assert _get(fast, workflow["Id"])["Tasks"][0]["TriggerRecurrence"] == "Pause"


def test_an_edit_moves_modify_time_and_an_identical_update_does_not(fast: RawClient) -> None:
    definition_id, workflow, tasks = _deployed(fast)
    definition_before = fast.ok("GetWorkflowDefinition", method="GET", query={"Id": definition_id})
    fast.ok("UpdateWorkflow", form=_form(workflow, list(map(_as_request, tasks))))
    assert _get(fast, workflow["Id"])["ModifyTime"] == workflow["ModifyTime"]

    requests = list(map(_as_request, tasks))
    requests[2]["Script"] = {"Content": "echo changed"}
    fast.ok("UpdateWorkflow", form=_form(workflow, requests))
    after = _get(fast, workflow["Id"])
    assert after["ModifyTime"] > workflow["ModifyTime"]
    assert after["Tasks"][2]["ModifyTime"] > workflow["Tasks"][2]["ModifyTime"]
    assert after["Tasks"][0]["ModifyTime"] == workflow["Tasks"][0]["ModifyTime"]
    definition_after = fast.ok("GetWorkflowDefinition", method="GET", query={"Id": definition_id})
    assert definition_after["WorkflowDefinition"]["ModifyTime"] > definition_before["WorkflowDefinition"]["ModifyTime"]
    listed = fast.ok("ListWorkflows", form={"ProjectId": fast.sim.project_id})["PagingInfo"]["Workflows"]
    assert listed[0]["ModifyTime"] == after["ModifyTime"]


def test_redeploying_after_a_scheduler_edit_keeps_the_edit_and_the_task_ids(fast: RawClient) -> None:
    definition_id, workflow, tasks = _deployed(fast)
    requests = list(map(_as_request, tasks))
    requests[1]["Script"] = {"Content": "select 'edited';", "Parameters": "bizdate=$bizdate"}
    fast.ok("UpdateWorkflow", form=_form(workflow, requests))
    edited = [_task(fast, t["Id"]) for t in tasks]
    form = {"ProjectId": fast.sim.project_id, "Type": "Online", "ObjectIds": shrink([definition_id]), "RunMode": "Auto"}
    fast.ok("CreatePipelineRun", form=form)
    redeployed = [_task(fast, t["Id"]) for t in tasks]
    assert redeployed == edited
