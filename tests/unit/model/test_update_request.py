"""UpdateWorkflow is a full update: the request built from the Git model carries everything."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest

from controller.dataworks.adapters import (
    SCHEDULER_UNOBSERVED,
    ResourceGroupRequired,
    model_from_scheduled,
    update_request_from_model,
)
from controller.dataworks.models import GetTaskResponse, GetWorkflowResponse, Task, UpdateWorkflowRequest, Workflow
from controller.errors import GitOpsError
from controller.model import FrozenMap, RuntimeResource, Script, TaskModel, WorkflowModel
from controller.reconcile.diff import diff
from tests.unit.model.live import git_model, raw, scheduled_wire

OWNER_TAGS = {"dataworks-gitops.source": "sales-repo"}
#: A group the Git spec names (daily_sales names one on every node).
GROUP = RuntimeResource(resource_group="S_res_group_sales_01")


def _live() -> tuple[Any, dict[str, int]]:
    workflow, _ = scheduled_wire("daily_sales")
    return workflow, {t.name: t.id for t in workflow.tasks if t.name}


def _request(model: WorkflowModel | None = None) -> tuple[UpdateWorkflowRequest, dict[str, int]]:
    workflow, ids = _live()
    git = model or git_model("daily_sales", default_owner=workflow.owner or "")
    request = update_request_from_model(
        git, workflow_id=workflow.id, live_task_ids=ids, owner_tags=OWNER_TAGS, live=workflow
    )
    return request, ids


def _wire(request: UpdateWorkflowRequest) -> dict[str, Any]:
    """What the client sends: wire names, absent values left out."""
    return request.model_dump(exclude_none=True)


def test_every_live_task_keeps_its_id() -> None:
    request, ids = _request()
    assert {t.name: t.id for t in request.tasks or []} == ids


def test_a_new_task_has_no_id_and_a_task_gone_from_git_is_absent() -> None:
    workflow, _ = _live()
    git = git_model("daily_sales", default_owner=workflow.owner or "")
    tasks = {k: v for k, v in git.tasks.items() if k != "ads_sales_report"}
    tasks["new_task"] = TaskModel(
        type="ODPS_SQL", owner="1", script=Script(content="select 1;"), runtime_resource=GROUP
    )
    request, _ = _request(dataclasses.replace(git, tasks=FrozenMap(tasks)))
    wire = {t["Name"]: t for t in _wire(request)["Tasks"]}
    assert "Id" not in wire["new_task"]
    assert "ads_sales_report" not in wire
    assert all("Id" in t for name, t in wire.items() if name != "new_task")


def test_lists_that_a_full_update_would_wipe_are_always_sent() -> None:
    for task in _wire(_request()[0])["Tasks"]:
        assert isinstance(task["Dependencies"], list)
        assert isinstance(task["Tags"], list)
        assert isinstance(task["Inputs"]["Variables"], list)
        assert isinstance(task["Outputs"]["TaskOutputs"], list)
        assert isinstance(task["Outputs"]["Variables"], list)
        assert set(task["Script"]) == {"Content", "Parameters"}


def test_required_fields_are_present_with_the_request_spellings() -> None:
    wire = _wire(_request()[0])
    assert {"Id", "Name", "Owner", "Trigger", "EnvType", "Tags", "Outputs", "Parameters", "Tasks"} <= set(wire)
    assert wire["Trigger"]["Type"] == "Scheduler"
    assert wire["EnvType"] == "Prod"
    for task in wire["Tasks"]:
        assert {"Name", "Owner", "Type", "RerunMode", "RuntimeResource", "Trigger"} <= set(task)
        assert task["RuntimeResource"]["ResourceGroupId"]
        assert task["Trigger"]["Recurrence"] == "Normal"
        assert task["BaseLineId"] == 7001  # echoed, in UpdateWorkflow's spelling
        assert "BaselineId" not in task
        assert task["RerunMode"] in {"AllAllowed", "AllDenied", "FailureAllowed"}


def test_dependencies_carry_live_task_ids_and_outputs() -> None:
    request, ids = _request()
    by_name = {t.name: t for t in request.tasks or []}
    deps = {(d.type, d.upstream_output, d.upstream_task_id) for d in by_name["dws_sales_daily"].dependencies}
    assert deps == {
        ("Normal", "sales.dwd_sales_clean_out", ids["dwd_sales_clean"]),
        ("CrossCycleDependsOnOtherNode", "crm.dim_customer_out", None),
    }


def test_the_ownership_tag_is_added_to_the_workflows_tags() -> None:
    tags = {t["Key"]: t.get("Value") for t in _wire(_request()[0])["Tags"]}
    assert tags == {"team": "sales", "tier": "gold", "dataworks-gitops.source": "sales-repo"}


def test_units_and_words_are_the_schedulers() -> None:
    by_name = {t.name: t for t in _request()[0].tasks or []}
    assert by_name["dws_sales_daily"].rerun_interval == 60
    assert by_name["ads_sales_report"].rerun_mode == "AllDenied"
    assert by_name["ods_orders"].script is not None
    assert by_name["ods_orders"].script.parameters == "bizdate=$bizdate mysql_password=s3cr3t-Passw0rd"


def _serve(request: UpdateWorkflowRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply the request as the scheduler would, and answer GetWorkflow / GetTask for the result."""
    wire = _wire(request)
    new_ids = itertools.count(900_000_000_001)
    tasks = {t["Name"]: {**t, "Id": t.get("Id") or next(new_ids)} for t in wire.pop("Tasks")}
    by_output = {o["Output"]: t["Id"] for t in tasks.values() for o in t["Outputs"]["TaskOutputs"]}
    get_task = {}
    for task in tasks.values():
        for dep in task["Dependencies"]:
            found = dep.get("UpstreamTaskId") or by_output.get(dep.get("UpstreamOutput"))
            if found:
                dep["UpstreamTaskId"] = str(found)
        get_task[str(task["Id"])] = {"Task": {k: v for k, v in task.items() if k != "BaseLineId"}}
    summaries = [
        {"Id": t["Id"], "Name": t["Name"], "TriggerRecurrence": t["Trigger"]["Recurrence"]} for t in tasks.values()
    ]
    return {"Workflow": {**wire, "Tasks": summaries}}, get_task


