"""How many signed read calls a second the DataWorks simulator answers (zero latency knob).

Starts the simulator as a subprocess (as tests and the demo see it), seeds it with deployed
workflows, then runs a few concurrent async clients (httpx, each request signed afresh with an
independent ACS3-HMAC-SHA256 signer) alternating GetWorkflow and ListWorkflows. Prints calls/s,
latency percentiles and refusals. Target on a 2-core machine: >= 1,000 reads/s. No assertion: this
prints figures.

    .venv/bin/python bench/bench_simulator.py [--seconds 5] [--clients 8] [--processes 1]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from controller.simulator.testing import start_simulator_process

VERSION = "2024-05-18"


def signed(endpoint: str, key: tuple[str, str], action: str, method: str, params: dict[str, str]) -> dict[str, Any]:
    """httpx request arguments for one signed call (query for GET, form body for POST)."""
    body = urlencode(sorted(params.items())).encode() if method == "POST" else b""
    query = {} if method == "POST" else params
    headers = {
        "host": endpoint,
        "x-acs-action": action,
        "x-acs-version": VERSION,
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    names = sorted(headers)
    canonical = "\n".join(
        [
            method,
            "/",
            "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query.items())),
            "".join(f"{n}:{headers[n]}\n" for n in names),
            ";".join(names),
            headers["x-acs-content-sha256"],
        ]
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(key[1].encode(), f"ACS3-HMAC-SHA256\n{digest}".encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={key[0]},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return {"method": method, "url": f"http://{endpoint}/", "params": query, "content": body, "headers": headers}


def seed(endpoint: str, key: tuple[str, str], project_id: int, workflows: int) -> list[int]:
    """Import and publish ``workflows`` small workflows; their scheduled ids."""
    ids = []
    with httpx.Client(timeout=30) as http:
        for i in range(workflows):
            nodes = [
                {"name": f"n{j}", "script": {"runtime": {"command": "ODPS_SQL"}, "content": f"select {j};"}}
                for j in range(5)
            ]
            spec = {"kind": "CycleWorkflow", "spec": {"workflows": [{"name": f"bench_{i}", "nodes": nodes}]}}
            form = {"ProjectId": str(project_id), "Spec": json.dumps(spec)}
            job = http.request(**signed(endpoint, key, "ImportWorkflowDefinition", "POST", form)).json()["AsyncJob"]
            run = {
                "ProjectId": str(project_id),
                "Type": "Online",
                "ObjectIds": json.dumps([job["Response"]]),
                "RunMode": "Auto",
            }
            http.request(**signed(endpoint, key, "CreatePipelineRun", "POST", run)).raise_for_status()
            get = {"Id": job["Response"]}
            definition = http.request(**signed(endpoint, key, "GetWorkflowDefinition", "GET", get)).json()
            ids.append(int(definition["WorkflowDefinition"]["WorkflowId"]))
    return ids


async def client_loop(
    endpoint: str, key: tuple[str, str], project_id: int, ids: list[int], until: float, out: list[tuple[float, int]]
) -> None:
    """One client: alternate GetWorkflow and ListWorkflows until ``until``; (latency, status) per call."""
    async with httpx.AsyncClient(timeout=30) as http:
        i = 0
        while time.monotonic() < until:
            if i % 2:
                args = signed(endpoint, key, "ListWorkflows", "POST", {"ProjectId": str(project_id), "PageSize": "20"})
            else:
                args = signed(endpoint, key, "GetWorkflow", "GET", {"Id": str(ids[i % len(ids)]), "EnvType": "Prod"})
            start = time.perf_counter()
            response = await http.request(**args)
            out.append((time.perf_counter() - start, response.status_code))
            i += 1


def run_clients(
    endpoint: str, key: tuple[str, str], project_id: int, ids: list[int], clients: int, seconds: float, start_at: float
) -> list[tuple[float, int]]:
    """Run ``clients`` concurrent async clients in this process for ``seconds`` from ``start_at``."""
    out: list[tuple[float, int]] = []

    async def main() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        until = time.monotonic() + seconds
        await asyncio.gather(*(client_loop(endpoint, key, project_id, ids, until, out) for _ in range(clients)))

    asyncio.run(main())
    return out


def main() -> None:
    """Print read throughput and latency figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients per process")
    parser.add_argument("--processes", type=int, default=1, help="client processes")
    parser.add_argument("--workflows", type=int, default=20)
    options = parser.parse_args()

    with start_simulator_process(job_seconds=0, pipeline_seconds=0) as sim:
        key = (sim.access_key_id, sim.access_key_secret)
        ids = seed(sim.endpoint, key, sim.project_id, options.workflows)
        before = sim.stats()["total_calls"]
        start_at = time.time() + 0.5
        args = (sim.endpoint, key, sim.project_id, ids, options.clients, options.seconds, start_at)
        if options.processes == 1:
            results = run_clients(*args)
        else:
            with multiprocessing.Pool(options.processes) as pool:
                parts = pool.starmap(run_clients, [args] * options.processes)
            results = [r for part in parts for r in part]
        served = sim.stats()["total_calls"] - before

    latencies = sorted(r[0] for r in results)
    refused = sum(1 for r in results if r[1] != 200)
    total = options.clients * options.processes
    print(
        f"simulator read throughput: {len(results) / options.seconds:,.0f} calls/s "
        f"({len(results)} calls in {options.seconds:g} s, {total} concurrent clients in {options.processes} "
        f"process(es), GetWorkflow + ListWorkflows over {len(ids)} deployed workflows; server counted {served})"
    )
    print(
        f"latency ms: p50 {statistics.median(latencies) * 1000:.2f}  "
        f"p90 {latencies[int(len(latencies) * 0.9)] * 1000:.2f}  p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f}"
    )
    print(f"non-200 answers: {refused}")


if __name__ == "__main__":
    main()
