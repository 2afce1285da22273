"""The live-change trigger end to end: `dataworks-gitops run` as a process, an edit made the way the
DataWorks console makes it, and the DataWorks OpenEvent CloudEvent that EventBridge would deliver to
`/webhooks/dataworks` — the drift is healed at once, with a 10-minute interval that cannot explain it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_dataworks_public20240518 import models

from controller.simulator.testing import SimulatorProcess
from tests.e2e.conftest import ControllerFactory
from tests.e2e.console import console_edit, sdk, workflow_id
from tests.e2e.daemon import Daemon, running_daemon, wait_for
from tests.fixtures.webhooks import load

pytestmark = pytest.mark.slow

TOKEN = "dataworks-event-token-for-tests"
GIT_CRON = "00 00 02 * * ?"  # daily_sales in example-repo
CONSOLE_CRON = "00 30 05 * * ?"


@pytest.fixture
def daemon(controller: ControllerFactory, tmp_path: Path) -> Iterator[Daemon]:
    """`run` with a 10-minute interval and `/webhooks/dataworks` enabled (token from the environment)."""
    with running_daemon(
        controller(interval="10m"),
        tmp_path / "daemon.log",
        server={},
        webhooks={"dataworks": {"secret_env": "TEST_DATAWORKS_TOKEN"}},
        env={"TEST_DATAWORKS_TOKEN": TOKEN},
    ) as running:
        yield running


def live_cron(simulator: SimulatorProcess, name: str) -> str:
    """The scheduled workflow's cron as DataWorks (the simulator) holds it, read with the SDK."""
    client = sdk(simulator)
    wid = workflow_id(client, simulator.project_id, name)
    cron: str = client.get_workflow(models.GetWorkflowRequest(id=wid, env_type="Prod")).body.workflow.trigger.cron
    return cron


def node_change_event(simulator: SimulatorProcess) -> tuple[bytes, dict[str, str]]:
    """The NodeChangeUpdated CloudEvent DataWorks publishes after a console save, for this workspace."""
    headers, body = load("dataworks", "node-change-updated")
    event = json.loads(body)
    event["id"] = str(uuid.uuid4())
    event["data"].update(nodeName="daily_sales", cronExpress=CONSOLE_CRON, projectId=simulator.project_id)
    return json.dumps(event).encode(), {**headers, "X-DataWorks-Token": TOKEN}


def test_a_console_edit_is_healed_within_seconds_of_its_dataworks_event(
    daemon: Daemon, simulator: SimulatorProcess
) -> None:
    wait_for(daemon.ready, 90, "readiness after the first sync")
    assert live_cron(simulator, "daily_sales") == GIT_CRON

    def edit(body: dict[str, Any]) -> None:
        body["Trigger"]["Cron"] = CONSOLE_CRON

    console_edit(simulator, "daily_sales", edit)
    assert live_cron(simulator, "daily_sales") == CONSOLE_CRON
    body, headers = node_change_event(simulator)

    refused = daemon.post("/webhooks/dataworks", content=body, headers={**headers, "X-DataWorks-Token": "guess"})
    assert refused.status_code == 401
    time.sleep(1.5)  # give a wrongly accepted event time to act, then prove nothing did
    assert live_cron(simulator, "daily_sales") == CONSOLE_CRON
    runs = len(daemon.events("sync_finished"))

    accepted = daemon.post("/webhooks/dataworks", content=body, headers=headers)
    assert accepted.status_code == 202
    assert accepted.json() == {"triggered": ["analytics"]}
    # The interval is 10 minutes: only the event can explain a heal within this wait.
    wait_for(lambda: live_cron(simulator, "daily_sales") == GIT_CRON, 30, "the console edit healed")
    wait_for(lambda: len(daemon.events("sync_finished")) > runs, 30, "the triggered run finished")
    assert daemon.workflow("daily_sales")["status"] == "Synced"
    (drift,) = [e for e in daemon.events("drift_detected") if e.get("workflow") == "daily_sales"]
    assert drift["fields"] == ["/trigger/cron"]
    (triggered,) = daemon.events("webhook_triggered")
    assert triggered["provider"] == "dataworks"
    assert triggered["types"] == ["dataworks:NodeChange:NodeChangeUpdated"]

    # DataWorks redelivering the same event changes nothing.
    assert daemon.post("/webhooks/dataworks", content=body, headers=headers).json() == {
        "ignored": "duplicate delivery"
    }
    # The controller's own write comes back as an event too: that run finds nothing to do.
    updates = simulator.stats()["calls"].get("UpdateWorkflow", 0)
    runs = len(daemon.events("sync_finished"))
    echo, _ = node_change_event(simulator)
    assert daemon.post("/webhooks/dataworks", content=echo, headers=headers).status_code == 202
    wait_for(lambda: len(daemon.events("sync_finished")) > runs, 30, "the follow-up run finished")
    assert simulator.stats()["calls"].get("UpdateWorkflow", 0) == updates
    assert live_cron(simulator, "daily_sales") == GIT_CRON
    assert TOKEN not in daemon.log.read_text()
