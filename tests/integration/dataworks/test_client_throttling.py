"""Against the simulator's QPS limits: bursts complete, no 429 reaches the caller, and the client
never sends faster than its own configured cap."""

from __future__ import annotations

import asyncio
import time

import httpx

from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import resolve_credentials, resolve_endpoint
from controller.dataworks.ratelimit import RateLimiter
from controller.simulator.testing import SimulatorProcess


def make_client(simulator: SimulatorProcess, limiter: RateLimiter, sent: list[float]) -> DataWorksClient:
    """A client whose transport notes when each attempt leaves (a real socket underneath)."""

    class Timed(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(time.monotonic())
            return await super().handle_async_request(request)

    return DataWorksClient(
        endpoint=resolve_endpoint(endpoint=simulator.endpoint),
        credentials=resolve_credentials(simulator.access_key_id, simulator.access_key_secret),
        project_id=simulator.project_id,
        limiter=limiter,
        transport=Timed(),
    )


def observed_rate(sent: list[float]) -> float:
    """Attempts per second between the first and the last attempt."""
    return (len(sent) - 1) / (sent[-1] - sent[0])


async def test_a_client_capped_below_the_server_limit_is_never_throttled(simulator: SimulatorProcess) -> None:
    simulator.configure(read_qps=5, write_qps=2)
    sent: list[float] = []
    async with make_client(simulator, RateLimiter.from_qps(read_qps=4, write_qps=1.5), sent) as client:
        reads = [client.get_project() for _ in range(10)]
        writes = [client.import_workflow_definition('{"version":"1.1.0"}', dry_run=True) for _ in range(3)]
        await asyncio.gather(*reads, *writes)
    stats = simulator.stats()
    assert stats["calls"] == {"GetProject": 10, "ImportWorkflowDefinition": 3}
    assert stats["total_errors"] == 0
    assert observed_rate(sent) <= 4 + 1.5


async def test_a_burst_over_the_server_limit_is_absorbed_by_retries(simulator: SimulatorProcess) -> None:
    simulator.configure(read_qps=4)
    sent: list[float] = []
    cap = 20.0
    async with make_client(simulator, RateLimiter.from_qps(read_qps=cap, write_qps=cap), sent) as client:
        projects = await asyncio.gather(*(client.get_project() for _ in range(16)))
        by_code = client.calls.by_code()
    assert len(projects) == 16  # nothing raised: no 429 reached the caller
    assert by_code[("GetProject", "OK")] == 16
    throttled = by_code.get(("GetProject", "Throttling.User"), 0)
    assert throttled > 0  # the server did push back, and the retries honoured it
    assert simulator.stats()["errors"] == {"Throttling.User": throttled}
    assert observed_rate(sent) <= cap


async def test_the_default_limit_is_five_calls_a_second_for_reads_and_writes_together(
    simulator: SimulatorProcess,
) -> None:
    sent: list[float] = []
    async with make_client(simulator, RateLimiter.from_qps(), sent) as client:
        await asyncio.gather(
            *(client.get_project() for _ in range(6)),
            *(client.import_workflow_definition('{"version":"1.1.0"}', dry_run=True) for _ in range(5)),
        )
    assert len(sent) == 11
    assert observed_rate(sent) <= 5.0
    assert sent[-1] - sent[0] >= 10 / 5.0 - 0.05
