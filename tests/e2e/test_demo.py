"""`dataworks-gitops demo` tells the whole story and exits 0, from a fresh clone of the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_demo_runs_from_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {**os.environ, "PYTHONPATH": str(clone)}
    env.pop("DATAWORKS_GITOPS_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "controller", "demo"], cwd=clone, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    # The story a newcomer reads, in order.
    markers = [
        "sync: 5 Synced",
        "diff: 5 Synced; 3 API calls",
        "~ /trigger/cron: 00 30 05 * * ? -> 00 00 02 * * ?",
        "a forged webhook is refused: HTTP 401",
        "the signed webhook is accepted at once: HTTP 202",
        "applied ",
        "Done: Git stayed the source of truth.",
    ]
    positions = [out.find(m) for m in markers]
    assert all(p >= 0 for p in positions), out
    assert positions == sorted(positions), out
    assert "Traceback" not in done.stderr
