"""Pipeline runs: publishing a workflow definition to the Prod scheduler (Online) or removing it (Offline).

Operations: CreatePipelineRun, GetPipelineRun, ExecPipelineRunStage. Stages (standard-mode workspace):

- Online:  BUILD_PACKAGE (Build) → PROD_CHECK (Check) → PROD (Deploy)
- Offline: BUILD_PACKAGE (Build) → PROD_OFFLINE (Offline)

The package (the definition's FlowSpec) is taken when the run is created. BUILD_PACKAGE starts at
once; each stage runs ``pipeline_seconds``. With ``RunMode=Normal`` every later stage waits for
ExecPipelineRunStage with its code, in order; with ``RunMode=Auto`` stages follow on their own up to
``AutoRunUntilStage`` (default: the last). :func:`advance_runs` moves time forward lazily, on the
next call. The Deploy stage creates or updates the scheduled workflow (int64 ids; a task keeps its id
while its name stays) per the mapping in ``mapping.py``; the Offline stage deletes it.
"""

from __future__ import annotations

import copy
from typing import Any

from controller.simulator.errors import ApiError, InvalidParameter, MissingParameter, NotFound
from controller.simulator.mapping import task_body, workflow_body
from controller.simulator.registry import Call, Operation
from controller.simulator.state import PipelineRun, ScheduledWorkflow, Stage, Task, World, bumped, now_ms

ONLINE_STAGES = [
    ("BUILD_PACKAGE", "Build", "Build package", "Package the objects to deploy"),
    ("PROD_CHECK", "Check", "Production checks", "Check the package against the production environment"),
    ("PROD", "Deploy", "Deploy to production", "Publish the package to the production scheduler"),
]
OFFLINE_STAGES = [
    ("BUILD_PACKAGE", "Build", "Build package", "Package the objects to take offline"),
    ("PROD_OFFLINE", "Offline", "Take offline in production", "Remove the objects from the production scheduler"),
]
TERMINAL = frozenset({"Success", "Fail", "Termination", "Cancel"})


def create_pipeline_run(call: Call) -> dict[str, Any]:
    """CreatePipelineRun: only ObjectIds[0] is deployed, as in DataWorks."""
    world, params = call.world, call.params
    project_id = world.project(params.required_integer("ProjectId"))
    run_type = params.choice("Type", {"Online", "Offline"})
    if run_type is None:
        raise MissingParameter("Type")
    object_ids = params.json_list("ObjectIds", required=True) or []
    if not object_ids or not isinstance(object_ids[0], str | int):
        raise InvalidParameter('ObjectIds must be a JSON array of workflow definition ids, e.g. ["7012..."].')
    object_id = str(object_ids[0])
    run_mode = params.choice("RunMode", {"Normal", "Auto"}, default="Normal") or "Normal"
    definition = world.definitions.get(object_id)
    if definition is None or definition.project_id != project_id:
        raise NotFound("WorkflowDefinition", object_id, "ObjectIds[0] must be a workflow definition of this workspace.")
    layout = ONLINE_STAGES if run_type == "Online" else OFFLINE_STAGES
    stages = [Stage(i + 1, code, name, kind, text) for i, (code, kind, name, text) in enumerate(layout)]
    until = params.text("AutoRunUntilStage")
    if until is not None and until not in {s.code for s in stages}:
        raise InvalidParameter(
            f"AutoRunUntilStage {until!r} is not a stage of this run; use one of {', '.join(s.code for s in stages)}."
        )
    stamp = now_ms()
    run = PipelineRun(
        id=world.ids.run_id(),
        project_id=project_id,
        type=run_type,
        object_id=object_id,
        run_mode=run_mode,
        auto_until=(until or stages[-1].code) if run_mode == "Auto" else None,
        description=params.text("Description", default="") or "",
        creator=world.owner_uid,
        create_time=stamp,
        modify_time=stamp,
        stages=stages,
        package=copy.deepcopy(definition.spec),
    )
    world.runs[run.id] = run
    _start(run, stages[0], call.now, call.knobs.pipeline_seconds)
    advance_runs(world, call.now, call.knobs.pipeline_seconds)
    return {"Id": run.id}


