"""Client overhead per DataWorks call: calls/s on one core, and CPU per call spent in the client.

Two settings, both with client-side rate limiting off:

1. In-memory (``httpx.MockTransport`` answering canned bodies): only the client's own work — wire
   encoding, ACS3 signing, httpx request/response handling, JSON decoding and pydantic validation.
2. Against the simulator in a child process (zero latency) over a real socket: end-to-end calls/s,
   and the client process's CPU per call (the simulator burns its own core).

Run: ``.venv/bin/python bench/bench_client.py [--calls N]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import StaticCredentials, resolve_credentials, resolve_endpoint
from controller.dataworks.models import (
    RuntimeResource,
    Script,
    UpdateTaskTrigger,
    UpdateWorkflowRequest,
    UpdateWorkflowTask,
    WorkflowTrigger,
)
from controller.dataworks.ratelimit import RateLimiter
from controller.simulator.testing import start_simulator_process

Call = Callable[[DataWorksClient], Awaitable[object]]

TASK: dict[str, Any] = {
    "Id": 953669008029,
    "Name": "extract",
    "Type": "ODPS_SQL",
    "Owner": "1234567890123456",
    "RerunMode": "AllAllowed",
    "RerunTimes": 3,
    "RerunInterval": 180,
    "RuntimeResource": {"ResourceGroupId": "S_res_group_1"},
    "TriggerRecurrence": "Normal",
    "WorkflowId": 822191991855,
}
CANNED: dict[str, dict[str, Any]] = {
    "GetProject": {"Project": {"Id": 10001, "Name": "p", "Status": "Available"}},
    "GetWorkflow": {
        "Workflow": {
            "Id": 822191991855,
            "Name": "wf",
            "Owner": "1234567890123456",
            "Trigger": {"Type": "Scheduler", "Cron": "00 00 02 * * ?"},
            "Tasks": [{**TASK, "Id": TASK["Id"] + i, "Name": f"t{i}"} for i in range(10)],
        }
    },
    "UpdateWorkflow": {"Success": True},
}


def update_request(n_tasks: int = 10) -> UpdateWorkflowRequest:
    tasks = [
        UpdateWorkflowTask(
            id=953669008029 + i,
            name=f"t{i}",
            owner="1234567890123456",
            type="ODPS_SQL",
            rerun_mode="AllAllowed",
            runtime_resource=RuntimeResource(resource_group_id="S_res_group_1"),
            trigger=UpdateTaskTrigger(recurrence="Normal", type="Scheduler"),
            script=Script(content="select 1;\n" * 20),
        )
        for i in range(n_tasks)
    ]
    return UpdateWorkflowRequest(
        id=822191991855,
        name="wf",
        owner="1234567890123456",
        trigger=WorkflowTrigger(type="Scheduler", cron="00 00 02 * * ?"),
        tasks=tasks,
    )


CALLS: dict[str, Call] = {
    "GetProject": lambda c: c.get_project(),
    "GetWorkflow (10 tasks)": lambda c: c.get_workflow(822191991855),
    "UpdateWorkflow (10 tasks)": lambda c: c.update_workflow(update_request()),
}


def canned_transport() -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        action = request.headers["x-acs-action"]
        return httpx.Response(200, content=json.dumps({"RequestId": "r", **CANNED[action]}).encode())

    return httpx.MockTransport(answer)


async def measure(client: DataWorksClient, call: Call, n: int) -> tuple[float, float]:
    """(calls per wall second, CPU microseconds per call) for ``n`` sequential calls."""
    for _ in range(min(50, n)):  # warm up: connection, caches
        await call(client)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await call(client)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return n / wall, cpu / n * 1e6


async def in_memory(n: int) -> None:
    print(f"-- in memory (MockTransport), {n} sequential calls each")
    async with DataWorksClient(
        endpoint=resolve_endpoint(endpoint="127.0.0.1:1"),
        credentials=StaticCredentials("bench-id", "bench-secret"),
        project_id=10001,
        limiter=RateLimiter.unlimited(),
        transport=canned_transport(),
    ) as client:
        for name, call in CALLS.items():
            rate, cpu_us = await measure(client, call, n)
            print(f"{name:<28} {rate:>9.0f} calls/s   {cpu_us:>7.0f} µs CPU/call")


async def against_simulator(n: int) -> None:
    print(f"-- simulator subprocess, zero latency, real socket, {n} sequential calls each")
    with start_simulator_process(job_seconds=0, pipeline_seconds=0) as sim:
        async with DataWorksClient(
            endpoint=resolve_endpoint(endpoint=sim.endpoint),
            credentials=resolve_credentials(sim.access_key_id, sim.access_key_secret),
            project_id=sim.project_id,
            limiter=RateLimiter.unlimited(),
        ) as client:
            for name, call in [("GetProject", CALLS["GetProject"])]:
                rate, cpu_us = await measure(client, call, n)
                print(f"{name:<28} {rate:>9.0f} calls/s   {cpu_us:>7.0f} µs client CPU/call")
            concurrent = 8
            start = time.perf_counter()
            per_task = n // concurrent
            await asyncio.gather(*(_loop(client, per_task) for _ in range(concurrent)))
            rate = per_task * concurrent / (time.perf_counter() - start)
            print(f"{'GetProject x8 concurrent':<28} {rate:>9.0f} calls/s")
        print(f"simulator saw {sim.stats()['total_calls']} calls, {sim.stats()['total_errors']} errors")


async def _loop(client: DataWorksClient, n: int) -> None:
    for _ in range(n):
        await client.get_project()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="sequential calls per measurement")
    args = parser.parse_args()
    asyncio.run(in_memory(args.calls))
    asyncio.run(against_simulator(args.calls))


if __name__ == "__main__":
    main()
