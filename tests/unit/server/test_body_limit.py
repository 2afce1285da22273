"""The webhook body cap stops reading at the limit: an endless body is never buffered."""

from __future__ import annotations

import json
from typing import Any

from controller.server.app import create_app
from controller.server.testing import RecordingDaemon
from tests.fixtures.webhooks import SECRET

LIMIT = 64 * 1024
CHUNK = 8 * 1024


class EndlessBody:
    """An ASGI receive channel that never ends, counting how many chunks the app pulled."""

    def __init__(self) -> None:
        self.chunks_read = 0

    async def __call__(self) -> dict[str, Any]:
        self.chunks_read += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": True}


async def post(headers: list[tuple[bytes, bytes]], receive: EndlessBody) -> tuple[int, dict[str, Any]]:
    source = ("dw", "git@github.com:acme-data/dataworks-flows.git", "main")
    daemon = RecordingDaemon(secrets={"github": SECRET}, sources=[source])
    app = create_app(daemon.deps(), max_body_bytes=LIMIT)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/webhooks/github", "raw_path": b"/webhooks/github", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"test"), (b"x-github-event", b"push"), *headers],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    assert not daemon.triggers
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body)


async def test_declared_oversize_body_is_refused_before_reading_a_byte() -> None:
    receive = EndlessBody()
    status, answer = await post([(b"content-length", str(50 * 1024 * 1024).encode())], receive)
    assert status == 413
    assert "larger than" in answer["error"]
    assert receive.chunks_read == 0


async def test_streamed_body_is_cut_off_just_past_the_limit() -> None:
    receive = EndlessBody()
    status, _ = await post([(b"transfer-encoding", b"chunked")], receive)
    assert status == 413
    assert receive.chunks_read == LIMIT // CHUNK + 1


async def test_body_that_lies_about_its_length_is_still_cut_off() -> None:
    receive = EndlessBody()
    status, _ = await post([(b"content-length", b"100")], receive)
    assert status == 413
    assert receive.chunks_read == LIMIT // CHUNK + 1


async def test_unreadable_content_length_is_a_bad_request() -> None:
    receive = EndlessBody()
    status, _ = await post([(b"content-length", b"lots")], receive)
    assert status == 400
    assert receive.chunks_read == 0
