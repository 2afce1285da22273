"""A stand-in for the daemon's side of the server, for tests and demos of the HTTP layer.

Beside :mod:`controller.server.deps`: :class:`RecordingDaemon` holds sources, secrets, a status
document and a readiness flag in plain attributes and records every trigger it receives, so a test
can run the real app (under real uvicorn) and assert on what would have been synced.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from controller.server.deps import ServerDeps, TriggerResult


@dataclass
class RecordingDaemon:
    """Fake daemon callables. Flip ``is_ready`` or ``queue_full`` and read ``triggers`` from tests."""

    sources: list[tuple[str, str, str]] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    status_doc: Mapping[str, Any] = field(default_factory=lambda: {"sources": [], "workflows": []})
    is_ready: bool = False
    queue_full: bool = False
    triggers: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def trigger(self, source_name: str, reason: str) -> TriggerResult:
        """Record a trigger for a known source (or say why not)."""
        if source_name not in {name for name, _, _ in self.sources}:
            return TriggerResult.UNKNOWN_SOURCE
        if self.queue_full:
            return TriggerResult.FULL
        with self._lock:
            self.triggers.append((source_name, reason))
        return TriggerResult.ACCEPTED

    def deps(self) -> ServerDeps:
        """The :class:`ServerDeps` view of this fake, reading its attributes at call time."""
        return ServerDeps(
            status=lambda: self.status_doc,
            ready=lambda: self.is_ready,
            trigger=self.trigger,
            sources=lambda: list(self.sources),
            webhook_secret=self.secrets.get,
            api_token=lambda: self.token,
        )


_SQL_DIFF = (
    "--- live\n+++ git\n@@ -1,3 +1,3 @@\n SELECT order_id\n"
    "-FROM ods_orders WHERE dt = '${bizdate}'\n"
    "+FROM ods_orders WHERE dt = '${bizdate}' AND status <> 'test'\n"
)
_SPEC_ERROR = (
    "workflows/ads_report.json: $.spec.workflows[0].nodes[2].script.runtime.command: "
    "'ODPS_SQLL' is not a known node type (did you mean 'ODPS_SQL'?)"
)
_HEAD, _OLD = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "95790bf891e76fee5e1747ab589903a6a1f80f22"


def _workflow(source: str, name: str, path: str, status: str, commit: str, **extra: Any) -> dict[str, Any]:
    return {"source": source, "name": name, "path": path, "status": status, "last_commit": commit,
            "last_drift": None, "last_error": None, **extra}


def sample_status() -> dict[str, Any]:
    """A status document in the shape ``deps.status()`` returns: two sources, four workflows
    (one with a hostile name), drift with before/after values and with a unified diff."""
    orders_drift = {
        "at": "2026-05-20T02:31:05Z",
        "changes": [
            {"path": "/trigger/cron", "kind": "changed", "before": "00 00 02 * * ?", "after": "00 30 02 * * ?"},
            {"path": "/tasks/dedupe_orders/script/content", "kind": "changed", "unified": _SQL_DIFF},
        ],
    }
    tags_drift = {
        "at": 1779244260,
        "changes": [{"path": "/tags", "kind": "added", "before": None, "after": [{"key": "team", "value": "<b>"}]}],
    }
    return {
        "sources": [
            {
                "name": "analytics",
                "repo": "https://oauth2:glpat-sample-token-1234@gitlab.example.com/data/dataworks-flows.git",
                "ref": "main",
                "status": "OutOfSync",
                "suspended": False,
                "last_commit": _HEAD,
                "last_sync": "2026-05-20T02:31:07Z",
                "last_error": None,
            },
            {
                "name": "marketing",
                "repo": "git@github.com:acme-data/marketing-flows.git",
                "ref": "refs/tags/v1.4.0",
                "status": "Suspended",
                "suspended": True,
                "last_commit": _OLD,
                "last_sync": 1779244267.0,
                "last_error": "Throttling.Api.Risk: daily API quota reached; next run after 00:00 Asia/Shanghai",
            },
        ],
        "workflows": [
            _workflow("analytics", "orders_daily", "workflows/orders_daily/workflow.yaml", "OutOfSync", _HEAD,
                      last_drift=orders_drift),
            _workflow("analytics", "user_profile", "workflows/user_profile/workflow.json", "Synced", _HEAD),
            _workflow("analytics", "ads_report", "workflows/ads_report.json", "Failed", _OLD, last_error=_SPEC_ERROR),
            _workflow("marketing", "<script>alert('pwned')</script>", "flows/x.yaml", "Progressing", _OLD,
                      last_drift=tags_drift),
        ],
    }
