"""The client against the real simulator over a socket: FlowSpec in, scheduled workflow out, and back.

Every call here is signed, sent over HTTP and checked by the simulator the way DataWorks would;
nothing is mocked.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import StaticCredentials, resolve_credentials, resolve_endpoint
from controller.dataworks.errors import AuthError, ClientError, NotFoundError
from controller.dataworks.models import (
    Dependency,
    JobStatus,
    Pipeline,
    RuntimeResource,
    Script,
    Tag,
    TaskOutput,
    TaskOutputs,
    UpdateTaskTrigger,
    UpdateWorkflowRequest,
    UpdateWorkflowTask,
    WorkflowTrigger,
)
from controller.dataworks.ratelimit import RateLimiter
from controller.dataworks.retry import NO_RETRY
from controller.simulator.testing import SimulatorProcess

TERMINAL_RUN = {"Success", "Fail", "Termination", "Cancel"}


def flowspec(name: str, kind: str = "CycleWorkflow") -> dict[str, Any]:
    """A workflow-level FlowSpec with two nodes, ``load`` depending on ``extract``'s output."""
    return {
        "version": "1.1.0",
        "kind": kind,
        "spec": {
            "workflows": [
                {
                    "name": name,
                    "script": {
                        "runtime": {"command": "WORKFLOW"},
                        "parameters": [{"name": "bizdate", "value": "$bizdate"}],
                    },
                    "trigger": {"type": "Scheduler" if kind == "CycleWorkflow" else "Manual", "cron": "00 00 02 * * ?"},
                    "tags": [{"key": "team", "value": "数据"}],
                    "nodes": [
                        {
                            "name": "extract",
                            "script": {"runtime": {"command": "ODPS_SQL"}, "content": "select 1;"},
                            "runtimeResource": {"resourceGroup": "S_res_group_1"},
                            "outputs": {
                                "nodeOutputs": [{"data": f"proj.{name}_extract", "artifactType": "NodeOutput"}]
                            },
                        },
                        {
                            "name": "load",
                            "script": {"runtime": {"command": "ODPS_SQL"}, "content": "insert into t select 2;"},
                            "runtimeResource": {"resourceGroup": "S_res_group_1"},
                        },
                    ],
                    "dependencies": [
                        {"nodeId": "load", "depends": [{"type": "Normal", "output": f"proj.{name}_extract"}]}
                    ],
                }
            ]
        },
    }


@pytest.fixture
async def client(simulator: SimulatorProcess) -> AsyncIterator[DataWorksClient]:
    async with DataWorksClient(
        endpoint=resolve_endpoint(endpoint=simulator.endpoint),
        credentials=resolve_credentials(simulator.access_key_id, simulator.access_key_secret),
        project_id=simulator.project_id,
        limiter=RateLimiter.from_qps(read_qps=200, write_qps=200),
    ) as dw:
        yield dw


async def wait_for_job(client: DataWorksClient, job_id: str, timeout: float = 15.0) -> JobStatus:
    async with asyncio.timeout(timeout):
        while True:
            status = await client.get_job_status(job_id)
            if status.completed:
                return status
            await asyncio.sleep(0.05)


async def import_and_wait(client: DataWorksClient, spec: dict[str, Any]) -> str:
    job = await client.import_workflow_definition(spec)
    status = await wait_for_job(client, job.id)
    assert status.status == "Success", status.error
    finished = await client.get_job_status(job.id)
    assert finished.completed is True
    definitions = await client.list_all_workflow_definitions(spec["kind"])
    (match,) = [d.id for d in definitions if d.name == spec["spec"]["workflows"][0]["name"]]
    return match


async def deploy(client: DataWorksClient, definition_id: str, timeout: float = 15.0) -> Pipeline:
    """CreatePipelineRun Online, then drive each stage with ExecPipelineRunStage, in order."""
    run_id = await client.create_pipeline_run(definition_id, type="Online", description="roundtrip test")
    triggered: set[str] = set()
    async with asyncio.timeout(timeout):
        while True:
            run = await client.get_pipeline_run(run_id)
            if run.status in TERMINAL_RUN:
                return run
            stages = sorted(run.stages, key=lambda s: s.step or 0)
            busy = any(s.status == "Running" for s in stages)
            pending = next((s for s in stages if s.status == "Init"), None)
            if not busy and pending is not None and pending.code and pending.code not in triggered:
                await client.exec_pipeline_run_stage(run_id, pending.code)
                triggered.add(pending.code)
            await asyncio.sleep(0.05)


