"""The status document: per source and per workflow status, last commit, drift and error.

Pipeline position: read side of the store, shared by ``dataworks-gitops status`` and the daemon's
``/api/v1/status`` and status page. Drift in the store is already masked; repo URLs lose any
credentials here.
"""

from __future__ import annotations

from typing import Any

from controller.config import Config
from controller.logs import redact_text
from controller.store import Store


def status_document(config: Config, store: Store) -> dict[str, Any]:
    """The status document: ``dataworks-gitops status --output json`` and ``/api/v1/status``."""
    sources = []
    for source in config.sources:
        state = store.get_source(source.name)
        sources.append(
            {
                "name": source.name,
                "repo": redact_text(source.repo),
                "ref": source.ref,
                "path": source.path,
                "status": "Suspended" if state.suspended else state.status,
                "suspended": state.suspended,
                "last_commit": state.last_commit,
                "last_sync": state.last_fetched.isoformat() if state.last_fetched else None,
                "last_error": state.last_error,
            }
        )
    workflows = []
    for source in config.sources:
        suspended = store.is_suspended(source.name)
        for wf in store.list_workflows(source.name):
            workflows.append(
                {
                    "source": wf.source,
                    "name": wf.name,
                    "path": wf.path,
                    "file": wf.spec_file,
                    "status": "Suspended" if suspended else wf.status,
                    "last_commit": wf.last_commit,
                    "last_drift": {
                        "at": wf.last_drift_at.isoformat() if wf.last_drift_at else None,
                        "changes": wf.last_drift or [],
                    },
                    "last_error": wf.last_error,
                    "definition_id": wf.definition_id,
                    "workflow_id": wf.workflow_id,
                }
            )
    return {"sources": sources, "workflows": workflows}
