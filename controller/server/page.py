"""The read-only status page at ``/``: the ``/api/v1/status`` document rendered as HTML.

Sits at the "record" end of the pipeline (architecture §1), answering the "status visibility"
complaints (gitops-anchors §3.10): per source and per workflow the status, last commit and last
error, and for each drifted workflow what changed. Server-rendered with Jinja2 (autoescape on, so
a ``<script>`` in a workflow name shows as text), no JavaScript, refreshed by a meta tag.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader

from controller.server.metrics import STATUSES
from controller.server.urls import strip_credentials

#: Long before/after values are cut here; the full values are in /api/v1/status.
MAX_VALUE_CHARS = 4000

_env = Environment(
    loader=PackageLoader("controller.server", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
)


def render_status_page(status: Mapping[str, Any], *, refresh_seconds: int = 15) -> str:
    """Render the status document as the HTML page served at ``/``."""
    sources = [_source(s) for s in _records(status.get("sources"))]
    workflows = [_workflow(w) for w in _records(status.get("workflows"))]
    counts = Counter(w["status"] for w in workflows)
    return _env.get_template("status.html").render(
        sources=sources,
        workflows=workflows,
        drifted=[w for w in workflows if w["drift"]],
        counts=[(s, counts.get(s, 0), s.lower()) for s in STATUSES],
        refresh_seconds=refresh_seconds,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _status(value: Any) -> tuple[str, str]:
    """The status text and a CSS class from a fixed list (never a class name taken from input)."""
    text = str(value) if value else "Unknown"
    return text, text.lower() if text in STATUSES else "unknown"


def _source(s: Mapping[str, Any]) -> dict[str, Any]:
    status, css = _status("Suspended" if s.get("suspended") and not s.get("status") else s.get("status"))
    return {
        "name": _text(s.get("name")),
        "repo": strip_credentials(_text(s.get("repo"))),
        "ref": _text(s.get("ref")),
        "status": status,
        "css": css,
        "suspended": bool(s.get("suspended")),
        "commit": _text(s.get("last_commit")),
        "last_sync": _when(s.get("last_sync")),
        "error": _text(s.get("last_error")),
    }


def _workflow(w: Mapping[str, Any]) -> dict[str, Any]:
    status, css = _status(w.get("status"))
    drift = w.get("last_drift")
    changes = _records(drift.get("changes")) if isinstance(drift, Mapping) else []
    return {
        "source": _text(w.get("source")),
        "name": _text(w.get("name")),
        "path": _text(w.get("path")),
        "status": status,
        "css": css,
        "commit": _text(w.get("last_commit")),
        "error": _text(w.get("last_error")),
        "drift": {"at": _when(drift.get("at")), "changes": [_change(c) for c in changes]}
        if isinstance(drift, Mapping)
        else None,
    }


def _change(c: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "path": _text(c.get("path")) or "/",
        "kind": _text(c.get("kind")),
        "before": None if c.get("before") is None else _show(c.get("before")),
        "after": None if c.get("after") is None else _show(c.get("after")),
        "unified": [(_diff_class(line), line) for line in _show(c.get("unified")).splitlines()],
    }


def _diff_class(line: str) -> str:
    """CSS class of a unified-diff line, so added and removed lines read at a glance."""
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "ctx")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _show(value: Any) -> str:
    """A before/after value as text: strings as they are, anything else as indented JSON, capped."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > MAX_VALUE_CHARS:
        text = f"{text[:MAX_VALUE_CHARS]}\n… ({len(text) - MAX_VALUE_CHARS} more characters in /api/v1/status)"
    return text


def _when(value: Any) -> str:
    """A time as shown: epoch seconds and ISO 8601 times with a zone become ``YYYY-MM-DD HH:MM:SS UTC``."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if moment.tzinfo is None:
            return str(value)  # a naive time's zone is unknown: show it as given
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
