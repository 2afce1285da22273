"""Webhooks end to end over HTTP: real uvicorn, real signatures, a recording fake daemon."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.webhooks import SECRET, load, signed_headers
from tests.integration.server.conftest import Running


def send(server: Running, provider: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, object]]:
    response = server.http.post(f"/webhooks/{provider}", headers=headers, content=body)
    return response.status_code, response.json()


def webhook_count(server: Running, provider: str, result: str) -> float:
    text = server.http.get("/metrics").text
    prefix = f'dataworks_gitops_webhook_requests_total{{provider="{provider}",result="{result}"}} '
    return next((float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)), 0.0)


def test_forged_github_signature_is_refused_and_triggers_nothing(server: Running) -> None:
    headers, body = load("github", "push")
    forged = {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64}
    status, answer = send(server, "github", forged, body)
    assert status == 401
    assert "X-Hub-Signature-256" in str(answer["error"])
    assert server.daemon.triggers == []
    assert webhook_count(server, "github", "unauthorized") == 1


def test_correctly_signed_github_push_triggers_the_source_at_once(server: Running) -> None:
    headers, body = load("github", "push")
    status, answer = send(server, "github", headers, body)
    assert (status, answer) == (202, {"triggered": ["gh-main"]})
    assert server.daemon.triggers == [("gh-main", "webhook:github")]
    assert webhook_count(server, "github", "triggered") == 1


@pytest.mark.parametrize(
    ("provider", "event", "expected"),
    [
        ("github", "push", ["gh-main"]),
        ("github", "push-tag", ["gh-release"]),
        ("gitlab", "push", ["gl-main"]),
        ("gitlab", "tag-push", ["gl-v2"]),
        ("gitea", "push", ["gitea-main"]),
        ("bitbucket", "cloud-push", ["bb-cloud"]),
        ("bitbucket", "server-push", ["bb-server"]),
        ("codeup", "push", ["codeup"]),
        ("codeup", "tag-push", ["codeup-release"]),
        ("generic", "push", ["gitea-main"]),
    ],
)
def test_each_providers_scheme_end_to_end(server: Running, provider: str, event: str, expected: list[str]) -> None:
    headers, body = load(provider, event)
    server.daemon.secrets[provider] = "a-different-secret"
    assert send(server, provider, headers, body)[0] == 401
    assert server.daemon.triggers == []

    server.daemon.secrets[provider] = SECRET
    status, answer = send(server, provider, headers, body)
    assert (status, answer) == (202, {"triggered": expected})
    assert server.daemon.triggers == [(name, f"webhook:{provider}") for name in expected]


@pytest.mark.parametrize(("provider", "event"), [("github", "ping"), ("bitbucket", "server-ping")])
def test_pings_are_answered_ok_and_trigger_nothing(server: Running, provider: str, event: str) -> None:
    headers, body = load(provider, event)
    status, answer = send(server, provider, headers, body)
    assert status == 200
    assert answer["ok"] is True
    assert server.daemon.triggers == []


def test_other_events_are_acknowledged_and_ignored(server: Running) -> None:
    headers, body = load("gitlab", "merge-request")
    assert send(server, "gitlab", headers, body) == (200, {"ignored": "event Merge Request Hook"})
    assert server.daemon.triggers == []


def test_repeated_delivery_id_is_ignored(server: Running) -> None:
    headers, body = load("github", "push")
    assert send(server, "github", headers, body)[0] == 202
    assert send(server, "github", headers, body) == (200, {"ignored": "duplicate delivery"})
    assert server.daemon.triggers == [("gh-main", "webhook:github")]
    fresh = {**headers, "X-GitHub-Delivery": "another-delivery"}
    assert send(server, "github", fresh, body)[0] == 202
    assert len(server.daemon.triggers) == 2


def test_push_to_an_untracked_branch_triggers_nothing(server: Running) -> None:
    headers, body = load("github", "push")
    other = json.dumps({**json.loads(body), "ref": "refs/heads/feature/x"}).encode()
    status, answer = send(server, "github", signed_headers(headers, other), other)
    assert (status, answer) == (202, {"triggered": []})
    assert server.daemon.triggers == []
    assert webhook_count(server, "github", "no_match") == 1


def test_full_trigger_queue_answers_503_and_the_retry_is_handled(server: Running) -> None:
    headers, body = load("gitlab", "push")
    server.daemon.queue_full = True
    response = server.http.post("/webhooks/gitlab", headers=headers, content=body)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "10"
    server.daemon.queue_full = False
    assert send(server, "gitlab", headers, body) == (202, {"triggered": ["gl-main"]})


def test_provider_without_a_configured_secret_is_refused(server: Running) -> None:
    del server.daemon.secrets["gitea"]
    headers, body = load("gitea", "push")
    status, answer = send(server, "gitea", headers, body)
    assert status == 403
    assert "webhooks.gitea.secret_env" in str(answer["error"])
    assert server.daemon.triggers == []


def test_unparseable_json_with_a_valid_signature_is_a_bad_request(server: Running) -> None:
    headers, _ = load("github", "push")
    body = b'{"ref": "refs/heads/main", '
    status, answer = send(server, "github", signed_headers(headers, body), body)
    assert status == 400
    assert "not valid JSON" in str(answer["error"])
    assert server.daemon.triggers == []


def test_unknown_provider_is_not_found_and_not_a_metric_label(server: Running) -> None:
    status, _ = send(server, "svn-hooks", {}, b"{}")
    assert status == 404
    assert webhook_count(server, "unknown", "unknown_provider") == 1
    assert "svn-hooks" not in server.http.get("/metrics").text


def test_webhooks_accept_only_post(server: Running) -> None:
    assert server.http.get("/webhooks/github").status_code == 405


def test_secret_never_appears_in_answers_or_metrics(server: Running) -> None:
    headers, body = load("gitlab", "push")
    server.daemon.secrets["gitlab"] = "gitlab-secret-that-must-not-leak"
    _, answer = send(server, "gitlab", headers, body)
    assert "gitlab-secret-that-must-not-leak" not in json.dumps(answer)
    assert "dw-gitops-fixture-secret" not in json.dumps(answer)
    assert "gitlab-secret-that-must-not-leak" not in server.http.get("/metrics").text
