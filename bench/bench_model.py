"""CPU and memory of the offline core: FlowSpec → model, scheduler → model, diff — per workflow.

A steady-state sync run with nothing changed still maps and diffs every workflow it re-reads, so
these figures bound what the controller spends besides API calls. Workflows are synthetic: a chain
of ``--tasks`` SQL nodes (30-line scripts, parameters, tags, one cross-workflow dependency).

Run: ``.venv/bin/python bench/bench_model.py [--workflows N] [--tasks M]``. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from controller.dataworks.adapters import model_from_scheduled, update_request_from_model
from controller.dataworks.models import GetTaskResponse, GetWorkflowResponse
from controller.model import FrozenMap, Script, WorkflowModel
from controller.reconcile.diff import diff
from controller.spec.flowspec import parse_flowspec
from controller.spec.to_model import model_from_flowspec

SQL = "\n".join(f"SELECT col_{i}, amount FROM ods_orders WHERE ds = '${{bizdate}}';" for i in range(30))  # noqa: S608


def flowspec(index: int, tasks: int) -> dict[str, Any]:
    """One workflow-level FlowSpec: a chain of SQL nodes depending on each other's outputs."""
    nodes = [
        {
            "name": f"t{j}",
            "script": {
                "runtime": {"command": "ODPS_SQL"},
                "content": SQL,
                "parameters": [{"name": "bizdate", "value": "$bizdate"}],
            },
            "runtimeResource": {"resourceGroup": "S_res_group_1"},
            "outputs": {"nodeOutputs": [{"data": f"proj.wf{index}_t{j}_out"}]},
            "tags": [{"key": "layer", "value": "dwd"}],
        }
        for j in range(tasks)
    ]
    upstreams = ["crm.dim_customer_out"] + [f"proj.wf{index}_t{j}_out" for j in range(tasks - 1)]
    dependencies = [
        {"nodeId": f"t{j}", "depends": [{"type": "Normal", "output": upstream}]} for j, upstream in enumerate(upstreams)
    ]
    workflow = {
        "name": f"wf{index}",
        "owner": "1",
        "trigger": {"cron": "00 00 02 * * ?"},
        "nodes": nodes,
        "dependencies": dependencies,
    }
    return {"version": "1.1.0", "kind": "CycleWorkflow", "spec": {"workflows": [workflow]}}


def scheduled(model: WorkflowModel) -> tuple[Any, dict[int, Any]]:
    """GetWorkflow + GetTask wire models for ``model``, as the scheduler would answer after a deploy."""
    ids = {name: 800_000_000_000 + i for i, name in enumerate(model.tasks)}
    request = update_request_from_model(model, workflow_id=1, live_task_ids=ids, owner_tags={"dataworks-gitops": "b"})
    wire = request.model_dump(exclude_none=True)
    tasks = wire.pop("Tasks")
    for task in tasks:
        for dep in task["Dependencies"]:
            if "UpstreamTaskId" in dep:
                dep["UpstreamTaskId"] = str(dep["UpstreamTaskId"])
    summaries = [{"Id": t["Id"], "Name": t["Name"]} for t in tasks]
    workflow = GetWorkflowResponse.model_validate({"Workflow": {**wire, "Tasks": summaries}})
    by_id = {t["Id"]: GetTaskResponse.model_validate({"Task": t}).task for t in tasks}
    return workflow.workflow, by_id


def timed(label: str, count: int, work: Callable[[], object]) -> None:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds * 1000 / count:8.3f} ms/workflow   {seconds:7.3f} s total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=10)
    args = parser.parse_args()
    n = args.workflows
    raw = [flowspec(i, args.tasks) for i in range(n)]
    docs = [parse_flowspec(r, file=f"wf{i}.json") for i, r in enumerate(raw)]
    print(f"{n} workflows x {args.tasks} tasks (30-line scripts)")

    git: list[WorkflowModel] = []
    timed("FlowSpec document -> model", n, lambda: git.extend(model_from_flowspec(d) for d in docs))
    wires = [scheduled(m) for m in git]
    live: list[WorkflowModel] = []
    timed(
        "GetWorkflow + GetTask -> model",
        n,
        lambda: live.extend(model_from_scheduled(w, t, "CycleWorkflow") for w, t in wires),
    )
    timed("diff, in sync", n, lambda: [diff(g, lv) for g, lv in zip(git, live, strict=True)])

    def edited(m: WorkflowModel) -> WorkflowModel:
        tasks = {
            k: dataclasses.replace(t, script=Script(t.script.content + "\n-- edited", t.script.parameters))
            for k, t in m.tasks.items()
        }
        return dataclasses.replace(m, tasks=FrozenMap(tasks))

    drifted = [edited(m) for m in live]
    changes = []
    timed(
        "diff, every script edited (unified excerpts)",
        n,
        lambda: changes.extend(diff(g, d) for g, d in zip(git, drifted, strict=True)),
    )
    print(f"{'changes per drifted workflow':<44} {len(changes[0]):8d}")

    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = [model_from_flowspec(d) for d in docs]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(s.size_diff for s in after.compare_to(before, "filename"))
    print(f"{'memory per model':<44} {size / len(kept) / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
