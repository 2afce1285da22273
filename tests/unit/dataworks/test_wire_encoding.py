"""Each field lands where the operation index says, with the exact bytes the SDK would send."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import httpx

from controller.dataworks.models import (
    CreatePipelineRunRequest,
    DeleteWorkflowRequest,
    Dependency,
    ExecPipelineRunStageRequest,
    GetWorkflowDefinitionRequest,
    ImportWorkflowDefinitionRequest,
    ListWorkflowsRequest,
    RuntimeResource,
    Tag,
    UpdateTaskTrigger,
    UpdateWorkflowRequest,
    UpdateWorkflowTask,
    WorkflowTrigger,
)
from controller.dataworks.wire import encode, form_body, shrink
from tests.unit.dataworks.scripted import FakeTime, make_client, ok

VECTOR_BODY = (
    b"Description=synced+from+git&Id=1234567890&Name=demo_wf&Owner=123456789012345"
    b"&Trigger=%7B%22Cron%22%3A%2200+00+02+%2A+%2A+%3F%22%2C%22Type%22%3A%22Scheduler%22%7D"
)
BIG = "6326476912390091234"


def test_update_workflow_form_body_equals_the_documented_161_bytes() -> None:
    request = UpdateWorkflowRequest(
        id=1234567890,
        name="demo_wf",
        owner="123456789012345",
        description="synced from git",
        trigger=WorkflowTrigger(type="Scheduler", cron="00 00 02 * * ?"),
    )
    parts = encode(request)
    assert parts.query == {}
    body = form_body(parts.form)
    assert body == VECTOR_BODY
    assert len(body) == 161


def test_shrink_json_is_compact_sorted_and_keeps_utf8() -> None:
    assert shrink({"Type": "Scheduler", "Cron": "0 0 * * * ?"}) == '{"Cron":"0 0 * * * ?","Type":"Scheduler"}'
    assert shrink([{"Key": "团队", "Value": "数据"}]) == '[{"Key":"团队","Value":"数据"}]'
    body = form_body({"Tags": shrink([{"Key": "团队"}])})
    assert body == b"Tags=%5B%7B%22Key%22%3A%22%E5%9B%A2%E9%98%9F%22%7D%5D"


def test_update_workflow_tasks_are_one_json_field_with_base_line_id_and_empty_lists() -> None:
    task = UpdateWorkflowTask(
        id=11,
        name="n",
        owner="o",
        type="ODPS_SQL",
        rerun_mode="AllAllowed",
        runtime_resource=RuntimeResource(resource_group_id="S_res_group"),
        trigger=UpdateTaskTrigger(recurrence="Normal", type="Scheduler"),
        base_line_id=5,
        dependencies=[Dependency(type="Normal", upstream_output="proj.a", upstream_task_id=10)],
    )
    request = UpdateWorkflowRequest(
        id=1, name="wf", owner="o", trigger=WorkflowTrigger(type="Scheduler"), tasks=[task], tags=[Tag(key="k")]
    )
    form = encode(request).form
    assert set(form) == {"Id", "Name", "Owner", "Trigger", "Tasks", "Tags"}
    tasks = json.loads(form["Tasks"])
    assert tasks == [
        {
            "BaseLineId": 5,
            "Dependencies": [{"Type": "Normal", "UpstreamOutput": "proj.a", "UpstreamTaskId": 10}],
            "Id": 11,
            "Name": "n",
            "Owner": "o",
            "RerunMode": "AllAllowed",
            "RuntimeResource": {"ResourceGroupId": "S_res_group"},
            "Tags": [],
            "Trigger": {"Recurrence": "Normal", "Type": "Scheduler"},
            "Type": "ODPS_SQL",
        }
    ]
    assert " " not in form["Tasks"]
    assert form["Tags"] == '[{"Key":"k"}]'


def test_booleans_are_lowercase_true_and_false() -> None:
    parts = encode(ImportWorkflowDefinitionRequest(project_id=1, spec="{}", dry_run=True))
    assert parts.form == {"DryRun": "true", "ProjectId": "1", "Spec": "{}"}
    parts = encode(GetWorkflowDefinitionRequest(id=BIG, include_script_content=False))
    assert parts.query == {"Id": BIG, "IncludeScriptContent": "false"}


def test_get_puts_every_field_in_the_query() -> None:
    parts = encode(GetWorkflowDefinitionRequest(id=BIG, include_script_content=True, project_id=9))
    assert parts.form == {}
    assert parts.query == {"Id": BIG, "IncludeScriptContent": "true", "ProjectId": "9"}


def test_delete_workflow_id_goes_in_the_query_and_env_in_the_body() -> None:
    parts = encode(DeleteWorkflowRequest(id=77, env_type="Prod"))
    assert parts.query == {"Id": "77"}
    assert parts.form == {"EnvType": "Prod"}


def test_exec_pipeline_run_stage_project_goes_in_the_query() -> None:
    parts = encode(ExecPipelineRunStageRequest(id="run-1", code="DEPLOY", project_id=9))
    assert parts.query == {"ProjectId": "9"}
    assert parts.form == {"Code": "DEPLOY", "Id": "run-1"}


def test_object_ids_and_list_filters_are_json_arrays() -> None:
    parts = encode(CreatePipelineRunRequest(project_id=9, type="Online", object_ids=[BIG]))
    assert parts.form["ObjectIds"] == f'["{BIG}"]'
    parts = encode(ListWorkflowsRequest(project_id=9, ids=[1, 2], tags=["a"], sort_by="Id Asc"))
    assert parts.form["Ids"] == "[1,2]"
    assert parts.form["Tags"] == '["a"]'
    assert form_body(parts.form).endswith(b"SortBy=Id+Asc&Tags=%5B%22a%22%5D")


async def test_the_client_sends_the_placement_on_the_wire(fake_time: FakeTime) -> None:
    client, script = make_client([ok({"Success": True}), ok({"Workflow": {"Id": 7}})], fake_time)
    async with client:
        await client.delete_workflow(77)
        await client.get_workflow(7)
    delete, get = script.requests
    assert delete.method == "POST"
    assert delete.url.query == b"Id=77"
    assert delete.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(delete.content.decode())) == {"EnvType": "Prod"}
    assert delete.headers["x-acs-action"] == "DeleteWorkflow"
    assert delete.headers["host"] == "dataworks.cn-shanghai.aliyuncs.com"
    assert get.method == "GET"
    assert get.content == b""
    assert "content-type" not in get.headers
    assert dict(get.url.params) == {"EnvType": "Prod", "Id": "7"}
    assert str(get.url).startswith("https://dataworks.cn-shanghai.aliyuncs.com/?")


async def test_query_values_travel_rfc3986_encoded(fake_time: FakeTime) -> None:
    client, script = make_client([ok({"PagingInfo": {"TotalCount": 0}})], fake_time)
    async with client:
        await client.list_workflow_definitions(name="a b/c*")
    sent = script.requests[0].url
    assert b"Name=a%20b%2Fc%2A" in sent.query
    assert isinstance(sent, httpx.URL)
