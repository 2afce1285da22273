"""HTTP: webhooks, health, readiness, metrics, the status API and page.

The daemon builds :class:`ServerDeps` (its callables), records into :class:`GitOpsMetrics`, and
serves :func:`create_app` (for instance with :class:`~controller.server.runner.ServerThread`).
Nothing here imports the reconciler or the daemon.
"""

from controller.server.app import create_app
from controller.server.deps import ServerDeps, SourceRef, StatusDoc, TriggerResult
from controller.server.metrics import METRIC_NAMES, STATUSES, GitOpsMetrics

__all__ = [
    "METRIC_NAMES",
    "STATUSES",
    "GitOpsMetrics",
    "ServerDeps",
    "SourceRef",
    "StatusDoc",
    "TriggerResult",
    "create_app",
]