async def test_flowspec_round_trips_to_a_scheduled_workflow_that_an_update_changes(
    client: DataWorksClient, simulator: SimulatorProcess
) -> None:
    definition_id = await import_and_wait(client, flowspec("wf_roundtrip"))
    assert definition_id.isdigit()

    definition = await client.get_workflow_definition(definition_id, include_script_content=True)
    assert definition.id == definition_id
    assert definition.workflow_id is None  # not deployed yet
    spec = json.loads(definition.spec or "{}")
    nodes = {n["name"]: n for n in spec["spec"]["workflows"][0]["nodes"]}
    assert nodes["load"]["script"]["content"] == "insert into t select 2;"

    run = await deploy(client, definition_id)
    assert run.status == "Success", run.message
    assert all(stage.status == "Success" for stage in run.stages)

    workflow_id = (await client.get_workflow_definition(definition_id)).workflow_id
    assert isinstance(workflow_id, int)
    workflow = await client.get_workflow(workflow_id)
    assert workflow.name == "wf_roundtrip"
    assert workflow.parameters == "bizdate=$bizdate"
    assert workflow.trigger is not None
    assert workflow.trigger.cron == "00 00 02 * * ?"
    tasks = {t.name: t for t in workflow.tasks}
    assert set(tasks) == {"extract", "load"}

    load = await client.get_task(tasks["load"].id)
    assert load.script is not None
    assert load.script.content == "insert into t select 2;"
    (dependency,) = load.dependencies
    assert dependency.upstream_output == "proj.wf_roundtrip_extract"
    assert dependency.upstream_task_id == str(tasks["extract"].id)  # GetTask: a string
    extract = await client.get_task(tasks["extract"].id)

    def task(summary_id: int, detail_script: str, **extra: Any) -> UpdateWorkflowTask:
        summary = next(t for t in workflow.tasks if t.id == summary_id)
        fields: dict[str, Any] = {
            "id": summary.id,
            "name": summary.name or "",
            "owner": summary.owner or "",
            "type": summary.type or "",
            "rerun_mode": summary.rerun_mode or "AllAllowed",
            "rerun_times": summary.rerun_times,
            "rerun_interval": summary.rerun_interval,
            "timeout": summary.timeout,
            "runtime_resource": summary.runtime_resource or RuntimeResource(resource_group_id="S_res_group_1"),
            "trigger": UpdateTaskTrigger(recurrence=summary.trigger_recurrence or "Normal", type="Scheduler"),
            "script": Script(content=detail_script),
        }
        return UpdateWorkflowTask.model_validate({**fields, **extra})

    update = UpdateWorkflowRequest(
        id=workflow_id,
        name="wf_roundtrip",
        owner=workflow.owner or "",
        description="changed by the client test",
        trigger=WorkflowTrigger(type="Scheduler", cron="00 30 03 * * ?"),
        parameters="bizdate=$bizdate region=cn",
        tags=[Tag(key="team", value="数据"), Tag(key="tier", value="gold")],
        tasks=[
            task(
                tasks["extract"].id,
                "select 1;",
                outputs=TaskOutputs(task_outputs=[TaskOutput(output="proj.wf_roundtrip_extract")]),
            ),
            task(
                tasks["load"].id,
                "insert into t select 3;",
                rerun_times=5,
                dependencies=[
                    Dependency(type="Normal", upstream_output="proj.wf_roundtrip_extract", upstream_task_id=extract.id)
                ],
            ),
        ],
    )
    await client.update_workflow(update)

    after = await client.get_workflow(workflow_id)
    assert after.description == "changed by the client test"
    assert after.trigger is not None
    assert after.trigger.cron == "00 30 03 * * ?"
    assert after.parameters == "bizdate=$bizdate region=cn"
    assert {(t.key, t.value) for t in after.tags} >= {("team", "数据"), ("tier", "gold")}
    load_after = await client.get_task(tasks["load"].id)
    assert load_after.rerun_times == 5
    assert load_after.script is not None
    assert load_after.script.content == "insert into t select 3;"
    assert [(d.upstream_output, d.upstream_task_id) for d in load_after.dependencies] == [
        ("proj.wf_roundtrip_extract", str(extract.id))
    ]
    calls = simulator.stats()["calls"]
    assert calls["UpdateWorkflow"] == 1
    assert calls == client.calls.snapshot()  # every attempt the client counted reached the simulator


