"""Workflow definitions (DataStudio FlowSpec) and their async import jobs.

Operations: ImportWorkflowDefinition (async upsert by ids, DryRun), GetJobStatus,
GetWorkflowDefinition, ListWorkflowDefinitions, DeleteWorkflowDefinition. A job is validated when it
is submitted and writes when it finishes (``job_seconds`` later, observed lazily on the next call by
:func:`advance_jobs`): that is when ids are assigned, path conflicts are found and ModifyTime moves.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from controller.simulator.errors import InvalidParameter, NotFound
from controller.simulator.flowspec_render import (
    WORKFLOW_KINDS,
    find_problems,
    parse_document,
    render_definition,
    spec_text,
)
from controller.simulator.registry import Call, Operation
from controller.simulator.state import Definition, Job, World, bumped, now_ms

MAX_PAGE_SIZE = 100


def _target(world: World, document: dict[str, Any], project_id: int) -> Definition | None:
    """The existing definition an import updates: the one whose id the spec's workflow carries."""
    try:
        workflow_id = document["spec"]["workflows"][0].get("id")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    found = world.definitions.get(str(workflow_id)) if workflow_id is not None else None
    return found if found is not None and found.project_id == project_id else None


def _job_view(job: Job, now: float) -> dict[str, Any]:
    done = job.status != "Running"
    span = job.due - job.started
    progress = 100 if done else (0 if span <= 0 else min(99, int((now - job.started) / span * 100)))
    return {
        "Completed": done,
        "CreateTime": job.create_time,
        "Error": job.error,
        "Id": job.id,
        "Progress": progress,
        "Response": job.definition_id,
        "Status": job.status,
        "Type": "Create",
    }


def import_workflow_definition(call: Call) -> dict[str, Any]:
    """Submit an import job; problems found now surface when the job ends (status Fail)."""
    world, params = call.world, call.params
    project_id = world.project(params.required_integer("ProjectId"))
    document = parse_document(params.required_text("Spec"))
    dry_run = params.boolean("DryRun")
    target = _target(world, document, project_id)
    problems = find_problems(document) or _injected_failure(document, call.knobs.fail_import_path)
    # The id is reserved now and reported at once (AsyncJob.Response) unless nothing will be written.
    reserved = target.id if target else ("" if dry_run or problems else world.ids.string_id())
    job = Job(
        id=world.ids.string_id(),
        project_id=project_id,
        create_time=now_ms(),
        started=call.now,
        due=call.now + call.knobs.job_seconds,
        dry_run=dry_run,
        document=document,
        problems=problems,
        job_type="Update" if target else "Create",
        definition_id=reserved,
    )
    world.jobs[job.id] = job
    advance_jobs(world, call.now)
    return {"AsyncJob": _job_view(job, call.now)}


def _injected_failure(document: dict[str, Any], pattern: str) -> list[str]:
    # Stands in for what only the server can refuse (a resource group or data source the workspace
    # lacks, say): offline validation cannot see it, so the job is the first to fail.
    if not pattern:
        return []
    workflows = (document.get("spec") or {}).get("workflows") or [{}]
    path = str(((workflows[0] or {}).get("script") or {}).get("path") or "")
    if not fnmatch.fnmatchcase(path, pattern):
        return []
    return [f"$.spec.workflows[0].script.path: the workspace refused {path!r} (injected fault: fail_import_path)"]


def advance_jobs(world: World, now: float) -> None:
    """Finish every running job whose time is up, in submission order."""
    for job in world.jobs.values():
        if job.status == "Running" and job.due <= now:
            _finish(world, job)


def _finish(world: World, job: Job) -> None:
    if job.problems:
        job.status, job.error = "Fail", "; ".join(job.problems)
        return
    target = world.definitions.get(job.definition_id)
    definition_id = job.definition_id or world.ids.string_id()
    known_nodes = {str(n.get("id")) for n in target.workflow.get("nodes", [])} if target else set()
    rendered = render_definition(
        job.document,
        definition_id=definition_id,
        known_node_ids=known_nodes,
        new_id=world.ids.string_id,
        owner_uid=world.owner_uid,
        project_id=job.project_id,
        tenant_id=world.tenant_id,
    )
    path = rendered["spec"]["workflows"][0]["script"]["path"]
    for other in world.definitions.values():
        if other.id != definition_id and other.project_id == job.project_id and other.path == path:
            job.status = "Fail"
            job.error = (
                f"$.spec.workflows[0].script.path: target folder already exists: {path} (workflow definition "
                f"{other.id}); import with that id to update it, or choose another name/path"
            )
            return
    job.status = "Success"
    if job.dry_run:
        return
    if target is None:
        stamp = now_ms()
        world.definitions[definition_id] = Definition(
            id=definition_id,
            project_id=job.project_id,
            spec=rendered,
            script_id=world.ids.string_id(),
            create_time=stamp,
            modify_time=stamp,
        )
    elif target.spec != rendered:
        target.spec = rendered
        target.modify_time = bumped(target.modify_time)


