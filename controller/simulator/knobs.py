"""Simulator knobs (latency, QPS limits, daily quota, fault injection, job and pipeline durations) and
the gate that applies them to every API call, plus the per-action call statistics.

Sits in ``app.py`` between signature verification and the handlers: :meth:`Gate.admit` either lets a
call through or raises the 429/5xx DataWorks would answer with. Knobs come from CLI flags at start
and from ``POST /_simulator/config`` at run time; pydantic validates them at that boundary.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from controller.simulator.errors import ApiError, Throttled

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


class Knobs(BaseModel):
    """Behaviour settings; 0 means "no limit" for the QPS and quota knobs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(default=0.0, ge=0, description="added to every API call")
    read_qps: float = Field(default=0.0, ge=0, description="Get*/List* calls per second before 429 Throttling.User")
    write_qps: float = Field(default=0.0, ge=0, description="other calls per second before 429 Throttling.User")
    daily_quota: int = Field(default=0, ge=0, description="API calls per UTC day before 429 Throttling.Api.Risk")
    error_rate: float = Field(default=0.0, ge=0, le=1, description="share of calls answered 500/503 at random")
    job_seconds: float = Field(default=1.0, ge=0, description="how long an ImportWorkflowDefinition job runs")
    pipeline_seconds: float = Field(default=1.0, ge=0, description="how long each pipeline-run stage runs")
    seed: int | None = Field(default=None, description="seeds ids and fault injection for repeatable runs")
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024, description="larger bodies get 413")
    fail_import_path: str = Field(
        default="",
        description="DataStudio path glob: import jobs of matching workflows end Fail, as a server-side rejection",
    )

    def merged(self, changes: dict[str, Any]) -> Knobs:
        """These knobs with ``changes`` applied, validated as a whole."""
        return Knobs.model_validate({**self.model_dump(), **changes})


def is_read(action: str) -> bool:
    """DataWorks meters Get*/List* as reads and everything else as writes."""
    return action.startswith(("Get", "List"))


class TokenBucket:
    """``qps`` tokens a second, bursting up to one second's worth."""

    def __init__(self, qps: float, now: float) -> None:
        self.qps = qps
        self.capacity = max(1.0, qps)
        self.tokens = self.capacity
        self.stamp = now

    def take(self, now: float) -> int | None:
        """Take a token; None when granted, else the milliseconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.qps)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / self.qps * 1000))


class Stats:
    """Calls per action and refusals per error code, as ``GET /_simulator/stats`` shows them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def as_json(self, quota_used: int) -> dict[str, Any]:
        """The stats document."""
        return {
            "calls": dict(self.calls),
            "errors": dict(self.errors),
            "total_calls": sum(self.calls.values()),
            "total_errors": sum(self.errors.values()),
            "quota_used": quota_used,
        }


class Gate:
    """Applies QPS limits, the daily quota and fault injection to admitted calls."""

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self._buckets: dict[str, TokenBucket] = {}
        self._quota_day = -1
        self.quota_used = 0
        self._faults = random.Random(None if knobs.seed is None else knobs.seed + 1)

    def reconfigure(self, knobs: Knobs) -> None:
        """Switch to new knobs; limits restart full, the quota count carries on."""
        self.knobs = knobs
        self._buckets.clear()
        self._faults = random.Random(None if knobs.seed is None else knobs.seed + 1)

    def reset(self) -> None:
        """Forget throttling state and the quota count."""
        self._buckets.clear()
        self.quota_used = 0

    def admit(self, action: str, now: float | None = None) -> None:
        """Raise the DataWorks refusal for this call, or return to let it run."""
        now = time.monotonic() if now is None else now
        knobs = self.knobs
        day = int(time.time() // 86400)
        if day != self._quota_day:
            self._quota_day, self.quota_used = day, 0
        if knobs.daily_quota and self.quota_used >= knobs.daily_quota:
            raise Throttled(
                "Throttling.Api.Risk",
                f"The daily API call limit ({knobs.daily_quota}) is exhausted; calls resume at 00:00 UTC.",
            )
        kind = "read" if is_read(action) else "write"
        qps = knobs.read_qps if kind == "read" else knobs.write_qps
        if qps:
            bucket = self._buckets.get(kind)
            if bucket is None or bucket.qps != qps:
                bucket = self._buckets[kind] = TokenBucket(qps, now)
            wait_ms = bucket.take(now)
            if wait_ms is not None:
                raise Throttled(
                    "Throttling.User",
                    f"Request was denied due to user flow control ({kind} limit {qps:g} QPS).",
                    retry_after_ms=wait_ms,
                )
        self.quota_used += 1
        if knobs.error_rate and self._faults.random() < knobs.error_rate:
            if self._faults.random() < 0.5:
                message = "The request has failed due to a temporary failure of the server."
                raise ApiError(503, "ServiceUnavailable", message)
            raise ApiError(500, "InternalError", "The request processing has failed due to some unknown error.")
