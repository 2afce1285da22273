"""Shared fixtures: every test can stand up a real world (git repos, the simulator) in a few lines."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from controller.simulator.testing import SimulatorProcess

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project's own checkout."""
    return ROOT


@pytest.fixture(scope="session")
def python_exe() -> str:
    """The interpreter running the tests (the one with the package installed)."""
    return sys.executable


@pytest.fixture(scope="session")
def simulator_process() -> Iterator[SimulatorProcess]:
    """One DataWorks simulator subprocess for the whole session (import jobs and pipeline stages
    take 0.2 s each); tests use the function-scoped ``simulator`` fixture, which resets it."""
    from controller.simulator.testing import start_simulator_process

    with start_simulator_process(job_seconds=0.2, pipeline_seconds=0.2) as process:
        yield process


@pytest.fixture
def simulator(simulator_process: SimulatorProcess) -> SimulatorProcess:
    """The session's simulator, reset: empty workspace, start-up knobs, zero stats and quota.

    Attributes: ``.url``, ``.endpoint`` ("127.0.0.1:PORT"), ``.access_key_id``,
    ``.access_key_secret``, ``.project_id``, ``.sts_access_key_id``/``.sts_access_key_secret``/
    ``.security_token``; admin helpers ``.stats()``, ``.reset()``, ``.configure(**knobs)``, ``.state()``.
    """
    simulator_process.reset()
    return simulator_process