def get_job_status(call: Call) -> dict[str, Any]:
    """GetJobStatus: Completed is the string "True"/"False", CreateTime a string of epoch ms."""
    job_id = call.params.required_text("JobId")
    job = call.world.jobs.get(job_id)
    if job is None:
        raise NotFound("Job", job_id, "Pass the AsyncJob.Id that ImportWorkflowDefinition returned.")
    return {
        "JobStatus": {
            "Completed": "False" if job.status == "Running" else "True",
            "CreateTime": str(job.create_time),
            "Error": job.error,
            "JobId": job.id,
            "JobType": job.job_type,
            "Status": job.status,
        }
    }


def _definition_in(call: Call, project_field_required: bool) -> Definition:
    params = call.params
    definition_id = params.required_text("Id")
    project_id = params.required_integer("ProjectId") if project_field_required else params.integer("ProjectId")
    definition = call.world.definition(definition_id)
    if project_id is not None and project_id != definition.project_id:
        raise NotFound("WorkflowDefinition", definition.id, f"It is not in workspace {project_id}.")
    return definition


def get_workflow_definition(call: Call) -> dict[str, Any]:
    """GetWorkflowDefinition; node scripts only with IncludeScriptContent=true."""
    definition = _definition_in(call, project_field_required=False)
    include = call.params.boolean("IncludeScriptContent")
    workflow = definition.workflow
    body: dict[str, Any] = {
        "CreateTime": definition.create_time,
        "Id": definition.id,
        "ModifyTime": definition.modify_time,
        "Name": workflow.get("name"),
        "Owner": workflow.get("owner"),
        "ProjectId": definition.project_id,
        "Spec": spec_text(definition.spec, include_script_content=include),
    }
    if definition.workflow_id is not None:
        body["WorkflowId"] = definition.workflow_id
    return {"WorkflowDefinition": body}


def _page(call: Call) -> tuple[int, int]:
    number = call.params.integer("PageNumber", default=1) or 1
    size = call.params.integer("PageSize", default=10) or 10
    if number < 1 or size < 1:
        raise InvalidParameter("PageNumber and PageSize must be positive integers.")
    return number, min(size, MAX_PAGE_SIZE)


def list_workflow_definitions(call: Call) -> dict[str, Any]:
    """ListWorkflowDefinitions: one Type per call (default CycleWorkflow), fuzzy Name, PageSize ≤ 100."""
    params = call.params
    project_id = call.world.project(params.required_integer("ProjectId"))
    kind = params.choice("Type", WORKFLOW_KINDS, default="CycleWorkflow")
    name = (params.text("Name") or "").lower()
    owner = params.text("Owner")
    number, size = _page(call)
    matches = [
        d
        for d in call.world.definitions.values()
        if d.project_id == project_id
        and d.kind == kind
        and name in str(d.workflow.get("name", "")).lower()
        and (not owner or d.workflow.get("owner") == owner)
    ]
    matches.sort(key=lambda d: (d.create_time, d.id))
    items = []
    for d in matches[(number - 1) * size : number * size]:
        workflow = d.workflow
        item = {
            "CreateTime": d.create_time,
            "Description": workflow.get("description"),
            "Id": d.id,
            "ModifyTime": d.modify_time,
            "Name": workflow.get("name"),
            "Owner": workflow.get("owner"),
            "ProjectId": d.project_id,
            "Script": {"Id": d.script_id, "Path": d.path, "Runtime": {"Command": "WORKFLOW"}},
            "Type": d.kind,
        }
        items.append({k: v for k, v in item.items() if v is not None})
    paging = {"PageNumber": number, "PageSize": size, "TotalCount": len(matches), "WorkflowDefinitions": items}
    return {"PagingInfo": paging}


def delete_workflow_definition(call: Call) -> dict[str, Any]:
    """DeleteWorkflowDefinition: the deployed scheduled workflow, if any, stays (undeploy first)."""
    definition = _definition_in(call, project_field_required=True)
    del call.world.definitions[definition.id]
    for workflow in call.world.workflows.values():
        if workflow.definition_id == definition.id:
            workflow.definition_id = None
    return {"Success": True}


OPERATIONS = [
    Operation("ImportWorkflowDefinition", "POST", import_workflow_definition),
    Operation("GetJobStatus", "GET", get_job_status),
    Operation("GetWorkflowDefinition", "GET", get_workflow_definition),
    Operation("ListWorkflowDefinitions", "GET", list_workflow_definitions),
    Operation("DeleteWorkflowDefinition", "POST", delete_workflow_definition),
]
