"""A spent daily quota (429 Throttling.Api.Risk) pauses the client: nothing more is sent until it resets."""

from __future__ import annotations

import time

import pytest
from structlog.testing import capture_logs

from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import resolve_credentials, resolve_endpoint
from controller.dataworks.errors import QUOTA_RETRY_DELAY, QuotaExhaustedError
from controller.simulator.testing import SimulatorProcess


class Clock:
    """Real monotonic time (the rate limiter waits on it) that a test can move forward."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skipped


async def test_after_the_quota_is_spent_no_call_is_sent_until_the_pause_ends(simulator: SimulatorProcess) -> None:
    simulator.configure(daily_quota=2)
    clock = Clock()
    async with DataWorksClient(
        endpoint=resolve_endpoint(endpoint=simulator.endpoint),
        credentials=resolve_credentials(simulator.access_key_id, simulator.access_key_secret),
        project_id=simulator.project_id,
        clock=clock,
    ) as client:
        await client.list_all_workflows()
        await client.list_all_workflows()
        assert client.quota_pause() is None
        with capture_logs() as events, pytest.raises(QuotaExhaustedError) as spent:
            await client.list_all_workflows()
        assert spent.value.code == "Throttling.Api.Risk"
        (alert,) = [e for e in events if e["event"] == "api_quota_exhausted"]
        assert alert["log_level"] == "error"
        assert client.quota_pause() == pytest.approx(QUOTA_RETRY_DELAY, abs=5)
        sent = simulator.stats()["calls"].get("ListWorkflows", 0)

        # Refused here, with the reason, and never sent: a spent quota answers nothing but 429.
        with pytest.raises(QuotaExhaustedError, match="not sent: the DataWorks API quota is spent"):
            await client.list_all_workflows()
        assert simulator.stats()["calls"].get("ListWorkflows", 0) == sent

        # Once the pause is over the client tries again (here the quota was raised meanwhile).
        simulator.configure(daily_quota=0)
        clock.skipped += QUOTA_RETRY_DELAY + 1
        assert client.quota_pause() is None
        await client.list_all_workflows()
        assert simulator.stats()["calls"].get("ListWorkflows", 0) == sent + 1