def _start(run: PipelineRun, stage: Stage, at: float, seconds: float) -> None:
    stage.status, stage.due = "Running", at + seconds
    run.status = "Running"
    run.modify_time = bumped(run.modify_time)


def advance_runs(world: World, now: float, seconds: float) -> None:
    """Complete every stage whose time is up and start the ones that follow on their own."""
    for run in world.runs.values():
        while run.status not in TERMINAL:
            running = next((s for s in run.stages if s.status == "Running"), None)
            if running is None or running.due is None or running.due > now:
                break
            _complete(world, run, running)
            later = [s for s in run.stages if s.status == "Init"]
            if running.status == "Fail":
                run.status, run.message = "Fail", running.message
            elif not later:
                run.status = "Success"
            elif run.auto_until is not None and _before(run, running, run.auto_until):
                _start(run, later[0], running.due, seconds)
            run.modify_time = bumped(run.modify_time)


def _before(run: PipelineRun, stage: Stage, code: str) -> bool:
    steps = {s.code: s.step for s in run.stages}
    return stage.step < steps[code]


def _complete(world: World, run: PipelineRun, stage: Stage) -> None:
    stage.status = "Success"
    if stage.type == "Deploy" and run.package is not None:
        workflow = deploy_definition(world, run.project_id, run.object_id, run.package)
        stage.detail = {"WorkflowId": workflow.id}
    elif stage.type == "Offline":
        deployed = _deployed(world, run.object_id)
        if deployed is None:
            stage.status = "Fail"
            stage.message = (
                f"workflow definition {run.object_id} is not deployed to Prod; there is nothing to take offline"
            )
        else:
            world.remove_workflow(deployed.id)


def _deployed(world: World, definition_id: str) -> ScheduledWorkflow | None:
    definition = world.definitions.get(definition_id)
    if definition is not None and definition.workflow_id in world.workflows:
        return world.workflows[definition.workflow_id]
    return next((w for w in world.workflows.values() if w.definition_id == definition_id), None)


def resolve_upstream(output: str | None, tasks: list[Task]) -> int | None:
    """The task of this workflow that declares ``output`` (or whose node id it is); None if none."""
    if output is None:
        return None
    for task in tasks:
        declared = {o.get("Output") for o in task.body.get("Outputs", {}).get("TaskOutputs", [])}
        if output in declared or output == task.node_id:
            return task.id
    return None


def deploy_definition(world: World, project_id: int, definition_id: str, package: dict[str, Any]) -> ScheduledWorkflow:
    """Create or update the Prod scheduled workflow of a definition from its packaged FlowSpec."""
    spec_workflow = package["spec"]["workflows"][0]
    existing = _deployed(world, definition_id)
    stamp = now_ms()
    previous = {t.body["Name"]: t for t in existing.tasks.values()} if existing else {}
    tasks: list[Task] = []
    for node in spec_workflow.get("nodes", []):
        body = task_body(node, spec_workflow)
        old = previous.get(body["Name"])
        tasks.append(
            Task(
                id=old.id if old else world.ids.int_id(),
                node_id=str(node["id"]),
                body=body,
                client_unique_code=str(node["id"]),
                create_time=old.create_time if old else stamp,
                modify_time=old.modify_time if old else stamp,
                baseline_id=old.baseline_id if old else None,
            )
        )
    for task in tasks:
        for dependency in task.body.get("Dependencies", []):
            upstream = resolve_upstream(dependency.get("UpstreamOutput"), tasks)
            if upstream is not None:
                dependency["UpstreamTaskId"] = upstream
        old = previous.get(task.body["Name"])
        if old is not None and (old.body != task.body or old.node_id != task.node_id):
            task.modify_time = bumped(old.modify_time)
    body = workflow_body(spec_workflow)
    if existing is None:
        existing = ScheduledWorkflow(
            id=world.ids.int_id(),
            project_id=project_id,
            definition_id=definition_id,
            body=body,
            tasks={t.id: t for t in tasks},
            client_unique_code=definition_id,
            create_time=stamp,
            modify_time=stamp,
        )
        world.workflows[existing.id] = existing
    else:
        new_tasks = {t.id: t for t in tasks}
        changed = existing.body != body or [(t.id, t.body) for t in existing.tasks.values()] != [
            (t.id, t.body) for t in tasks
        ]
        existing.body, existing.tasks, existing.definition_id = body, new_tasks, definition_id
        if changed:
            existing.modify_time = bumped(existing.modify_time)
    world.index_tasks(existing)
    definition = world.definitions.get(definition_id)
    if definition is not None and definition.workflow_id != existing.id:
        definition.workflow_id = existing.id
        definition.modify_time = bumped(definition.modify_time)
    return existing


