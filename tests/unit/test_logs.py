"""Secrets never reach a log line: keys that look secret, registered values and URL credentials."""

from __future__ import annotations

import io
import json

from controller import logs


def _log_one(**kw: object) -> dict[str, object]:
    stream = io.StringIO()
    logs.configure("debug", "json", stream=stream)
    logs.get_logger().info("drift_detected", **kw)
    line = stream.getvalue().strip().splitlines()[-1]
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_event_name_comes_first_in_json_lines() -> None:
    record = _log_one(workflow="wf")
    assert next(iter(record)) == "event"
    assert record["event"] == "drift_detected"


def test_secret_looking_keys_are_masked() -> None:
    record = _log_one(access_key_secret="abcd1234", webhook_token="tok-123", workflow="wf")
    assert record["access_key_secret"] == "***"
    assert record["webhook_token"] == "***"
    assert record["workflow"] == "wf"


def test_registered_secret_is_scrubbed_inside_any_text() -> None:
    logs.register_secret("s3cr3t-value-xyz")
    record = _log_one(error="auth failed for s3cr3t-value-xyz at host", nested={"msg": ["s3cr3t-value-xyz"]})
    assert "s3cr3t-value-xyz" not in json.dumps(record)
    assert record["error"] == "auth failed for *** at host"


def test_credentials_in_urls_are_removed() -> None:
    record = _log_one(repo="https://oauth2:glpat-abc123@gitlab.example.com/team/dw.git")
    assert record["repo"] == "https://***@gitlab.example.com/team/dw.git"
