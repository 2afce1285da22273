"""No false drift against the real simulator: Git spec → import → deploy → read back → empty diff.

Everything goes over a socket through the controller's own client (signed, rate-limited), the
simulator renders definitions and scheduled workflows as DataWorks does, and both live reads are
mapped by the production adapters. Then the reverse: what UpdateWorkflow writes from a Git model
reads back as that model, and a console edit shows exactly at its path.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from controller.dataworks.adapters import (
    SCHEDULER_UNOBSERVED,
    ResourceGroupRequired,
    model_from_scheduled,
    update_request_from_model,
    with_server_assigned,
)
from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import resolve_credentials, resolve_endpoint
from controller.dataworks.models import RuntimeResource as RuntimeResourceWire
from controller.dataworks.models import Task, Workflow
from controller.dataworks.ratelimit import RateLimiter
from controller.model import FrozenMap, RuntimeResource, Script, TaskModel, WorkflowModel
from controller.reconcile.diff import diff
from controller.simulator.testing import SimulatorProcess
from controller.spec.flowspec import parse_flowspec
from controller.spec.to_model import model_from_flowspec
from tests.unit.model.live import WORKFLOWS, raw

TERMINAL = {"Success", "Fail", "Termination", "Cancel"}


@pytest.fixture
async def client(simulator: SimulatorProcess) -> AsyncIterator[DataWorksClient]:
    async with DataWorksClient(
        endpoint=resolve_endpoint(endpoint=simulator.endpoint),
        credentials=resolve_credentials(simulator.access_key_id, simulator.access_key_secret),
        project_id=simulator.project_id,
        limiter=RateLimiter.from_qps(read_qps=200, write_qps=200),
    ) as dw:
        yield dw


async def _import(client: DataWorksClient, spec: dict[str, Any]) -> str:
    job = await client.import_workflow_definition(spec)
    async with asyncio.timeout(15):
        while not (status := await client.get_job_status(job.id)).completed:
            await asyncio.sleep(0.05)
    assert status.status == "Success", status.error
    name = spec["spec"]["workflows"][0]["name"]
    (found,) = [d.id for d in await client.list_all_workflow_definitions(spec["kind"]) if d.name == name]
    return found


async def _deploy(client: DataWorksClient, definition_id: str) -> None:
    run_id = await client.create_pipeline_run(definition_id, type="Online", run_mode="Auto")
    async with asyncio.timeout(15):
        while (run := await client.get_pipeline_run(run_id)).status not in TERMINAL:
            await asyncio.sleep(0.05)
    assert run.status == "Success", run.message


async def _definition_model(client: DataWorksClient, definition_id: str) -> tuple[WorkflowModel, int]:
    definition = await client.get_workflow_definition(definition_id, include_script_content=True)
    document = parse_flowspec(json.loads(definition.spec or "{}"), file="GetWorkflowDefinition.Spec")
    assert definition.workflow_id is not None, "the definition is deployed, so it links its scheduled workflow"
    return model_from_flowspec(document), definition.workflow_id


async def _scheduled(
    client: DataWorksClient, workflow_id: int, kind: Any
) -> tuple[Workflow, dict[int, Task], WorkflowModel]:
    workflow = await client.get_workflow(workflow_id)
    tasks = {t.id: await client.get_task(t.id) for t in workflow.tasks}
    return workflow, tasks, model_from_scheduled(workflow, tasks, kind)


def _git(name: str, owner: str) -> WorkflowModel:
    return model_from_flowspec(parse_flowspec(raw(name, "flowspec"), file=f"{name}.flowspec.json"), default_owner=owner)


@pytest.mark.parametrize("name", WORKFLOWS)
async def test_a_deployed_git_spec_reads_back_without_drift(client: DataWorksClient, name: str) -> None:
    spec = raw(name, "flowspec")
    definition_id = await _import(client, spec)
    await _deploy(client, definition_id)

    definition, workflow_id = await _definition_model(client, definition_id)
    _, _, scheduled = await _scheduled(client, workflow_id, spec["kind"])
    git = _git(name, owner=definition.owner)

    assert diff(git, definition) == []
    assert diff(git, scheduled, ignore=SCHEDULER_UNOBSERVED) == []
    # Owner absent in Git: the server used the caller's uid, which the reconciler passes as default.
    assert scheduled.owner == definition.owner == (spec["spec"]["workflows"][0].get("owner") or "1234567890123456")


async def test_an_update_built_from_git_reads_back_as_git(client: DataWorksClient) -> None:
    spec = raw("daily_sales", "flowspec")
    definition_id = await _import(client, spec)
    await _deploy(client, definition_id)
    _, workflow_id = await _definition_model(client, definition_id)
    workflow, tasks, _ = await _scheduled(client, workflow_id, "CycleWorkflow")

    git = _git("daily_sales", owner=workflow.owner or "")
    changed_tasks = {k: v for k, v in git.tasks.items() if k != "ads_sales_report"}
    changed_tasks["dq_check"] = TaskModel(
        type="ODPS_SQL", owner=git.owner, script=Script(content="select count(*) from dws_sales_daily;"),
        runtime_resource=dataclasses.replace(git.tasks["ods_orders"].runtime_resource),
        dependencies=git.tasks["ads_sales_report"].dependencies,
    )
    new_script = Script(content="select 2;", parameters=FrozenMap({"bizdate": "$bizdate"}))
    changed_tasks["dwd_sales_clean"] = dataclasses.replace(changed_tasks["dwd_sales_clean"], script=new_script)
    wanted = dataclasses.replace(git, description="now with a data-quality check", tasks=FrozenMap(changed_tasks))

    request = update_request_from_model(
        wanted,
        workflow_id=workflow_id,
        live_task_ids={t.name: t.id for t in workflow.tasks if t.name},
        owner_tags={"dataworks-gitops": "sales-repo"},
        live=workflow,
        live_tasks=tasks,
    )
    await client.update_workflow(request)

    after, after_tasks, scheduled = await _scheduled(client, workflow_id, "CycleWorkflow")
    assert diff(wanted, scheduled, ignore=SCHEDULER_UNOBSERVED) == []
    kept = {t.name: t.id for t in after.tasks}
    assert {n: kept[n] for n in ("ods_orders", "dwd_sales_clean", "dws_sales_daily")} == {
        t.name: t.id for t in workflow.tasks if t.name != "ads_sales_report"
    }
    assert "ads_sales_report" not in kept
    assert {tag.key for tag in after.tags} == {"team", "tier", "dataworks-gitops"}
    assert all(t.id in after_tasks for t in after.tasks)


async def test_a_console_edit_shows_exactly_at_its_path(client: DataWorksClient) -> None:
    spec = raw("daily_sales", "flowspec")
    definition_id = await _import(client, spec)
    await _deploy(client, definition_id)
    _, workflow_id = await _definition_model(client, definition_id)
    workflow, tasks, _ = await _scheduled(client, workflow_id, "CycleWorkflow")
    git = _git("daily_sales", owner=workflow.owner or "")

    # Someone edits the cron and drops a dependency in the console (an UpdateWorkflow of their own).
    edited_tasks = dict(git.tasks)
    edited_tasks["ads_sales_report"] = dataclasses.replace(edited_tasks["ads_sales_report"], dependencies=frozenset())
    console = dataclasses.replace(
        git, trigger=dataclasses.replace(git.trigger, cron="00 45 05 * * ?"), tasks=FrozenMap(edited_tasks)
    )
    await client.update_workflow(
        update_request_from_model(
            console,
            workflow_id=workflow_id,
            live_task_ids={t.name: t.id for t in workflow.tasks if t.name},
            owner_tags={},
            live=workflow,
            live_tasks=tasks,
        )
    )

    _, _, scheduled = await _scheduled(client, workflow_id, "CycleWorkflow")
    assert diff(git, scheduled, ignore=SCHEDULER_UNOBSERVED).paths == (
        "/trigger/cron",
        "/tasks/ads_sales_report/dependencies",
    )
    definition, _ = await _definition_model(client, definition_id)  # DataWorks syncs the edit back
    assert diff(git, definition).paths == (
        "/trigger/cron",
        "/tasks/ads_sales_report/dependencies",
    )


# --- a spec that leaves the resource group (and the owner) to DataWorks --------------------------

#: The group DataWorks runs a node without ``runtimeResource`` on: the workspace default.
WORKSPACE_DEFAULT = "S_res_group_workspace_default"


def _spec_without_runtime_resource(name: str) -> dict[str, Any]:
    """A workflow whose nodes name no ``runtimeResource`` (and nobody an owner): DataWorks picks both."""
    out = f"it.{name}_extract_out"
    nodes = [
        {"name": "extract", "script": {"runtime": {"command": "ODPS_SQL"}, "content": "select 1;"},
         "outputs": {"nodeOutputs": [{"data": out}]}},
        {"name": "load", "script": {"runtime": {"command": "ODPS_SQL"}, "content": "select 2;"}},
    ]
    workflow = {
        "name": name,
        "script": {"path": f"it/{name}", "runtime": {"command": "WORKFLOW"}},
        "trigger": {"type": "Scheduler", "cron": "00 00 02 * * ?"},
        "nodes": nodes,
        "dependencies": [{"nodeId": "load", "depends": [{"type": "Normal", "output": out}]}],
    }
    return {"version": "1.1.0", "kind": "CycleWorkflow", "spec": {"workflows": [workflow]}}


def _git_as_loaded(spec: dict[str, Any]) -> WorkflowModel:
    """The Git model as the reconciler builds it: no default owner (it cannot know the account)."""
    return model_from_flowspec(parse_flowspec(spec, file="it.flowspec.json"), file="it.flowspec.json")


def _update_as_applied(model: WorkflowModel, workflow: Workflow) -> Any:
    """The request ``reconcile.apply`` sends: the live GetWorkflow, no GetTask results."""
    return update_request_from_model(
        model,
        workflow_id=workflow.id,
        live_task_ids={t.name: t.id for t in workflow.tasks if t.name},
        owner_tags={"dataworks-gitops": "it-repo"},
        live=workflow,
    )


async def test_a_spec_without_runtime_resource_is_updated_and_reads_back_without_drift(
    client: DataWorksClient, simulator: SimulatorProcess
) -> None:
    spec = _spec_without_runtime_resource("rg_left_to_dataworks")
    definition_id = await _import(client, spec)
    await _deploy(client, definition_id)
    _, workflow_id = await _definition_model(client, definition_id)
    workflow, tasks, live = await _scheduled(client, workflow_id, "CycleWorkflow")
    # DataWorks runs such nodes on the workspace default group. The simulator's deploy leaves the
    # group out instead, so a console save puts the tasks where DataWorks would have.
    on_default = FrozenMap(
        (name, dataclasses.replace(task, runtime_resource=RuntimeResource(resource_group=WORKSPACE_DEFAULT)))
        for name, task in live.tasks.items()
    )
    await client.update_workflow(
        update_request_from_model(
            dataclasses.replace(live, tasks=on_default),
            workflow_id=workflow_id,
            live_task_ids={t.name: t.id for t in workflow.tasks if t.name},
            owner_tags={},
            live=workflow,
            live_tasks=tasks,
        )
    )

    # The next commit changes a script and adds a node, still naming no group and no owner.
    edited = copy.deepcopy(spec)
    flow = edited["spec"]["workflows"][0]
    flow["nodes"][1]["script"]["content"] = "select 20;"
    flow["nodes"].append({"name": "check", "script": {"runtime": {"command": "ODPS_SQL"}, "content": "select 3;"}})
    flow["dependencies"].append({"nodeId": "check", "depends": flow["dependencies"][0]["depends"]})
    wanted = _git_as_loaded(edited)
    workflow, _, _ = await _scheduled(client, workflow_id, "CycleWorkflow")
    await client.update_workflow(_update_as_applied(wanted, workflow))

    after, after_tasks, scheduled = await _scheduled(client, workflow_id, "CycleWorkflow")
    groups = {t.name: (t.runtime_resource or RuntimeResourceWire()).resource_group_id for t in after_tasks.values()}
    assert groups == {"extract": WORKSPACE_DEFAULT, "load": WORKSPACE_DEFAULT, "check": WORKSPACE_DEFAULT}
    assert scheduled.tasks["load"].script.content == "select 20;"
    assert after.owner == scheduled.tasks["check"].owner == "1234567890123456"  # the caller, as DataWorks sets it
    # Unset in Git is "what DataWorks chose": no drift on the scheduler nor on the synced-back definition.
    assert diff(with_server_assigned(wanted, scheduled), scheduled, ignore=SCHEDULER_UNOBSERVED) == []
    definition, _ = await _definition_model(client, definition_id)
    assert diff(with_server_assigned(wanted, definition), definition) == []
    assert simulator.stats()["errors"] == {}


async def test_with_no_group_to_keep_the_update_is_refused_before_it_is_sent(
    client: DataWorksClient, simulator: SimulatorProcess
) -> None:
    spec = _spec_without_runtime_resource("rg_nowhere")
    definition_id = await _import(client, spec)
    await _deploy(client, definition_id)
    _, workflow_id = await _definition_model(client, definition_id)
    workflow, tasks, _ = await _scheduled(client, workflow_id, "CycleWorkflow")
    # The premise (see the test above): the simulator deployed the tasks without a group.
    assert all(not (t.runtime_resource and t.runtime_resource.resource_group_id) for t in tasks.values())

    git = _git_as_loaded(spec)
    wanted = dataclasses.replace(
        git, tasks=FrozenMap({**git.tasks, "load": dataclasses.replace(git.tasks["load"], script=Script("select 20;"))})
    )
    with pytest.raises(ResourceGroupRequired) as raised:
        await client.update_workflow(_update_as_applied(wanted, workflow))
    assert raised.value.tasks == ["extract", "load"]
    assert "runtimeResource" in str(raised.value)
    assert "UpdateWorkflow" not in simulator.stats()["calls"]  # nothing invalid went out