def _run(call: Call, project_id: int) -> PipelineRun:
    run_id = call.params.required_text("Id")
    run = call.world.runs.get(run_id)
    if run is None or run.project_id != project_id:
        raise NotFound("PipelineRun", run_id, "Pass the Id CreatePipelineRun returned, with the same ProjectId.")
    return run


def get_pipeline_run(call: Call) -> dict[str, Any]:
    """GetPipelineRun: status, and the stages ordered by Step."""
    project_id = call.params.required_integer("ProjectId")
    run = _run(call, call.world.project(project_id))
    stages = [
        {
            "Code": s.code,
            "Description": s.description,
            "Detail": s.detail,
            "Message": s.message,
            "Name": s.name,
            "Status": s.status,
            "Step": s.step,
            "Type": s.type,
        }
        for s in run.stages
    ]
    return {
        "Pipeline": {
            "CreateTime": run.create_time,
            "Creator": run.creator,
            "Description": run.description,
            "Id": run.id,
            "Message": run.message,
            "ModifyTime": run.modify_time,
            "ProjectId": run.project_id,
            "Stages": stages,
            "Status": run.status,
        }
    }


def exec_pipeline_run_stage(call: Call) -> dict[str, Any]:
    """ExecPipelineRunStage: start the next stage; skipping, repeating or overtaking is refused."""
    project_id = call.params.required_integer("ProjectId")
    code = call.params.required_text("Code")
    run = _run(call, call.world.project(project_id))
    stage = next((s for s in run.stages if s.code == code), None)
    if stage is None:
        raise InvalidParameter(
            f"Code {code!r} is not a stage of pipeline run {run.id}; its stages are "
            f"{', '.join(s.code for s in run.stages)}.",
            code="InvalidParameter.Stage",
        )
    if run.status in TERMINAL:
        raise _stage_refusal(f"pipeline run {run.id} has already finished ({run.status}).")
    if stage.status != "Init":
        raise _stage_refusal(f"stage {code} has already been executed ({stage.status}); stages run once, in order.")
    waiting = next(s for s in run.stages if s.status != "Success")
    if waiting is not stage:
        if waiting.status == "Running":
            raise _stage_refusal(f"stage {waiting.code} is still running; wait for it before executing {code}.")
        raise _stage_refusal(f"stage {waiting.code} comes first; stages cannot be skipped.")
    _start(run, stage, call.now, call.knobs.pipeline_seconds)
    advance_runs(call.world, call.now, call.knobs.pipeline_seconds)
    return {"Success": True}


def _stage_refusal(message: str) -> ApiError:
    return ApiError(400, "InvalidParameter.Stage", f"The stage cannot be executed: {message}")


OPERATIONS = [
    Operation("CreatePipelineRun", "POST", create_pipeline_run),
    Operation("GetPipelineRun", "GET", get_pipeline_run),
    Operation("ExecPipelineRunStage", "POST", exec_pipeline_run_stage, frozenset({"ProjectId"})),
]
