"""A real uvicorn server on a free loopback port, over a recording fake of the daemon."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from controller.server.app import create_app
from controller.server.metrics import GitOpsMetrics
from controller.server.runner import ServerThread
from controller.server.testing import RecordingDaemon, sample_status
from tests.fixtures.webhooks import SECRET

API_TOKEN = "api-token-for-tests-0123456789"
MAX_BODY = 256 * 1024

#: One source per provider's fixture repository, each on the branch its push fixture moves.
SOURCES = [
    ("gh-main", "git@github.com:acme-data/dataworks-flows.git", "main"),
    ("gh-release", "https://github.com/acme-data/dataworks-flows", "v1.4.0"),
    ("gl-main", "https://gitlab.example.com/data/dataworks-flows.git", "refs/heads/main"),
    ("gl-v2", "git@gitlab.example.com:data/dataworks-flows.git", "v2.0.0"),
    ("gitea-main", "https://git.example.com/data/dataworks-flows.git", "main"),
    ("bb-cloud", "git@bitbucket.org:acme-data/dataworks-flows.git", "main"),
    ("bb-server", "https://bitbucket.example.com/scm/data/dataworks-flows.git", "main"),
    ("codeup", "git@codeup.aliyun.com:61234c5b1234567890abcdef/data/dataworks-flows.git", "master"),
    ("codeup-release", "https://codeup.aliyun.com/61234c5b1234567890abcdef/data/dataworks-flows", "release-2026.05"),
    ("gh-dev", "git@github.com:acme-data/dataworks-flows.git", "dev"),
]


@dataclass
class Running:
    """The server under test, its fake daemon and its metrics."""

    url: str
    daemon: RecordingDaemon
    metrics: GitOpsMetrics
    http: httpx.Client


@pytest.fixture
def server() -> Iterator[Running]:
    daemon = RecordingDaemon(
        sources=list(SOURCES),
        secrets={p: SECRET for p in ("github", "gitlab", "gitea", "bitbucket", "codeup", "generic")},
        token=API_TOKEN,
        status_doc=sample_status(),
    )
    metrics = GitOpsMetrics()
    app = create_app(daemon.deps(), metrics=metrics, max_body_bytes=MAX_BODY)
    with ServerThread(app, "127.0.0.1", 0) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        yield Running(running.url, daemon, metrics, http)
