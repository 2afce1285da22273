"""Prometheus metrics of dataworks-gitops, in a registry of their own, with a typed recorder API.

Sits at the "record" end of the pipeline (architecture §1): the daemon calls
:class:`GitOpsMetrics` methods after each sync run, job, fetch and batch of API calls, and the
server renders the registry at ``/metrics``. A fresh :class:`~prometheus_client.CollectorRegistry`
per instance (never the process-global one) lets tests and several daemons in one process each
have their own.

Label values are source names, statuses, DataWorks action names, error codes and job kinds —
never URLs, secrets or bodies; every value is still passed through the log redaction (registered
secrets and URL credentials masked) and capped in length, as a last guard.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric

from controller.logs import redact_text

#: The per-workflow statuses (contracts: Synced, OutOfSync, Progressing, Failed, Unknown, Suspended).
STATUSES = ("Synced", "OutOfSync", "Progressing", "Failed", "Unknown", "Suspended")

#: Every metric name this module exposes, as Prometheus shows them.
METRIC_NAMES = (
    "dataworks_gitops_sync_duration_seconds",
    "dataworks_gitops_sync_runs_total",
    "dataworks_gitops_workflows",
    "dataworks_gitops_drift_detected_total",
    "dataworks_gitops_api_calls_total",
    "dataworks_gitops_job_duration_seconds",
    "dataworks_gitops_last_sync_timestamp_seconds",
    "dataworks_gitops_git_fetch_duration_seconds",
    "dataworks_gitops_webhook_requests_total",
)

# A sync run is seconds to tens of minutes (DataWorks jobs poll with backoff up to 30 s);
# a git fetch is sub-second to a minute.
_RUN_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)
_FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)
_MAX_LABEL = 128


def _label(value: object) -> str:
    return redact_text(str(value))[:_MAX_LABEL]


class GitOpsMetrics:
    """The controller's metrics and the calls that update them.

    >>> m = GitOpsMetrics()
    >>> m.record_sync("analytics", "success", 12.5, drift=2)
    >>> m.set_workflow_counts("analytics", {"Synced": 40, "OutOfSync": 2})
    >>> b"dataworks_gitops_sync_runs_total" in m.render()[0]
    True
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self.sync_duration = Histogram(
            "dataworks_gitops_sync_duration_seconds", "Wall time of one sync run.", ["source"],
            buckets=_RUN_BUCKETS, registry=r,
        )
        self.sync_runs = Counter(
            "dataworks_gitops_sync_runs_total", "Sync runs finished, by result.", ["source", "result"], registry=r
        )
        self.workflows = Gauge(
            "dataworks_gitops_workflows", "Workflows per status, as of the last run.", ["source", "status"], registry=r
        )
        self.drift = Counter(
            "dataworks_gitops_drift_detected_total", "Workflows found drifted from Git.", ["source"], registry=r
        )
        self.api_calls = Counter(
            "dataworks_gitops_api_calls_total", "DataWorks OpenAPI calls by action and result code.",
            ["action", "code"], registry=r,
        )
        self.job_duration = Histogram(
            "dataworks_gitops_job_duration_seconds", "Wall time of DataWorks async jobs (import, publish).",
            ["kind"], buckets=_RUN_BUCKETS, registry=r,
        )
        self.last_sync = Gauge(
            "dataworks_gitops_last_sync_timestamp_seconds", "Unix time the last sync run of a source finished.",
            ["source"], registry=r,
        )
        self.git_fetch = Histogram(
            "dataworks_gitops_git_fetch_duration_seconds", "Wall time of git fetches.", ["source"],
            buckets=_FETCH_BUCKETS, registry=r,
        )
        self.webhooks = Counter(
            "dataworks_gitops_webhook_requests_total", "Webhook requests by provider and outcome.",
            ["provider", "result"], registry=r,
        )

    def record_sync(
        self, source: str, result: str, seconds: float, *, drift: int = 0, finished_at: float | None = None
    ) -> None:
        """One finished sync run: its result (e.g. ``success``, ``failed``), duration and drift count."""
        src = _label(source)
        self.sync_runs.labels(src, _label(result)).inc()
        self.sync_duration.labels(src).observe(max(0.0, seconds))
        self.last_sync.labels(src).set(finished_at if finished_at is not None else time.time())
        if drift:
            self.record_drift(source, drift)

    def record_drift(self, source: str, count: int = 1) -> None:
        """``count`` workflows of ``source`` found drifted."""
        if count < 0:
            raise ValueError("drift count cannot be negative")
        self.drift.labels(_label(source)).inc(count)

    def set_workflow_counts(self, source: str, counts: Mapping[str, int]) -> None:
        """Set how many workflows of ``source`` are in each status; statuses not given become 0."""
        unknown = set(counts) - set(STATUSES)
        if unknown:
            raise ValueError(f"unknown workflow status {sorted(unknown)}; expected one of {', '.join(STATUSES)}")
        src = _label(source)
        for status in STATUSES:
            self.workflows.labels(src, status).set(counts.get(status, 0))

    def add_api_calls(self, calls: Mapping[tuple[str, str], int]) -> None:
        """Add DataWorks API call counts keyed by ``(action, code)``, e.g. ``("GetWorkflow", "200")``."""
        for (action, code), n in calls.items():
            if n:
                self.api_calls.labels(_label(action), _label(code)).inc(n)

    def record_job(self, kind: str, seconds: float) -> None:
        """One DataWorks async job finished (``kind`` such as ``import`` or ``publish``)."""
        self.job_duration.labels(_label(kind)).observe(max(0.0, seconds))

    def record_git_fetch(self, source: str, seconds: float) -> None:
        """One git fetch of ``source`` took ``seconds``."""
        self.git_fetch.labels(_label(source)).observe(max(0.0, seconds))

    def record_webhook(self, provider: str, result: str) -> None:
        """One webhook request to ``provider`` ended with ``result`` (``triggered``, ``unauthorized``...)."""
        self.webhooks.labels(_label(provider), _label(result)).inc()

    def forget_sources(self, sources: Iterable[str]) -> None:
        """Drop the series of sources removed from the config, so their gauges do not linger."""
        for source in sources:
            src = _label(source)
            for status in STATUSES:
                _remove(self.workflows, src, status)
            _remove(self.last_sync, src)

    def render(self) -> tuple[bytes, str]:
        """The registry in Prometheus text format, and its content type."""
        return generate_latest(_WithoutCreated(self.registry)), CONTENT_TYPE_LATEST


class _WithoutCreated:
    """The registry minus the ``*_created`` series prometheus-client adds to counters and
    histograms: they would be extra metric names (``..._sync_runs_created``) beyond the fixed list,
    and the process-wide switch that disables them would reach beyond this registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        for metric in self._registry.collect():
            if metric.name.endswith("_created"):
                continue
            metric.samples = [s for s in metric.samples if not s.name.endswith("_created")]
            yield metric


def _remove(metric: Gauge, *labels: str) -> None:
    with contextlib.suppress(KeyError):  # never set: nothing to remove
        metric.remove(*labels)
