"""``dataworks-gitops demo``: the whole idea in under a minute, on this machine alone.

It starts the bundled DataWorks simulator in-process, makes a temporary git repository from
``example-repo/``, syncs it, makes a console-style edit and shows the drift being detected and
healed, then runs the controller as a daemon, pushes a commit and shows it applied through a signed
webhook. Nothing leaves the machine; exit 0 when every step did what it says.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from controller import logs
from controller.commands.common import make_client, render_run
from controller.commands.runner import GitSources, poll_schedule
from controller.config import Config, load_config
from controller.daemon import Daemon, Wiring
from controller.dataworks.client import DataWorksClient
from controller.reconcile.live import OWNERSHIP_TAG, read_scheduled
from controller.reconcile.results import RunResult
from controller.reconcile.run import RunOptions, SyncRun
from controller.reconcile.store_state import StoreRunState
from controller.simulator.testing import SimulatorThread
from controller.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "example-repo"
VARS = {
    "OWNER": "1234567890123456",
    "RESOURCE_GROUP": "S_res_group_demo",
    "ODS_PROJECT": "demo_ods",
    "DW_PROJECT": "demo_dw",
    "EXPORT_BUCKET": "demo-exports",
}
WEBHOOK_SECRET_ENV = "DEMO_WEBHOOK_SECRET"  # noqa: S105 - the name of an env var, not a secret
SQL_FILE = "workflows/sales/sql/dws_sales_daily.sql"


def say(text: str = "") -> None:
    """One line of the story, flushed at once."""
    print(text, flush=True)


def step(number: int, title: str) -> None:
    """A step heading."""
    say()
    say(f"== {number}. {title}")


def git(repo: Path, *args: str) -> str:
    """git with a fixed demo identity."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "Demo", "GIT_AUTHOR_EMAIL": "demo@example.com",
           "GIT_COMMITTER_NAME": "Demo", "GIT_COMMITTER_EMAIL": "demo@example.com"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def make_repo(tmp: Path) -> Path:
    """A git repository holding example-repo's workflows."""
    repo = tmp / "workflows-repo"
    shutil.copytree(EXAMPLE / "workflows", repo / "workflows")
    git(tmp, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Add the team's workflows")
    return repo


def write_config(tmp: Path, repo: Path, sim: SimulatorThread, port: int) -> Config:
    """A controller config pointing at the simulator and the temporary repository."""
    config = {
        "dataworks": {"region": "cn-shanghai", "endpoint": sim.endpoint, "protocol": "http",
                      "project_id": sim.project_id, "qps": 200, "poll_initial": 0.05, "poll_max": 0.2},
        "state_dir": str(tmp / "state"),
        "server": {"host": "127.0.0.1", "port": port},
        "webhooks": {"generic": {"secret_env": WEBHOOK_SECRET_ENV}},
        "sources": [{"name": "analytics", "repo": f"file://{repo}", "ref": "main", "path": "workflows",
                     "interval": "10m", "vars": VARS}],
    }
    path = tmp / "dataworks-gitops.yaml"
    path.write_text(json.dumps(config, indent=2))
    return load_config(path)


def free_port() -> int:
    """A free loopback port for the demo daemon."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def one_run(config: Config, client: DataWorksClient, *, dry_run: bool, title: str) -> RunResult:
    """A sync (or diff) run, printed the way the CLI prints it."""
    store = Store.open(config.state_dir)
    try:
        git_sources = GitSources(config.state_dir)
        run = SyncRun(config, client, StoreRunState(store), git_sources.checkout,
                      options=RunOptions(dry_run=dry_run, poll=poll_schedule(config)))
        result = await run.run()
    finally:
        store.close()
    render_run(result, sys.stdout, title=title)
    return result


async def console_edit(config: Config, client: DataWorksClient) -> None:
    """What a colleague does in the DataWorks console: move daily_sales from 02:00 to 05:30."""
    store = Store.open(config.state_dir)
    try:
        (record,) = [r for r in store.list_workflows("analytics") if r.name == "daily_sales"]
    finally:
        store.close()
    assert record.workflow_id is not None
    live = await read_scheduled(client, record.workflow_id, "CycleWorkflow")
    edited = dataclasses.replace(live.model, trigger=dataclasses.replace(live.model.trigger, cron="00 30 05 * * ?"))
    from controller.dataworks.adapters import update_request_from_model

    await client.update_workflow(
        update_request_from_model(edited, workflow_id=record.workflow_id, live_task_ids=live.task_ids,
                                  owner_tags={OWNERSHIP_TAG: "analytics"}, live=live.workflow)
    )


def signed_push(repo_url: str, secret: str) -> tuple[bytes, dict[str, str]]:
    """A generic push webhook: JSON body and its HMAC-SHA256 signature header."""
    body = json.dumps({"repo": repo_url, "ref": "refs/heads/main"}).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Signature": f"sha256={signature}", "Content-Type": "application/json"}


async def webhook_round(config: Config, client: DataWorksClient, repo: Path, port: int) -> bool:
    """Run the daemon, push a commit, deliver a signed webhook, wait until the commit is applied."""
    store = Store.open(config.state_dir)
    git_sources = GitSources(config.state_dir)
    daemon = Daemon(Wiring(config=config, client=client, store=store, fetch=git_sources.checkout,
                           fetch_seconds=git_sources.fetch_seconds))
    serving = asyncio.create_task(daemon.serve(install_signals=False))
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            if not await _wait(lambda: _ok(http, f"{base}/readyz"), 30):
                say("   the daemon did not become ready")
                return False
            say(f"   daemon ready on {base} (health, readiness, /metrics, /api/v1/status, webhooks, status page /)")
            sql = repo / SQL_FILE
            sql.write_text(sql.read_text().replace("COUNT(*) AS orders", "COUNT(DISTINCT order_id) AS orders"))
            git(repo, "commit", "-q", "-am", "Count distinct orders in dws_sales_daily")
            sha = git(repo, "rev-parse", "HEAD")
            say(f"   pushed commit {sha[:12]}: dws_sales_daily now counts DISTINCT order ids")
            body, headers = signed_push(f"file://{repo}", os.environ[WEBHOOK_SECRET_ENV])
            forged = await http.post(f"{base}/webhooks/generic", content=body,
                                     headers={**headers, "X-Signature": "sha256=" + "0" * 64})
            say(f"   a forged webhook is refused: HTTP {forged.status_code}")
            started = time.monotonic()
            answer = await http.post(f"{base}/webhooks/generic", content=body, headers=headers)
            say(f"   the signed webhook is accepted at once: HTTP {answer.status_code} {answer.text}")

            async def applied() -> bool:
                status = (await http.get(f"{base}/api/v1/status")).json()
                daily = [w for w in status["workflows"] if w["name"] == "daily_sales"]
                return bool(daily) and daily[0]["last_commit"] == sha and daily[0]["status"] == "Synced"

            if not await _wait(applied, 30):
                say("   the commit was not applied in 30 s")
                return False
            say(f"   applied {sha[:12]} to DataWorks {time.monotonic() - started:.1f}s after the push")
            metrics = (await http.get(f"{base}/metrics")).text
            runs = [line for line in metrics.splitlines() if line.startswith("dataworks_gitops_sync_runs_total")]
            say(f"   metrics: {'; '.join(runs)}")
            return True
    finally:
        daemon.request_stop()
        await asyncio.wait_for(serving, timeout=15)
        store.close()


async def _ok(http: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await http.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


async def _wait(check: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.2)
    return False


async def tour(tmp: Path) -> bool:
    """The demo's steps; True when each did what it says."""
    step(1, "Start a DataWorks simulator (same OpenAPI, signatures and async jobs as DataWorks)")
    with SimulatorThread(job_seconds=0.1, pipeline_seconds=0.1) as sim:
        say(f"   listening on {sim.url}, workspace {sim.project_id}")
        repo = make_repo(tmp)
        port = free_port()
        os.environ[WEBHOOK_SECRET_ENV] = hashlib.sha256(os.urandom(16)).hexdigest()
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = sim.access_key_id
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = sim.access_key_secret
        config = write_config(tmp, repo, sim, port)
        say(f"   a git repo with example-repo's 5 workflows: {repo}")
        async with make_client(config) as client:
            step(2, "Sync: every workflow in Git is imported, published and verified")
            first = await one_run(config, client, dry_run=False, title="sync")
            step(3, "Diff right after: in sync, and it costs list pages only")
            steady = await one_run(config, client, dry_run=True, title="diff")
            step(4, "Someone edits daily_sales in the DataWorks console (02:00 -> 05:30)")
            await console_edit(config, client)
            say("   saved with UpdateWorkflow, as the console does")
            step(5, "Diff detects the drift and names the field")
            drift = await one_run(config, client, dry_run=True, title="diff")
            step(6, "Sync heals it: one full UpdateWorkflow puts Git's schedule back")
            healed = await one_run(config, client, dry_run=False, title="sync")
            step(7, "Run as a service: push a commit, deliver a webhook, watch it applied")
            pushed = await webhook_round(config, client, repo, port)
    ok = (
        first.sync_exit_code() == 0
        and steady.diff_exit_code() == 0
        and drift.diff_exit_code() == 2
        and healed.sync_exit_code() == 0
        and pushed
    )
    say()
    say("Done: Git stayed the source of truth." if ok else "Something did not go as described above.")
    return ok


def command(args: argparse.Namespace) -> int:
    """Run the demo."""
    logs.configure("error" if args.log_level == "info" else args.log_level, args.log_format)
    with tempfile.TemporaryDirectory(prefix="dataworks-gitops-demo-") as tmp:
        ok = asyncio.run(tour(Path(tmp)))
    return 0 if ok else 1
