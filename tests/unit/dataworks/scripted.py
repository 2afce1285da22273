"""Helpers for client tests at the policy level: a scripted httpx.MockTransport and a fake clock.

Only for unit tests of the client's own policy (retries, placement, signing per attempt); behaviour
against DataWorks semantics is tested against the simulator in tests/integration/dataworks/.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import Endpoint, StaticCredentials
from controller.dataworks.ratelimit import RateLimiter
from controller.dataworks.retry import RetryPolicy

AK_ID = "LTAI-test-id"
AK_SECRET = "super-secret-value-123"
STS_TOKEN = "sts-token-very-secret-456"

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeTime:
    """A monotonic clock and a sleep that only moves it; records every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # a real suspension point, as a real sleep is

    def utcnow(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self.now)


@dataclass
class Script:
    """Answers requests with the scripted steps in order and records every request."""

    steps: list[Step]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unexpected extra request #{len(self.requests)}")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if callable(step):
            return step(request)
        return step


def ok(body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json={"RequestId": "req-ok", **(body or {})})


def err(status: int, code: str, message: str = "refused", headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"RequestId": "req-err", "HostId": "dataworks.test", "Code": code, "Message": message}
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers or {})


def make_client(
    steps: Iterable[Step],
    time_: FakeTime,
    *,
    retry: RetryPolicy | None = None,
    security_token: str | None = None,
    jitter: float = 1.0,
) -> tuple[DataWorksClient, Script]:
    script = Script(list(steps))
    client = DataWorksClient(
        endpoint=Endpoint("dataworks.cn-shanghai.aliyuncs.com", "https"),
        credentials=StaticCredentials(AK_ID, AK_SECRET, security_token),
        project_id=123,
        limiter=RateLimiter.unlimited(clock=time_.clock, sleep=time_.sleep),
        retry=retry or RetryPolicy(),
        transport=httpx.MockTransport(script),
        sleep=time_.sleep,
        clock=time_.clock,
        utcnow=time_.utcnow,
        jitter=lambda: jitter,
    )
    return client, script
