"""What a sync run reports: per-workflow and per-source results, the JSON shape, the exit codes.

Pipeline position: the last stage of ``run``; ``sync``/``diff``/``status`` print these, the daemon
turns them into metrics and the status API. The JSON shape is fixed by the CLI contract::

    {"workflows": [{"source", "name", "path", "file", "status", "action", "changes": [...], "message"}],
     "sources": [{"source", "commit", "status", "error"}],
     "api_calls": {"Action": count}}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from controller.reconcile.diff import Diff
from controller.reconcile.plan import ActionKind, Status


@dataclass(frozen=True)
class WorkflowResult:
    """One workflow after the run: its status, what was (or would be) done, and the drift."""

    source: str
    name: str
    path: str
    file: str
    status: Status
    action: ActionKind
    changes: Diff = field(default_factory=Diff)
    message: str = ""
    #: This run compared it afresh and found it differing from Git (``drift_detected`` was logged),
    #: even if the same run then healed it and ``changes`` is empty.
    drift_detected: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``workflows[]`` entry of ``--output json``."""
        return {
            "source": self.source,
            "name": self.name,
            "path": self.path,
            "file": self.file,
            "status": self.status,
            "action": self.action,
            "changes": self.changes.to_json(),
            "message": self.message,
            "drift_detected": self.drift_detected,
        }


@dataclass(frozen=True)
class SourceResult:
    """One source after the run."""

    source: str
    status: Status
    commit: str | None = None
    workflows: tuple[WorkflowResult, ...] = ()
    error: str = ""
    prune_refused: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ``sources[]`` entry of ``--output json``."""
        return {
            "source": self.source,
            "status": self.status,
            "commit": self.commit,
            "error": self.error,
            "prune_refused": self.prune_refused,
        }

    def counts(self) -> dict[str, int]:
        """Workflows by status."""
        return dict(Counter(w.status for w in self.workflows))


@dataclass(frozen=True)
class RunResult:
    """A whole command's run over its sources, with the API calls it made."""

    sources: tuple[SourceResult, ...]
    api_calls: Mapping[str, int] = field(default_factory=dict)
    duration_seconds: float = 0.0

    @property
    def workflows(self) -> tuple[WorkflowResult, ...]:
        """Every workflow of every source."""
        return tuple(w for s in self.sources for w in s.workflows)

    def to_json(self) -> dict[str, Any]:
        """The ``--output json`` document of ``sync`` and ``diff``."""
        return {
            "workflows": [w.to_json() for w in self.workflows],
            "sources": [s.to_json() for s in self.sources],
            "api_calls": dict(sorted(self.api_calls.items())),
            "duration_seconds": round(self.duration_seconds, 3),
        }

    @property
    def failed(self) -> bool:
        """True when any source or workflow failed (or could not be judged)."""
        return any(s.status in ("Failed", "Unknown") for s in self.sources) or any(
            w.status in ("Failed", "Unknown") for w in self.workflows
        )

    def sync_exit_code(self) -> int:
        """``sync``: 0 when everything the policy lets it converge is synced, else 1.

        What a source's own policy holds back — live drift with ``self_heal: false``, an owned
        workflow left in DataWorks with ``prune: false`` — is reported and does not fail the run (an
        Argo CD sync with pruning off succeeds the same way); a prune the share guard refused does,
        because it needs a person to look.
        """
        if self.failed or any(s.prune_refused for s in self.sources):
            return 1
        pending = any(w.status not in ("Synced", "Suspended") and w.action != "report" for w in self.workflows)
        return 1 if pending else 0

    def diff_exit_code(self) -> int:
        """``diff`` (Terraform's -detailed-exitcode): 0 in sync, 2 drift or pending changes, 1 error."""
        if self.failed:
            return 1
        drift = any(w.status not in ("Synced", "Suspended") for w in self.workflows)
        return 2 if drift else 0
