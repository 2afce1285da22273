"""The official DataWorks SDK (9.11.0) is the referee: every operation the controller uses goes
through it against the simulator subprocess, and the SDK's response models come back populated."""

from __future__ import annotations

import json

import pytest
from alibabacloud_dataworks_public20240518 import models
from alibabacloud_tea_openapi.exceptions import ClientException

from controller.simulator.testing import SimulatorProcess
from tests.integration.simulator.helpers import (
    deploy,
    flowspec,
    get_definition,
    import_spec,
    node,
    run_pipeline,
    sdk,
    wait_job,
    with_ids,
)


def test_get_project_reports_a_standard_mode_workspace(simulator: SimulatorProcess) -> None:
    body = sdk(simulator).get_project(models.GetProjectRequest(id=simulator.project_id)).body
    assert body.request_id
    assert body.project.id == simulator.project_id
    assert body.project.dev_environment_enabled is True
    assert body.project.status == "Available"


def test_import_job_reports_running_then_success_with_the_definition_id(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    request = models.ImportWorkflowDefinitionRequest(project_id=simulator.project_id, spec=json.dumps(flowspec()))
    job = client.import_workflow_definition(request).body.async_job
    assert job.status == "Running"
    assert job.completed is False
    assert isinstance(job.create_time, int)
    assert len(job.response) == 19
    assert int(job.response) > 2**53
    first = client.get_job_status(models.GetJobStatusRequest(job_id=job.id)).body.job_status
    assert (first.completed, first.status, first.job_type) == ("False", "Running", "Create")
    assert first.create_time == str(job.create_time)
    done = wait_job(client, job.id)
    assert (done.completed, done.status, done.error) == ("True", "Success", "")


def test_dry_run_validates_through_the_job_and_writes_nothing(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    definition_id, status = import_spec(client, simulator, flowspec(), dry_run=True)
    assert status.status == "Success"
    assert definition_id == ""
    listing = client.list_workflow_definitions(models.ListWorkflowDefinitionsRequest(project_id=simulator.project_id))
    assert listing.body.paging_info.total_count == 0
    bad = flowspec(nodes=[node("a"), {"name": "b", "script": {"content": "x"}}])
    _, failed = import_spec(client, simulator, bad, dry_run=True)
    assert failed.status == "Fail"
    assert "$.spec.workflows[0].nodes[1].script.runtime.command" in failed.error


def test_list_workflow_definitions_defaults_to_cycle_workflows(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    import_spec(client, simulator, flowspec("cycle_one"))
    import_spec(client, simulator, flowspec("manual_one", kind="ManualWorkflow"))
    default = client.list_workflow_definitions(models.ListWorkflowDefinitionsRequest(project_id=simulator.project_id))
    page = default.body.paging_info
    assert (page.total_count, page.page_number, page.page_size) == (1, 1, 10)
    item = page.workflow_definitions[0]
    assert (item.name, item.type, item.script.path, item.script.runtime.command) == (
        "cycle_one",
        "CycleWorkflow",
        "cycle_one",
        "WORKFLOW",
    )
    assert isinstance(item.modify_time, int)
    assert item.project_id == simulator.project_id
    manual = client.list_workflow_definitions(
        models.ListWorkflowDefinitionsRequest(project_id=simulator.project_id, type="ManualWorkflow")
    )
    assert [d.name for d in manual.body.paging_info.workflow_definitions] == ["manual_one"]


def test_get_workflow_definition_returns_script_content_only_when_asked(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    definition_id, _ = import_spec(client, simulator, flowspec())
    body = client.get_workflow_definition(models.GetWorkflowDefinitionRequest(id=definition_id)).body
    definition = body.workflow_definition
    assert (definition.id, definition.name) == (definition_id, "daily_sales")
    assert definition.project_id == simulator.project_id
    assert definition.workflow_id is None
    without = json.loads(definition.spec)
    assert all("content" not in n["script"] for n in without["spec"]["workflows"][0]["nodes"])
    with_content = get_definition(client, definition_id, content=True)
    assert [n["script"]["content"] for n in with_content["spec"]["workflows"][0]["nodes"]] == [
        "select 1;",
        "insert into t select * from s;",
        "echo done",
    ]
    assert with_content["metadata"] == {
        "tenantId": with_content["metadata"]["tenantId"],
        "projectId": str(simulator.project_id),
        "uuid": definition_id,
    }


def test_pipeline_run_stages_run_in_order_and_publish_the_workflow(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    definition_id, _ = import_spec(client, simulator, flowspec())
    pipeline = run_pipeline(client, simulator, definition_id)
    assert pipeline.status == "Success"
    assert [(s.step, s.code, s.type, s.status) for s in pipeline.stages] == [
        (1, "BUILD_PACKAGE", "Build", "Success"),
        (2, "PROD_CHECK", "Check", "Success"),
        (3, "PROD", "Deploy", "Success"),
    ]
    workflow_id = client.get_workflow_definition(
        models.GetWorkflowDefinitionRequest(id=definition_id)
    ).body.workflow_definition.workflow_id
    assert isinstance(workflow_id, int)


def test_exec_pipeline_run_stage_refuses_skipping_and_repeating(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    definition_id, _ = import_spec(client, simulator, flowspec())
    run_id = client.create_pipeline_run(
        models.CreatePipelineRunRequest(project_id=simulator.project_id, type="Online", object_ids=[definition_id])
    ).body.id
    for code in ("PROD", "BUILD_PACKAGE"):
        with pytest.raises(ClientException) as refused:
            client.exec_pipeline_run_stage(
                models.ExecPipelineRunStageRequest(id=run_id, code=code, project_id=simulator.project_id)
            )
        assert refused.value.code == "InvalidParameter.Stage"


def test_scheduled_workflow_round_trip_through_get_update_and_get_task(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    definition_id, workflow_id = deploy(client, simulator, flowspec())
    workflow = client.get_workflow(models.GetWorkflowRequest(id=workflow_id, env_type="Prod")).body.workflow
    assert (workflow.id, workflow.name, workflow.env_type) == (workflow_id, "daily_sales", "Prod")
    assert workflow.trigger.cron == "00 00 02 * * ?"
    assert workflow.trigger.recurrence == "Normal"
    assert [t.name for t in workflow.tasks] == ["extract", "transform", "load"]
    summary = workflow.tasks[1]
    assert (summary.rerun_mode, summary.rerun_interval, summary.trigger_recurrence) == ("AllAllowed", 180, "Normal")
    assert summary.workflow_id == workflow_id
    assert isinstance(summary.id, int)

    task = client.get_task(models.GetTaskRequest(id=summary.id, project_env="Prod")).body.task
    assert task.script.content == "insert into t select * from s;"
    assert task.instance_mode == "T+1"
    assert [(d.type, d.upstream_output, d.upstream_task_id) for d in task.dependencies] == [
        ("Normal", "daily_sales.extract", str(workflow.tasks[0].id))
    ]

    tasks = []
    for t in workflow.tasks:
        full = client.get_task(models.GetTaskRequest(id=t.id, project_env="Prod")).body.task
        tasks.append(
            models.UpdateWorkflowRequestTasks(
                id=t.id,
                name=t.name,
                owner=t.owner,
                type=t.type,
                rerun_mode=t.rerun_mode,
                rerun_times=t.rerun_times,
                rerun_interval=t.rerun_interval,
                timeout=t.timeout,
                runtime_resource=models.UpdateWorkflowRequestTasksRuntimeResource(resource_group_id="S_res_group_1"),
                trigger=models.UpdateWorkflowRequestTasksTrigger(recurrence=t.trigger_recurrence, type="Scheduler"),
                script=models.UpdateWorkflowRequestTasksScript(content=full.script.content),
                dependencies=[
                    models.UpdateWorkflowRequestTasksDependencies(
                        type=d.type, upstream_output=d.upstream_output, upstream_task_id=int(d.upstream_task_id)
                    )
                    for d in full.dependencies
                ],
            )
        )
    tasks[2].script = models.UpdateWorkflowRequestTasksScript(content="echo changed")
    update = models.UpdateWorkflowRequest(
        id=workflow_id,
        name=workflow.name,
        owner=workflow.owner,
        description="edited in the scheduler",
        env_type="Prod",
        trigger=models.UpdateWorkflowRequestTrigger(type="Scheduler", cron="00 30 03 * * ?"),
        tags=[models.UpdateWorkflowRequestTags(key="dataworks-gitops/owned", value="true")],
        tasks=tasks,
    )
    assert client.update_workflow(update).body.success is True

    after = client.get_workflow(models.GetWorkflowRequest(id=workflow_id, env_type="Prod")).body.workflow
    assert after.description == "edited in the scheduler"
    assert after.trigger.cron == "00 30 03 * * ?"
    assert [(t.key, t.value) for t in after.tags] == [("dataworks-gitops/owned", "true")]
    assert [t.id for t in after.tasks] == [t.id for t in workflow.tasks]
    assert after.tasks[0].runtime_resource.resource_group_id == "S_res_group_1"
    assert after.modify_time > workflow.modify_time
    edited = client.get_task(models.GetTaskRequest(id=after.tasks[2].id)).body.task
    assert edited.script.content == "echo changed"
    assert [d.upstream_task_id for d in edited.dependencies] == [str(workflow.tasks[1].id)]

    stored = get_definition(client, definition_id)["spec"]["workflows"][0]
    assert stored["description"] == "edited in the scheduler"
    assert stored["trigger"]["cron"] == "00 30 03 * * ?"
    assert stored["nodes"][2]["script"]["content"] == "echo changed"
    assert stored["nodes"][0]["runtimeResource"] == {"resourceGroup": "S_res_group_1"}


def test_list_workflows_returns_summaries_with_modify_time(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    _, first = deploy(client, simulator, flowspec("first"))
    _, second = deploy(client, simulator, flowspec("second"))
    body = client.list_workflows(
        models.ListWorkflowsRequest(project_id=simulator.project_id, env_type="Prod", sort_by="Id Asc")
    ).body
    page = body.paging_info
    assert page.total_count == 2
    assert [w.id for w in page.workflows] == sorted([first, second])
    assert all(isinstance(w.modify_time, int) and w.trigger.type == "Scheduler" for w in page.workflows)
    only = client.list_workflows(models.ListWorkflowsRequest(project_id=simulator.project_id, ids=[second])).body
    assert [w.name for w in only.paging_info.workflows] == ["second"]


def test_delete_workflow_and_delete_workflow_definition(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    definition_id, workflow_id = deploy(client, simulator, flowspec())
    assert client.delete_workflow(models.DeleteWorkflowRequest(id=workflow_id, env_type="Prod")).body.success is True
    with pytest.raises(ClientException) as gone:
        client.get_workflow(models.GetWorkflowRequest(id=workflow_id, env_type="Prod"))
    assert (gone.value.status_code, gone.value.code) == (404, "InvalidWorkflow.NotFound")
    request = models.DeleteWorkflowDefinitionRequest(id=definition_id, project_id=simulator.project_id)
    assert client.delete_workflow_definition(request).body.success is True
    with pytest.raises(ClientException) as missing:
        client.get_workflow_definition(models.GetWorkflowDefinitionRequest(id=definition_id))
    assert missing.value.code == "InvalidWorkflowDefinition.NotFound"
    assert missing.value.request_id


def test_reimport_with_ids_updates_in_place(simulator: SimulatorProcess) -> None:
    client = sdk(simulator)
    document = flowspec()
    definition_id, _ = import_spec(client, simulator, document)
    stored = get_definition(client, definition_id)
    updated = with_ids(document, stored)
    updated["spec"]["workflows"][0]["nodes"][0]["script"]["content"] = "select 42;"
    again, status = import_spec(client, simulator, updated)
    assert (again, status.job_type, status.status) == (definition_id, "Update", "Success")
    after = get_definition(client, definition_id)["spec"]["workflows"][0]["nodes"]
    assert [n["id"] for n in after] == [n["id"] for n in stored["spec"]["workflows"][0]["nodes"]]
    assert after[0]["script"]["content"] == "select 42;"


def test_a_request_signed_with_the_wrong_secret_is_refused(simulator: SimulatorProcess) -> None:
    with pytest.raises(ClientException) as refused:
        sdk(simulator, secret="not-the-secret").get_project(models.GetProjectRequest(id=simulator.project_id))
    assert (refused.value.status_code, refused.value.code) == (400, "SignatureDoesNotMatch")
    assert refused.value.request_id


def test_sts_credentials_are_accepted(simulator: SimulatorProcess) -> None:
    body = sdk(simulator, sts=True).get_project(models.GetProjectRequest(id=simulator.project_id)).body
    assert body.project.id == simulator.project_id
