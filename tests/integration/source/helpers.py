"""Small builders shared by the source tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from controller.config import SourceConfig
from controller.source import GitSource


def source(
    repo: str, state_dir: Path, *, name: str = "sales", env: dict[str, str] | None = None, **settings: Any
) -> GitSource:
    """A GitSource for ``repo`` with the given SourceConfig settings and environment."""
    config = SourceConfig(name=name, repo=repo, **settings)
    return GitSource(config, state_dir, environ=env or {}, timeout=30)


def files_on_disk(root: Path) -> dict[str, str]:
    """Checked-out files (not .git) and their text."""
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