def test_what_the_request_writes_reads_back_as_the_git_model() -> None:
    workflow, _ = _live()
    git = git_model("daily_sales", default_owner=workflow.owner or "")
    tasks = dict(git.tasks)
    tasks["new_task"] = TaskModel(
        type="ODPS_SQL", owner=git.owner, script=Script(content="select 2;"), runtime_resource=GROUP
    )
    git = dataclasses.replace(git, tasks=FrozenMap(tasks))
    served_workflow, served_tasks = _serve(_request(git)[0])
    wf = GetWorkflowResponse.model_validate(served_workflow).workflow
    by_id = {int(k): GetTaskResponse.model_validate(v).task for k, v in served_tasks.items()}
    assert diff(git, model_from_scheduled(wf, by_id, "CycleWorkflow"), ignore=SCHEDULER_UNOBSERVED) == []


def test_default_outputs_of_live_tasks_are_sent_back() -> None:
    workflow, tasks = scheduled_wire("daily_sales")
    ods = next(t for t in tasks.values() if t.name == "ods_orders")
    assert ods.outputs is not None
    ods.outputs.task_outputs.append(type(ods.outputs.task_outputs[0])(output="7412345678901234567"))
    git = git_model("daily_sales", default_owner=workflow.owner or "")
    request = update_request_from_model(
        git,
        workflow_id=workflow.id,
        live_task_ids={t.name: t.id for t in workflow.tasks if t.name},
        owner_tags=OWNER_TAGS,
        live=workflow,
        live_tasks=tasks,
    )
    sent = next(t for t in request.tasks or [] if t.name == "ods_orders")
    assert sent.outputs is not None
    assert {o.output for o in sent.outputs.task_outputs} == {"sales.ods_orders_out", "7412345678901234567"}


# --- what Git leaves unset keeps what DataWorks assigned ----------------------------------------

#: The group DataWorks runs a node without ``runtimeResource`` on: the workspace default.
WORKSPACE_DEFAULT = "S_res_group_workspace_default"


def _seed_live(groups: dict[str, str], *, where: str = "GetWorkflow") -> tuple[Workflow, dict[int, Task]]:
    """The seed workflow (no node names a runtimeResource, nor an owner) as deployed, tasks on ``groups``."""
    workflow, tasks = raw("seed", "getworkflow"), raw("seed", "gettask")
    bodies = workflow["Workflow"]["Tasks"] if where == "GetWorkflow" else [r["Task"] for r in tasks.values()]
    for body in bodies:
        if body["Name"] in groups:
            body["RuntimeResource"] = {"ResourceGroupId": groups[body["Name"]]}
    return scheduled_wire("seed", workflow, tasks)


def _update(git: WorkflowModel, workflow: Workflow, tasks: dict[int, Task] | None = None) -> UpdateWorkflowRequest:
    ids = {t.name: t.id for t in workflow.tasks if t.name}
    return update_request_from_model(
        git, workflow_id=workflow.id, live_task_ids=ids, owner_tags=OWNER_TAGS, live=workflow, live_tasks=tasks
    )


