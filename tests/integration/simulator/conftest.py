"""Fixtures for the simulator tests: a raw signed client on the session simulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from controller.simulator.testing import SimulatorProcess
from tests.integration.simulator.rawclient import RawClient


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the session (building one costs ~0.2 s)."""
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture
def raw(simulator: SimulatorProcess, http: httpx.Client) -> RawClient:
    """Signed raw HTTP calls (independent hashlib/hmac signer) against the reset simulator."""
    return RawClient(simulator, http)


@pytest.fixture
def fast(raw: RawClient, simulator: SimulatorProcess) -> RawClient:
    """``raw`` with import jobs and pipeline stages finishing at once (job_seconds = pipeline_seconds = 0)."""
    simulator.configure(job_seconds=0, pipeline_seconds=0)
    return raw
