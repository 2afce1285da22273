"""Health, readiness, metrics, the status API and the authenticated sync API over HTTP."""

from __future__ import annotations

from controller.server.metrics import METRIC_NAMES
from tests.integration.server.conftest import API_TOKEN, Running

BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


def test_healthz_answers_while_the_process_serves(server: Running) -> None:
    response = server.http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_flips_from_503_to_200_when_the_daemon_is_ready(server: Running) -> None:
    assert server.http.get("/readyz").status_code == 503
    server.daemon.is_ready = True
    assert server.http.get("/readyz").status_code == 200
    server.daemon.is_ready = False
    assert server.http.get("/readyz").status_code == 503


def test_metrics_expose_every_documented_name(server: Running) -> None:
    server.metrics.record_sync("gh-main", "success", 3.2, drift=1)
    response = server.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for name in METRIC_NAMES:
        assert f"# TYPE {name} " in response.text
    assert 'dataworks_gitops_sync_runs_total{result="success",source="gh-main"} 1.0' in response.text


def test_status_api_serves_the_document_without_url_credentials(server: Running) -> None:
    response = server.http.get("/api/v1/status")
    assert response.status_code == 200
    doc = response.json()
    assert [s["repo"] for s in doc["sources"]] == [
        "https://gitlab.example.com/data/dataworks-flows.git",
        "git@github.com:acme-data/marketing-flows.git",
    ]
    assert {w["name"] for w in doc["workflows"]} >= {"orders_daily", "ads_report"}
    assert "glpat-" not in response.text


def test_status_failure_answers_503_not_a_traceback(server: Running) -> None:
    server.daemon.status_doc = None  # type: ignore[assignment]  # dict(None) fails inside the server
    response = server.http.get("/api/v1/status")
    assert response.status_code == 503
    assert "Traceback" not in response.text
    assert server.http.get("/").status_code == 503


def test_sync_api_refuses_without_the_bearer_token(server: Running) -> None:
    response = server.http.post("/api/v1/sources/gh-main/sync")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    wrong = server.http.post("/api/v1/sources/gh-main/sync", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    basic = server.http.post("/api/v1/sources/gh-main/sync", headers={"Authorization": f"Basic {API_TOKEN}"})
    assert basic.status_code == 401
    assert server.daemon.triggers == []


def test_sync_api_with_the_token_enqueues_and_answers_202(server: Running) -> None:
    response = server.http.post("/api/v1/sources/gh-main/sync", headers=BEARER)
    assert (response.status_code, response.json()) == (202, {"source": "gh-main", "result": "accepted"})
    assert server.daemon.triggers == [("gh-main", "api")]


def test_sync_api_unknown_source_is_404_only_once_authenticated(server: Running) -> None:
    assert server.http.post("/api/v1/sources/nope/sync").status_code == 401
    assert server.http.post("/api/v1/sources/nope/sync", headers=BEARER).status_code == 404


def test_sync_api_full_queue_is_503(server: Running) -> None:
    server.daemon.queue_full = True
    assert server.http.post("/api/v1/sources/gh-main/sync", headers=BEARER).status_code == 503


def test_sync_api_is_disabled_without_a_configured_token(server: Running) -> None:
    server.daemon.token = None
    response = server.http.post("/api/v1/sources/gh-main/sync", headers=BEARER)
    assert response.status_code == 403
    assert server.daemon.triggers == []
