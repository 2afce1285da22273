"""The client's retry policy, as data: backoff schedule, attempt budget, and what is safe to resend.

Sits beside ``client.py``, whose one retry loop (``DataWorksClient._call``) asks this module two
questions after a failed attempt: *may this be sent again?* (:func:`resend_allowed`) and *after how
long?* (:meth:`RetryPolicy.delay_for`). The error types in ``errors.py`` say whether a failure is
temporary; this module adds what depends on the action and the attempt number.

Backoff is exponential with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
``uniform(0, min(cap, base * factor ** (attempt - 1)))``; a throttling answer's ``x-acs-retry-after``
replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from controller.dataworks.errors import DataWorksError, ThrottlingError

#: Creates without an idempotency token (docs §3.3, §8.5): resending after a lost answer may create
#: a second object, so a lost answer becomes MaybeAppliedError instead of a retry.
NON_IDEMPOTENT_ACTIONS = frozenset(
    {"ImportWorkflowDefinition", "CreatePipelineRun", "CreateWorkflowDefinition", "CreateNode"}
)

#: httpx failures raised before a single byte of the request left: resending is always safe.
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call gets and how long to wait between them (seconds)."""

    max_attempts: int = 5
    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    #: A throttling answer asking us to wait longer than this is raised to the caller instead.
    max_retry_after: float = 60.0

    def backoff(self, attempt: int, jitter: float) -> float:
        """Full-jitter delay after failed ``attempt`` (1-based); ``jitter`` is uniform in [0, 1)."""
        return jitter * min(self.cap, self.base * self.factor ** (attempt - 1))

    def delay_for(self, error: DataWorksError, attempt: int, jitter: float) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up and raise ``error``."""
        if not error.retryable or attempt >= self.max_attempts:
            return None
        if isinstance(error, ThrottlingError) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        return self.backoff(attempt, jitter)


#: No retries at all: every failure goes straight to the caller.
NO_RETRY = RetryPolicy(max_attempts=1)


def request_may_have_arrived(exc: httpx.TransportError) -> bool:
    """Whether the server may have received (and acted on) the request before ``exc``."""
    return not isinstance(exc, NOT_SENT_ERRORS)


def resend_allowed(action: str, exc: httpx.TransportError) -> bool:
    """Whether a lost answer to ``action`` may be retried blindly."""
    return action not in NON_IDEMPOTENT_ACTIONS or not request_may_have_arrived(exc)
