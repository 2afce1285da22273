"""Shared pieces for the simulator tests: a FlowSpec builder and official-SDK helpers that wait for
async jobs and drive pipeline runs the way a client following ``dataworks-api.md`` would."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from alibabacloud_dataworks_public20240518 import models
from alibabacloud_dataworks_public20240518.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from controller.simulator.testing import SimulatorHandle
from tests.integration.simulator.rawclient import RawClient, shrink

TERMINAL = {"Success", "Fail", "Termination", "Cancel"}


def node(name: str, command: str = "ODPS_SQL", content: str = "select 1;", **extra: Any) -> dict[str, Any]:
    """A minimal FlowSpec node."""
    return {"name": name, "script": {"runtime": {"command": command}, "content": content}, **extra}


def _output(data: str) -> dict[str, Any]:
    return {"nodeOutputs": [{"data": data, "artifactType": "NodeOutput", "refTableName": data.split(".")[-1]}]}


def flowspec(
    name: str = "daily_sales",
    nodes: list[dict[str, Any]] | None = None,
    dependencies: list[dict[str, Any]] | None = None,
    kind: str = "CycleWorkflow",
    **workflow: Any,
) -> dict[str, Any]:
    """A workflow-level FlowSpec document (the seed's shape) with sensible contents."""
    if nodes is None:
        nodes = [
            node("extract", outputs=_output(f"{name}.extract")),
            node("transform", content="insert into t select * from s;", outputs=_output(f"{name}.transform")),
            node("load", command="DIDE_SHELL", content="echo done"),
        ]
        dependencies = [
            {"nodeId": "transform", "depends": [{"type": "Normal", "output": f"{name}.extract"}]},
            {"nodeId": "load", "depends": [{"type": "Normal", "output": f"{name}.transform"}]},
        ]
    body: dict[str, Any] = {
        "name": name,
        "trigger": {"type": "Scheduler" if kind == "CycleWorkflow" else "Manual", "cron": "00 00 02 * * ?"},
        "nodes": nodes,
        "dependencies": dependencies or [],
        **workflow,
    }
    return {"version": "1.1.0", "kind": kind, "spec": {"workflows": [body]}}


def sdk(sim: SimulatorHandle, *, secret: str | None = None, sts: bool = False) -> Client:
    """The official SDK client pointed at the simulator."""
    if sts:
        config = Config(
            access_key_id=sim.sts_access_key_id,
            access_key_secret=sim.sts_access_key_secret,
            security_token=sim.security_token,
            endpoint=sim.endpoint,
            protocol="http",
        )
    else:
        config = Config(
            access_key_id=sim.access_key_id,
            access_key_secret=secret or sim.access_key_secret,
            endpoint=sim.endpoint,
            protocol="http",
        )
    return Client(config)


def wait_job(client: Client, job_id: str, timeout: float = 15) -> models.GetJobStatusResponseBodyJobStatus:
    """Poll GetJobStatus until Completed == "True"."""
    deadline = time.monotonic() + timeout
    while True:
        status = client.get_job_status(models.GetJobStatusRequest(job_id=job_id)).body.job_status
        if status.completed == "True":
            return status
        assert time.monotonic() < deadline, f"job {job_id} still {status.status}"
        time.sleep(0.05)


def import_spec(
    client: Client, sim: SimulatorHandle, document: dict[str, Any], *, dry_run: bool | None = None
) -> tuple[str, models.GetJobStatusResponseBodyJobStatus]:
    """ImportWorkflowDefinition and wait for the job: (AsyncJob.Response, the final job status)."""
    request = models.ImportWorkflowDefinitionRequest(
        project_id=sim.project_id, spec=json.dumps(document), dry_run=dry_run
    )
    job = client.import_workflow_definition(request).body.async_job
    return job.response, wait_job(client, job.id)


def get_definition(client: Client, definition_id: str, *, content: bool = True) -> dict[str, Any]:
    """The stored FlowSpec document of a definition."""
    request = models.GetWorkflowDefinitionRequest(id=definition_id, include_script_content=content)
    spec: dict[str, Any] = json.loads(client.get_workflow_definition(request).body.workflow_definition.spec)
    return spec


def run_pipeline(
    client: Client, sim: SimulatorHandle, definition_id: str, *, kind: str = "Online", timeout: float = 20
) -> models.GetPipelineRunResponseBodyPipeline:
    """CreatePipelineRun (Normal mode) and drive it: execute the next Init stage whenever nothing runs."""
    run_id = client.create_pipeline_run(
        models.CreatePipelineRunRequest(project_id=sim.project_id, type=kind, object_ids=[definition_id])
    ).body.id
    deadline = time.monotonic() + timeout
    while True:
        request = models.GetPipelineRunRequest(id=run_id, project_id=sim.project_id)
        pipeline = client.get_pipeline_run(request).body.pipeline
        if pipeline.status in TERMINAL:
            return pipeline
        if not any(s.status == "Running" for s in pipeline.stages):
            code = next(s.code for s in pipeline.stages if s.status == "Init")
            stage = models.ExecPipelineRunStageRequest(id=run_id, code=code, project_id=sim.project_id)
            assert client.exec_pipeline_run_stage(stage).body.success is True
        assert time.monotonic() < deadline, f"pipeline run {run_id} stuck in {pipeline.status}"
        time.sleep(0.05)


def deploy(client: Client, sim: SimulatorHandle, document: dict[str, Any]) -> tuple[str, int]:
    """Import and publish a spec; (definition id, scheduled workflow id)."""
    definition_id, status = import_spec(client, sim, document)
    assert status.status == "Success", status.error
    pipeline = run_pipeline(client, sim, definition_id)
    assert pipeline.status == "Success", pipeline.message
    request = models.GetWorkflowDefinitionRequest(id=definition_id)
    workflow_id = client.get_workflow_definition(request).body.workflow_definition.workflow_id
    return definition_id, int(workflow_id)


def with_ids(document: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """``document`` carrying the ids the server assigned (matched by name), as Git would after a sync."""
    result = copy.deepcopy(document)
    live = stored["spec"]["workflows"][0]
    workflow = result["spec"]["workflows"][0]
    workflow["id"] = live["id"]
    ids = {n["name"]: n["id"] for n in live["nodes"]}
    for item in workflow["nodes"]:
        if item["name"] in ids:
            item["id"] = ids[item["name"]]
    return result


def raw_import(raw: RawClient, document: dict[str, Any], **form: Any) -> dict[str, Any]:
    """ImportWorkflowDefinition over raw HTTP; the AsyncJob (complete at once when job_seconds=0)."""
    body = raw.ok(
        "ImportWorkflowDefinition", form={"ProjectId": raw.sim.project_id, "Spec": json.dumps(document), **form}
    )
    job: dict[str, Any] = body["AsyncJob"]
    return job


def raw_job(raw: RawClient, job_id: str) -> dict[str, Any]:
    """GetJobStatus over raw HTTP."""
    status: dict[str, Any] = raw.ok("GetJobStatus", method="GET", query={"JobId": job_id})["JobStatus"]
    return status


def raw_spec(raw: RawClient, definition_id: str) -> dict[str, Any]:
    """The stored FlowSpec (with script content) over raw HTTP."""
    body = raw.ok("GetWorkflowDefinition", method="GET", query={"Id": definition_id, "IncludeScriptContent": "true"})
    spec: dict[str, Any] = json.loads(body["WorkflowDefinition"]["Spec"])
    return spec


def raw_deploy(raw: RawClient, document: dict[str, Any]) -> tuple[str, int]:
    """Import + publish (RunMode=Auto) with job_seconds = pipeline_seconds = 0: (definition id, workflow id)."""
    job = raw_import(raw, document)
    assert job["Status"] == "Success", job
    definition_id = job["Response"]
    form = {"ProjectId": raw.sim.project_id, "Type": "Online", "ObjectIds": shrink([definition_id]), "RunMode": "Auto"}
    raw.ok("CreatePipelineRun", form=form)
    body = raw.ok("GetWorkflowDefinition", method="GET", query={"Id": definition_id})
    return definition_id, int(body["WorkflowDefinition"]["WorkflowId"])
