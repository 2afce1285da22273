"""`dataworks-gitops run` as a process: readiness, webhooks, the sync API, metrics, the status page
in a real Chromium, and a clean SIGTERM — against the simulator process and a real git repo."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.simulator.testing import SimulatorProcess
from tests.e2e.conftest import ControllerFactory, WorkflowRepo
from tests.e2e.console import console_edit
from tests.e2e.daemon import Daemon, running_daemon, wait_for
from tests.integration.server.test_status_page_in_chromium import chromium

pytestmark = pytest.mark.slow

SECRET = "webhook-secret-for-tests"
TOKEN = "api-token-for-tests"


@pytest.fixture
def daemon(controller: ControllerFactory, tmp_path: Path) -> Iterator[Daemon]:
    with running_daemon(
        controller(interval="10m"),
        tmp_path / "daemon.log",
        server={"api_token_env": "TEST_API_TOKEN"},
        webhooks={"generic": {"secret_env": "TEST_WEBHOOK_SECRET"}},
        env={"TEST_WEBHOOK_SECRET": SECRET, "TEST_API_TOKEN": TOKEN},
    ) as running:
        yield running


def signed(repo_url: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"repo": repo_url, "ref": "refs/heads/main"}).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def test_ready_only_after_the_first_sync_then_status_lists_workflows(daemon: Daemon, simulator: Any) -> None:
    simulator.configure(job_seconds=0.6)
    seen = set()

    def probe() -> bool:
        try:
            code = daemon.get("/readyz").status_code
        except httpx.TransportError:
            return False
        seen.add(code)
        return code == 200

    wait_for(probe, 90, "readiness")
    assert 503 in seen  # not ready while the first sync was running
    assert daemon.get("/healthz").status_code == 200
    status = daemon.get("/api/v1/status").json()
    assert {w["status"] for w in status["workflows"]} == {"Synced"}
    assert len(status["workflows"]) == 5
    assert status["sources"][0]["last_commit"]


def test_forged_webhook_is_refused_and_a_signed_one_applies_the_commit(
    daemon: Daemon, workflow_repo: WorkflowRepo, simulator: Any
) -> None:
    wait_for(daemon.ready, 90, "readiness")
    sql = "workflows/sales/sql/dws_sales_daily.sql"
    sha = workflow_repo.commit(
        "distinct", {sql: workflow_repo.read(sql).replace("COUNT(*)", "COUNT(DISTINCT order_id)")}
    )
    body, headers = signed(workflow_repo.url)
    before = simulator.stats()["calls"].get("UpdateWorkflow", 0)

    forged = daemon.post("/webhooks/generic", content=body, headers={**headers, "X-Signature": "sha256=" + "0" * 64})
    assert forged.status_code == 401
    time.sleep(1.5)  # give a wrongly accepted trigger time to act, then prove nothing did
    assert simulator.stats()["calls"].get("UpdateWorkflow", 0) == before
    assert daemon.workflow("daily_sales")["last_commit"] != sha

    started = time.monotonic()
    accepted = daemon.post("/webhooks/generic", content=body, headers=headers)
    assert accepted.status_code == 202
    assert accepted.json() == {"triggered": ["analytics"]}
    wait_for(lambda: daemon.workflow("daily_sales")["last_commit"] == sha, 20, "the commit applied")
    assert time.monotonic() - started < 20
    assert simulator.stats()["calls"].get("UpdateWorkflow", 0) == before + 1


def test_sync_api_needs_the_token_and_metrics_move(daemon: Daemon) -> None:
    wait_for(daemon.ready, 90, "readiness")
    names = [
        "dataworks_gitops_sync_duration_seconds",
        "dataworks_gitops_sync_runs_total",
        "dataworks_gitops_workflows",
        "dataworks_gitops_drift_detected_total",
        "dataworks_gitops_api_calls_total",
        "dataworks_gitops_job_duration_seconds",
        "dataworks_gitops_last_sync_timestamp_seconds",
        "dataworks_gitops_git_fetch_duration_seconds",
    ]
    text = daemon.get("/metrics").text
    for name in names:
        assert name in text, name

    def runs() -> float:
        for line in daemon.get("/metrics").text.splitlines():
            if line.startswith('dataworks_gitops_sync_runs_total{result="success",source="analytics"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    assert 'dataworks_gitops_workflows{source="analytics",status="Synced"} 5.0' in text
    first = runs()
    assert daemon.post("/api/v1/sources/analytics/sync").status_code == 401
    assert daemon.post("/api/v1/sources/analytics/sync", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert daemon.post("/api/v1/sources/nope/sync", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    ok = daemon.post("/api/v1/sources/analytics/sync", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 202
    wait_for(lambda: runs() > first, 20, "a second run counted")
    assert SECRET not in daemon.log.read_text()
    assert TOKEN not in daemon.log.read_text()


def _sample(daemon: Daemon, prefix: str) -> float:
    for line in daemon.get("/metrics").text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_console_drift_healed_by_the_daemon_is_counted_in_the_drift_metric(
    daemon: Daemon, simulator: SimulatorProcess
) -> None:
    wait_for(daemon.ready, 90, "readiness")
    drift = 'dataworks_gitops_drift_detected_total{source="analytics"}'
    assert _sample(daemon, drift) == 0.0  # creating workflows is not drift

    def edit(body: dict[str, Any]) -> None:
        body["Trigger"]["Cron"] = "00 30 05 * * ?"

    console_edit(simulator, "daily_sales", edit)
    ok = daemon.post("/api/v1/sources/analytics/sync", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 202
    # Healed in the same run, so nothing is left to show in status — the counter still records it.
    wait_for(lambda: _sample(daemon, drift) == 1.0, 30, "the healed drift counted")
    assert daemon.workflow("daily_sales")["status"] == "Synced"
    assert '"event": "drift_detected"' in daemon.log.read_text()


def test_a_spent_api_quota_stops_calls_and_retries_until_the_pause_ends(
    daemon: Daemon, simulator: SimulatorProcess
) -> None:
    wait_for(daemon.ready, 90, "readiness")
    simulator.configure(daily_quota=1)  # already spent by the first sync: the next call gets Risk

    def sync() -> None:
        ok = daemon.post("/api/v1/sources/analytics/sync", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 202

    sync()
    wait_for(lambda: len(daemon.events("api_quota_exhausted")) == 1, 30, "the quota alert")
    wait_for(lambda: len(daemon.events("scheduler_run_error")) >= 1, 30, "the failed run")
    refused = simulator.stats()["total_calls"]
    # The daemon waits out the pause instead of retrying on its 5 s backoff ...
    assert daemon.events("scheduler_run_error")[-1]["retry_in"] > 3000
    # ... and runs asked for meanwhile send nothing: DataWorks would only answer 429 again.
    sync()
    wait_for(lambda: len(daemon.events("scheduler_run_error")) >= 2, 30, "the second failed run")
    assert simulator.stats()["total_calls"] == refused
    assert len(daemon.events("api_quota_exhausted")) == 1
    assert "quota" in daemon.get("/api/v1/status").json()["sources"][0]["last_error"]


def test_status_page_in_chromium_shows_the_workflows(daemon: Daemon, tmp_path: Path) -> None:
    wait_for(daemon.ready, 90, "readiness")
    dom = chromium(tmp_path, "--dump-dom", daemon.url + "/")
    for name in ("daily_sales", "hourly_events", "sales_backfill", "monthly_close", "campaign_attribution"):
        assert name in dom
    assert "Synced" in dom


def test_sigterm_mid_job_exits_0_in_time_and_leaves_the_job_recorded(
    daemon: Daemon, workflow_repo: WorkflowRepo, simulator: Any
) -> None:
    wait_for(daemon.ready, 90, "readiness")
    simulator.configure(job_seconds=60)
    spec = workflow_repo.read("workflows/finance/monthly_close.yaml")
    new = (
        spec.replace("name: monthly_close", "name: quarterly_close")
        .replace("path: finance/monthly_close", "path: finance/quarterly_close")
        .replace("revenue_close", "quarter_close")
        .replace("contentFile: quarter_close.py", "contentFile: revenue_close.py")
    )
    workflow_repo.commit("add quarterly close", {"workflows/finance/quarterly_close.yaml": new})
    body, headers = signed(workflow_repo.url)
    assert daemon.post("/webhooks/generic", content=body, headers=headers).status_code == 202
    wait_for(lambda: ("import_job", "finance/quarterly_close") in daemon.operations(), 20, "the import job in flight")

    started = time.monotonic()
    daemon.process.send_signal(signal.SIGTERM)
    code = daemon.process.wait(timeout=15)
    assert code == 0
    assert time.monotonic() - started < 10
    # The job is still recorded: the next start resumes it instead of importing again.
    assert ("import_job", "finance/quarterly_close") in daemon.operations()
    assert '"daemon_stopped"' in daemon.log.read_text()
