"""Oversized webhook bodies get 413 without the server waiting for (or reading) the whole body."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

from tests.fixtures.webhooks import load, signed_headers
from tests.integration.server.conftest import MAX_BODY, Running


def raw_request(server: Running, head: str, body_part: bytes) -> bytes:
    """Send a request head and only part of its body; return what the server answers meanwhile."""
    url = urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"\r\n" + body_part)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)  # a server waiting for the rest of the body would time out here
            if not chunk:
                break
            answer += chunk
        return answer


def test_declared_oversize_body_is_refused_before_it_is_sent(server: Running) -> None:
    head = (
        "POST /webhooks/github HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"X-GitHub-Event: push\r\nContent-Length: {50 * 1024 * 1024}\r\n"
    )
    answer = raw_request(server, head, b'{"ref": "')
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert server.daemon.triggers == []


def test_chunked_body_is_cut_off_at_the_limit_without_waiting_for_its_end(server: Running) -> None:
    head = (
        "POST /webhooks/github HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        "X-GitHub-Event: push\r\nTransfer-Encoding: chunked\r\n"
    )
    chunk = b"x" * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY // len(chunk) + 2))
    answer = raw_request(server, head, chunks)  # no terminating 0-chunk: the body never ends
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert server.daemon.triggers == []


def test_body_of_exactly_the_limit_is_accepted_and_one_more_byte_is_not(server: Running) -> None:
    headers, _ = load("generic", "push")
    document = json.dumps({"repo": "https://git.example.com/data/dataworks-flows.git", "ref": "refs/heads/main"})
    exact = document.encode().ljust(MAX_BODY, b" ")
    response = server.http.post("/webhooks/generic", headers=signed_headers(headers, exact), content=exact)
    assert response.status_code == 202
    over = exact + b" "
    response = server.http.post("/webhooks/generic", headers=signed_headers(headers, over), content=over)
    assert response.status_code == 413
    assert server.daemon.triggers == [("gitea-main", "webhook:generic")]