def _groups(request: UpdateWorkflowRequest) -> dict[str, str | None]:
    return {t.name: t.runtime_resource.resource_group_id for t in request.tasks or []}


def test_a_task_git_leaves_without_a_group_keeps_the_one_dataworks_gave_it() -> None:
    workflow, _ = _seed_live({"111": WORKSPACE_DEFAULT, "222": WORKSPACE_DEFAULT})
    git = git_model("seed", default_owner=workflow.owner or "")
    assert {t.runtime_resource.resource_group for t in git.tasks.values()} == {""}  # the spec names none
    # GetWorkflow's summaries are what the reconciler passes (apply.py sends no GetTask results).
    assert _groups(_update(git, workflow)) == {"111": WORKSPACE_DEFAULT, "222": WORKSPACE_DEFAULT}
    assert _wire(_update(git, workflow))["Tasks"][0]["RuntimeResource"] == {"ResourceGroupId": WORKSPACE_DEFAULT}


def test_the_group_get_task_shows_is_kept_too() -> None:
    workflow, tasks = _seed_live({"111": "S_res_group_a", "222": "S_res_group_b"}, where="GetTask")
    git = git_model("seed", default_owner=workflow.owner or "")
    assert _groups(_update(git, workflow, tasks)) == {"111": "S_res_group_a", "222": "S_res_group_b"}


def test_a_new_task_without_a_group_runs_where_dataworks_put_its_unset_siblings() -> None:
    workflow, tasks = _seed_live({"111": WORKSPACE_DEFAULT, "222": "S_res_group_named_in_git"})
    git = git_model("seed", default_owner=workflow.owner or "")
    named = RuntimeResource(resource_group="S_res_group_named_in_git")
    new = TaskModel(type="ODPS_SQL", owner=git.owner, script=Script(content="select 3;"))
    tasks_in_git = {**git.tasks, "222": dataclasses.replace(git.tasks["222"], runtime_resource=named), "333": new}
    request = _update(dataclasses.replace(git, tasks=FrozenMap(tasks_in_git)), workflow, tasks)
    # The default is the group of 111 (unset in Git, so DataWorks chose it), never 222's named one.
    assert _groups(request) == {"111": WORKSPACE_DEFAULT, "222": "S_res_group_named_in_git", "333": WORKSPACE_DEFAULT}
    assert next(t for t in request.tasks or [] if t.name == "333").id is None  # created


def test_a_task_with_no_group_anywhere_is_refused_before_anything_is_sent() -> None:
    workflow, tasks = scheduled_wire("seed")  # deployed without any RuntimeResource
    git = git_model("seed", default_owner=workflow.owner or "")
    with pytest.raises(ResourceGroupRequired) as raised:
        _update(git, workflow, tasks)
    error = raised.value
    assert isinstance(error, GitOpsError)  # the reconciler marks the workflow Failed with this message
    assert error.tasks == ["111", "222"]
    assert str(error) == (
        "workflow 'Asynchronous_Workflow_Creation_Test': tasks '111', '222' have no resource group to send: "
        "Git sets none, DataWorks has none to keep, and UpdateWorkflow requires "
        "Tasks[].RuntimeResource.ResourceGroupId "
        '(set "runtimeResource": {"resourceGroup": "<resource group identifier, e.g. S_res_group_xxx>"} '
        "on nodes '111', '222' in the spec, or sync this source with apply: import, where DataWorks assigns "
        "the workspace default resource group)"
    )


def test_siblings_on_different_groups_lend_none_to_a_new_task() -> None:
    workflow, _ = _seed_live({"111": "S_res_group_a", "222": "S_res_group_b"})
    git = git_model("seed", default_owner=workflow.owner or "")
    new = TaskModel(type="ODPS_SQL", owner=git.owner, script=Script(content="select 3;"))
    with pytest.raises(ResourceGroupRequired, match="task '333' has no resource group") as raised:
        _update(dataclasses.replace(git, tasks=FrozenMap({**git.tasks, "333": new})), workflow)
    assert "run on different groups (S_res_group_a, S_res_group_b)" in str(raised.value)
    assert "on node '333' in the spec" in str(raised.value)


def test_an_owner_git_leaves_unset_is_the_owner_dataworks_gave_the_workflow() -> None:
    workflow, _ = _seed_live({"111": WORKSPACE_DEFAULT, "222": WORKSPACE_DEFAULT})
    git = git_model("seed", default_owner="")  # as the reconciler loads a spec: it cannot know the account
    assert git.owner == ""
    request = _update(git, workflow)
    assert request.owner == workflow.owner == "1234567890123456"
    assert {t.owner for t in request.tasks or []} == {"1234567890123456"}
