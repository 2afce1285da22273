"""The running simulator: its start-up settings and the live parts (knobs, world, verifier, gate,
stats), with reset, run-time reconfiguration and the clock that finishes jobs and pipeline stages.

``rpc.py`` serves the DataWorks API from it and ``admin.py`` the ``/_simulator/`` endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from controller.simulator import definitions, deploy
from controller.simulator.auth import Credential, Verifier
from controller.simulator.knobs import Gate, Knobs, Stats
from controller.simulator.state import DEFAULT_OWNER_UID, World


@dataclass(frozen=True)
class Settings:
    """What the simulator starts with; ``POST /_simulator/reset`` returns to exactly this."""

    credentials: tuple[Credential, ...]
    project_ids: tuple[int, ...]
    knobs: Knobs = field(default_factory=Knobs)
    owner_uid: str = DEFAULT_OWNER_UID


class Simulator:
    """Settings, knobs, the world, the gate, the verifier and the stats of one simulator."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.knobs = settings.knobs
        self.verifier = Verifier(settings.credentials)
        self.gate = Gate(self.knobs)
        self.stats = Stats()
        self.world = self._new_world()

    def _new_world(self) -> World:
        settings = self.settings
        return World(project_ids=list(settings.project_ids), owner_uid=settings.owner_uid, seed=self.knobs.seed)

    def reset(self) -> None:
        """Back to the start: empty workspace, start-up knobs, zero stats, quota and nonces."""
        self.knobs = self.settings.knobs
        self.gate = Gate(self.knobs)
        self.stats = Stats()
        self.verifier.nonces.clear()
        self.world = self._new_world()

    def configure(self, changes: dict[str, Any]) -> Knobs:
        """Apply knob changes at run time (validated as a whole; pydantic ValidationError if not)."""
        knobs = self.knobs.merged(changes)
        if "seed" in changes:
            self.world.ids.reseed(knobs.seed)
        self.knobs = knobs
        self.gate.reconfigure(knobs)
        return knobs

    def advance(self, now: float) -> None:
        """Let simulated time catch up: finish due jobs and pipeline stages."""
        definitions.advance_jobs(self.world, now)
        deploy.advance_runs(self.world, now, self.knobs.pipeline_seconds)
