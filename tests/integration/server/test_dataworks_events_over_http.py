"""`POST /webhooks/dataworks` over real HTTP: DataWorks OpenEvent CloudEvents (as an EventBridge
HTTP target delivers them) trigger every source, under the same guarantees as the Git webhooks."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from controller.server.app import create_app
from controller.server.metrics import GitOpsMetrics
from controller.server.runner import ServerThread
from controller.server.testing import RecordingDaemon
from tests.fixtures.webhooks import SECRET, load
from tests.integration.server.conftest import Running

WORKSPACE = 10001  # data.projectId of the recorded events
MAX_BODY = 64 * 1024
SOURCES = [
    ("analytics", "git@codeup.aliyun.com:acme/dataworks-flows.git", "main"),
    ("marketing", "https://github.com/acme-data/marketing-flows.git", "v1.4.0"),
]
ALL = [name for name, _, _ in SOURCES]
REASON = "webhook:dataworks"


@pytest.fixture
def live() -> Iterator[Running]:
    """The app over a fake daemon that keeps workspace 10001 and has a token for /webhooks/dataworks."""
    daemon = RecordingDaemon(sources=list(SOURCES), secrets={"dataworks": SECRET, "github": SECRET})
    deps = dataclasses.replace(daemon.deps(), workspace_id=lambda: WORKSPACE)
    metrics = GitOpsMetrics()
    app = create_app(deps, metrics=metrics, max_body_bytes=MAX_BODY)
    with ServerThread(app, "127.0.0.1", 0) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        yield Running(running.url, daemon, metrics, http)


def post(server: Running, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    response = server.http.post("/webhooks/dataworks", headers=headers, content=body)
    return response.status_code, response.json()


def recorded(name: str, **changes: Any) -> tuple[dict[str, str], bytes]:
    """A recorded delivery; ``changes`` replace envelope fields of a single event (``data`` merged)."""
    headers, body = load("dataworks", name)
    if not changes:
        return headers, body
    event = json.loads(body)
    event["data"] = {**event["data"], **changes.pop("data", {})}
    event.update(changes)
    return headers, json.dumps(event).encode()


def count(server: Running, result: str) -> float:
    prefix = f'dataworks_gitops_webhook_requests_total{{provider="dataworks",result="{result}"}} '
    text = server.http.get("/metrics").text
    return next((float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)), 0.0)


def test_a_console_edit_event_with_the_token_triggers_every_source_at_once(live: Running) -> None:
    with capture_logs() as logs:
        status, answer = post(live, *recorded("node-change-updated"))
    assert (status, answer) == (202, {"triggered": ALL})
    assert live.daemon.triggers == [(name, REASON) for name in ALL]
    assert count(live, "triggered") == 1
    (triggered,) = [e for e in logs if e["event"] == "webhook_triggered"]
    assert triggered["provider"] == "dataworks"
    assert triggered["delivery"] == "6f1c2e8a-4b7d-4e21-9a53-0c2f7d1e9b44"
    assert triggered["types"] == ["dataworks:NodeChange:NodeChangeUpdated"]
    assert triggered["sources"] == ALL
    assert SECRET not in json.dumps(logs, default=str)
    assert "dws_sales_daily" not in json.dumps(logs, default=str)  # nothing from the body but ids and types


def test_a_wrong_or_missing_token_is_refused_before_parsing_and_triggers_nothing(live: Running) -> None:
    headers, body = recorded("node-change-updated")
    wrong = {**headers, "X-DataWorks-Token": "not-the-token"}
    missing = {k: v for k, v in headers.items() if k != "X-DataWorks-Token"}
    with capture_logs() as logs:
        for attempt in (wrong, missing):
            status, answer = post(live, attempt, body)
            assert status == 401
            assert "X-DataWorks-Token" in answer["error"]
        # Not parsed before it is authenticated: garbage with a wrong token is 401, not 400.
        assert post(live, wrong, b"{not json")[0] == 401
    assert live.daemon.triggers == []
    assert count(live, "unauthorized") == 3
    assert {e["event"] for e in logs} == {"webhook_refused"}
    assert SECRET not in json.dumps(logs, default=str)
    assert "not-the-token" not in json.dumps(logs, default=str)


def test_a_run_or_status_event_is_acknowledged_and_ignored(live: Running) -> None:
    status, answer = post(live, *recorded("instance-status-changes"))
    assert (status, answer) == (200, {"ignored": "event dataworks:InstanceStatusChanges:InstanceStatusChanges"})
    assert live.daemon.triggers == []
    assert count(live, "ignored") == 1


def test_a_batch_triggers_each_source_once(live: Running) -> None:
    status, answer = post(live, *load("dataworks", "batch"))
    assert (status, answer) == (202, {"triggered": ALL})
    assert live.daemon.triggers == [(name, REASON) for name in ALL]


def test_a_repeated_event_id_is_ignored_and_a_new_one_in_a_batch_is_not(live: Running) -> None:
    headers, body = recorded("node-change-updated")
    assert post(live, headers, body)[0] == 202
    with capture_logs() as logs:
        assert post(live, headers, body) == (200, {"ignored": "duplicate delivery"})
    assert [e["event"] for e in logs] == ["webhook_duplicate"]
    assert len(live.daemon.triggers) == len(ALL)
    assert count(live, "duplicate") == 1

    # EventBridge retrying a batch that holds one event already handled and one new one.
    seen = json.loads(body)
    fresh = {**seen, "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}
    status, answer = post(live, headers, json.dumps([seen, fresh]).encode())
    assert (status, answer) == (202, {"triggered": ALL})
    assert len(live.daemon.triggers) == 2 * len(ALL)
    assert post(live, headers, json.dumps([fresh, seen]).encode()) == (200, {"ignored": "duplicate delivery"})


def test_events_of_another_workspace_trigger_nothing_and_events_naming_none_do(live: Running) -> None:
    headers, body = recorded("node-change-updated", id="other-ws-1", data={"projectId": 20002})
    with capture_logs() as logs:
        assert post(live, headers, body) == (200, {"ignored": "events of another DataWorks workspace"})
    (ignored,) = logs
    assert ignored["event"] == "webhook_ignored"
    assert (ignored["provider"], ignored["delivery"], ignored["workspaces"]) == ("dataworks", "other-ws-1", ["20002"])
    assert live.daemon.triggers == []
    assert count(live, "ignored") == 1

    event = json.loads(body)
    del event["data"]["projectId"]
    event["id"] = "no-ws-1"
    assert post(live, headers, json.dumps(event).encode()) == (202, {"triggered": ALL})

    # The same id for our workspace later is not a duplicate: the other workspace's was never claimed.
    assert post(live, *recorded("node-change-updated", id="other-ws-1"))[0] == 202


def test_workspace_id_sent_as_a_string_matches(live: Running) -> None:
    status, answer = post(live, *recorded("commit-file", data={"projectId": str(WORKSPACE)}))
    assert (status, answer) == (202, {"triggered": ALL})


def test_without_a_configured_token_the_endpoint_is_refused(live: Running) -> None:
    del live.daemon.secrets["dataworks"]
    status, answer = post(live, *recorded("node-change-updated"))
    assert status == 403
    assert "webhooks.dataworks.secret_env" in answer["error"]
    assert live.daemon.triggers == []
    assert count(live, "not_configured") == 1


def test_full_trigger_queue_answers_503_and_the_retry_is_handled(live: Running) -> None:
    headers, body = load("dataworks", "batch")
    live.daemon.queue_full = True
    response = live.http.post("/webhooks/dataworks", headers=headers, content=body)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "10"
    live.daemon.queue_full = False
    assert post(live, headers, body) == (202, {"triggered": ALL})


def test_an_oversized_body_is_refused_before_it_is_read(live: Running) -> None:
    headers, body = load("dataworks", "node-change-updated")
    event = json.loads(body)
    batch = json.dumps([{**event, "id": f"id-{i}"} for i in range(2 * MAX_BODY // len(body))]).encode()
    assert len(batch) > MAX_BODY
    assert post(live, headers, batch)[0] == 413
    assert live.daemon.triggers == []


def test_the_answer_never_carries_the_token(live: Running) -> None:
    headers, body = recorded("node-change-updated")
    for attempt in ({**headers, "X-DataWorks-Token": SECRET + "0"}, headers):
        assert SECRET not in live.http.post("/webhooks/dataworks", headers=attempt, content=body).text
    assert SECRET not in live.http.get("/metrics").text


def test_without_a_workspace_in_the_deps_every_workspace_counts() -> None:
    # A daemon that does not say which workspace it keeps (the ServerDeps default) acts on all.
    daemon = RecordingDaemon(sources=list(SOURCES), secrets={"dataworks": SECRET})
    app = create_app(daemon.deps(), metrics=GitOpsMetrics())
    with ServerThread(app, "127.0.0.1", 0) as running:
        headers, body = recorded("node-change-updated", data={"projectId": 20002})
        response = httpx.post(running.url + "/webhooks/dataworks", headers=headers, content=body, timeout=10)
    assert (response.status_code, response.json()) == (202, {"triggered": ALL})
