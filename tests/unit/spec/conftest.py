"""Helpers for the spec tests: fixture folders and a tiny repository builder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve()
FIXTURES = HERE.parents[2] / "fixtures" / "specs"
SHARED_CORPUS = HERE.parents[3] / ".." / "shared" / "flowspec-corpus"

WriteFile = Callable[[str, "str | bytes | dict[str, Any]"], Path]


def workflow(name: str = "wf", nodes: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """A syncable document with one workflow (fields go on the workflow)."""
    wf: dict[str, Any] = {"name": name, "nodes": nodes if nodes is not None else [], **fields}
    return {"version": "1.1.0", "kind": "CycleWorkflow", "spec": {"workflows": [wf]}}


def node(name: str, command: str = "ODPS_SQL", **fields: Any) -> dict[str, Any]:
    """A node with a script and a runtime command."""
    script: dict[str, Any] = {"runtime": {"command": command}, "content": f"-- {name}\nselect 1;\n"}
    overrides = fields.pop("script", {})
    if "contentFile" in overrides:
        del script["content"]  # one or the other, as a user would write it
    script.update(overrides)
    return {"name": name, "script": script, **fields}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty repository root (a plain folder: the loader needs no git)."""
    root = tmp_path / "repo"
    root.mkdir()
    return root


@pytest.fixture
def write(repo: Path) -> WriteFile:
    """Write a file under the repo: dicts as JSON, str as text, bytes as bytes."""

    def _write(rel: str, content: str | bytes | dict[str, Any]) -> Path:
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            path.write_text(json.dumps(content, indent=2), encoding="utf-8")
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