async def test_listing_walks_every_page_of_both_types(client: DataWorksClient, simulator: SimulatorProcess) -> None:
    cycle = [f"wf_cycle_{i}" for i in range(5)]
    manual = [f"wf_manual_{i}" for i in range(3)]
    jobs = [await client.import_workflow_definition(flowspec(n)) for n in cycle]
    jobs += [await client.import_workflow_definition(flowspec(n, "ManualWorkflow")) for n in manual]
    for job in jobs:
        assert (await wait_for_job(client, job.id)).status == "Success"
    before = simulator.stats()["calls"].get("ListWorkflowDefinitions", 0)

    listed_cycle = await client.list_all_workflow_definitions("CycleWorkflow", page_size=2)
    listed_manual = await client.list_all_workflow_definitions("ManualWorkflow", page_size=2)

    assert sorted(d.name or "" for d in listed_cycle) == cycle
    assert sorted(d.name or "" for d in listed_manual) == manual
    assert all(d.type == "CycleWorkflow" for d in listed_cycle)
    assert len({d.id for d in listed_cycle + listed_manual}) == 8
    assert simulator.stats()["calls"]["ListWorkflowDefinitions"] - before == 3 + 2
    assert len(await client.list_all_workflow_definitions("CycleWorkflow")) == 5  # one page of 100


async def test_scheduled_workflows_are_listed_across_pages_in_id_order(client: DataWorksClient) -> None:
    for name in ("wf_a", "wf_b", "wf_c"):
        definition_id = await import_and_wait(client, flowspec(name))
        assert (await deploy(client, definition_id)).status == "Success"

    workflows = await client.list_all_workflows(page_size=2)

    assert sorted(w.name or "" for w in workflows) == ["wf_a", "wf_b", "wf_c"]
    assert [w.id for w in workflows] == sorted(w.id for w in workflows)
    assert all(w.env_type == "Prod" for w in workflows)


async def test_dry_run_import_validates_without_creating(client: DataWorksClient) -> None:
    job = await client.import_workflow_definition(flowspec("wf_dry"), dry_run=True)
    status = await wait_for_job(client, job.id)
    assert status.status == "Success", status.error
    assert await client.list_all_workflow_definitions("CycleWorkflow") == []


async def test_deleting_a_scheduled_workflow_and_its_definition(client: DataWorksClient) -> None:
    definition_id = await import_and_wait(client, flowspec("wf_gone"))
    await deploy(client, definition_id)
    workflow_id = (await client.get_workflow_definition(definition_id)).workflow_id
    assert workflow_id is not None

    await client.delete_workflow(workflow_id)  # Id travels in the query string
    with pytest.raises(NotFoundError):
        await client.get_workflow(workflow_id)
    await client.delete_workflow_definition(definition_id)
    assert await client.list_all_workflow_definitions("CycleWorkflow") == []


async def test_sts_credentials_are_signed_and_accepted(simulator: SimulatorProcess) -> None:
    async with DataWorksClient(
        endpoint=resolve_endpoint(endpoint=simulator.endpoint),
        credentials=StaticCredentials(
            simulator.sts_access_key_id, simulator.sts_access_key_secret, simulator.security_token
        ),
        project_id=simulator.project_id,
    ) as client:
        project = await client.get_project()
    assert project.id == simulator.project_id


async def test_a_wrong_secret_is_refused_as_an_auth_error_without_retries(simulator: SimulatorProcess) -> None:
    async with DataWorksClient(
        endpoint=resolve_endpoint(endpoint=simulator.endpoint),
        credentials=StaticCredentials(simulator.access_key_id, "not-the-secret-at-all"),
        project_id=simulator.project_id,
    ) as client:
        with pytest.raises(AuthError) as caught:
            await client.get_project()
        assert client.calls.snapshot() == {"GetProject": 1}
    assert "not-the-secret-at-all" not in str(caught.value)


async def test_unknown_ids_and_bad_requests_are_client_errors(client: DataWorksClient) -> None:
    with pytest.raises(NotFoundError):
        await client.get_workflow(424242)
    with pytest.raises(NotFoundError):
        await client.get_workflow_definition("6326476912390091234")
    with pytest.raises(ClientError):
        await client.exec_pipeline_run_stage("no-such-run", "PROD", project_id=client.project_id)


async def test_every_call_is_answered_without_retries_when_nothing_fails(simulator: SimulatorProcess) -> None:
    async with DataWorksClient(
        endpoint=resolve_endpoint(endpoint=simulator.endpoint),
        credentials=resolve_credentials(simulator.access_key_id, simulator.access_key_secret),
        project_id=simulator.project_id,
        retry=NO_RETRY,
    ) as client:
        await client.get_project()
        await client.list_all_workflows()
        await client.list_all_workflow_definitions("ManualWorkflow")
    assert simulator.stats()["total_errors"] == 0


async def test_query_values_with_spaces_slashes_and_unicode_pass_the_signature_check(
    client: DataWorksClient,
) -> None:
    definition_id = await import_and_wait(client, flowspec("销售 daily/v2"))
    page = await client.list_workflow_definitions(name="销售 daily/v2")
    assert [d.id for d in page.workflow_definitions] == [definition_id]
