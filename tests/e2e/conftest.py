"""End-to-end fixtures: a real git repository, the simulator as a process, and the CLI as a process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from controller.simulator.testing import SimulatorProcess

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example-repo"

VARS = {
    "OWNER": "1234567890123456",
    "RESOURCE_GROUP": "S_res_group_1",
    "ODS_PROJECT": "analytics_ods",
    "DW_PROJECT": "analytics_dw",
    "EXPORT_BUCKET": "exports",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; return stdout."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@dataclass
class WorkflowRepo:
    """A git repository of workflows (a copy of example-repo) that tests commit to."""

    path: Path

    @property
    def url(self) -> str:
        return f"file://{self.path}"

    def commit(self, message: str, files: dict[str, str | None]) -> str:
        """Write (or delete, with None) files and commit them; return the new sha."""
        for rel, text in files.items():
            target = self.path / rel
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message)
        return git(self.path, "rev-parse", "HEAD")

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text()


@pytest.fixture
def workflow_repo(tmp_path: Path) -> WorkflowRepo:
    """example-repo's workflows in a fresh git repository on branch main."""
    path = tmp_path / "repo"
    shutil.copytree(EXAMPLE / "workflows", path / "workflows")
    git(path.parent, "init", "-q", "-b", "main", str(path))
    repo = WorkflowRepo(path)
    repo.commit("initial workflows", {})
    return repo


@dataclass
class Controller:
    """The controller CLI as a user runs it, against one config and environment."""

    config: Path
    env: dict[str, str]
    simulator: SimulatorProcess

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "controller", "--config", str(self.config), *args],
            env=self.env, capture_output=True, text=True, timeout=timeout, check=False,
        )

    def json(self, *args: str) -> tuple[int, dict[str, Any]]:
        done = self.run(*args, "--output", "json")
        try:
            return done.returncode, json.loads(done.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"not JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}") from exc


ControllerFactory = Callable[..., Controller]


@pytest.fixture
def controller(tmp_path: Path, simulator: SimulatorProcess, workflow_repo: WorkflowRepo) -> ControllerFactory:
    """Make a controller config for ``workflow_repo`` against the simulator (extra source keys allowed)."""

    def make(**source: Any) -> Controller:
        settings = {
            "name": "analytics", "repo": workflow_repo.url, "ref": "main", "path": "workflows",
            "interval": "1m", "vars": VARS, **source,
        }
        config = {
            "dataworks": {"region": "cn-shanghai", "endpoint": simulator.endpoint, "protocol": "http",
                          "project_id": simulator.project_id, "qps": 500, "poll_initial": 0.05, "poll_max": 0.2},
            "state_dir": str(tmp_path / "state"),
            "sources": [settings],
        }
        path = tmp_path / "dataworks-gitops.yaml"
        path.write_text(json.dumps(config))
        env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": simulator.access_key_id,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": simulator.access_key_secret}
        env.pop("DATAWORKS_GITOPS_CONFIG", None)
        return Controller(config=path, env=env, simulator=simulator)

    return make


def small_spec(name: str, *, cron: str = "00 00 03 * * ?", **workflow: Any) -> str:
    """A two-node CycleWorkflow (load → report) as JSON, at DataStudio path ``small/<name>``.

    Keyword arguments are merged into the workflow object (e.g. ``strategy={...}``), so a test can
    make one spec differ from the rest without writing FlowSpec by hand.
    """
    load, report = f"{name}_load", f"{name}_report"
    document = {
        "version": "1.1.0",
        "kind": "CycleWorkflow",
        "spec": {"workflows": [{
            "name": name,
            "owner": VARS["OWNER"],
            "script": {"path": f"small/{name}", "runtime": {"command": "WORKFLOW"}},
            "trigger": {"type": "Scheduler", "cron": cron},
            "nodes": [
                {"name": load, "script": {"runtime": {"command": "ODPS_SQL"}, "content": f"SELECT 1 AS {load};"},
                 "outputs": {"nodeOutputs": [{"data": f"small.{load}", "artifactType": "NodeOutput",
                                              "refTableName": load}]}},
                {"name": report, "script": {"runtime": {"command": "ODPS_SQL"},
                                            "content": f"-- reads {load}\nSELECT 2;"}},
            ],
            "dependencies": [{"nodeId": report, "depends": [{"type": "Normal", "output": f"small.{load}"}]}],
            **workflow,
        }]},
    }
    return json.dumps(document, indent=2) + "\n"


SmallRepoFactory = Callable[..., WorkflowRepo]


@pytest.fixture
def small_repo(tmp_path: Path) -> SmallRepoFactory:
    """Make a git repository of ``small_spec`` workflows (``workflows/<name>.json``), branch main.

    ``small_repo("alpha", "beta", dirname="other")`` — a few two-node workflows sync in a couple of
    seconds, where example-repo's five take ten; use it when a test does not need the real examples.
    """

    def make(*names: str, dirname: str = "small") -> WorkflowRepo:
        path = tmp_path / dirname
        path.mkdir()
        git(path.parent, "init", "-q", "-b", "main", str(path))
        repo = WorkflowRepo(path)
        repo.commit("initial workflows", {f"workflows/{n}.json": small_spec(n) for n in names})
        return repo

    return make
