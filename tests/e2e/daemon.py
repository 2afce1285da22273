"""`dataworks-gitops run` as a process, for the end-to-end tests that drive it over HTTP."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import Controller
from tests.gitserver import free_port


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``check`` every 0.1 s; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@dataclass
class Daemon:
    """The running daemon: its process, base URL, state_dir and JSON log file."""

    process: subprocess.Popen[str]
    url: str
    state_dir: Path
    log: Path

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.post(self.url + path, timeout=5, **kw)

    def ready(self) -> bool:
        try:
            return self.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def workflow(self, name: str) -> dict[str, Any]:
        (wf,) = [w for w in self.get("/api/v1/status").json()["workflows"] if w["name"] == name]
        return dict(wf)

    def operations(self) -> list[tuple[str, str]]:
        with sqlite3.connect(self.state_dir / "store.db") as db:
            return list(db.execute("SELECT kind, workflow FROM operations"))

    def events(self, name: str) -> list[dict[str, Any]]:
        """The log events called ``name``, so far."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]
        return [e for e in lines if e.get("event") == name]


@contextmanager
def running_daemon(
    ctl: Controller, log: Path, *, server: dict[str, Any], webhooks: dict[str, Any], env: dict[str, str]
) -> Iterator[Daemon]:
    """Add ``server`` (host and port filled in) and ``webhooks`` to ``ctl``'s config, start ``run``
    with ``env`` added, yield it, and kill it if the test left it running."""
    config = json.loads(ctl.config.read_text())
    port = free_port()
    config["server"] = {"host": "127.0.0.1", "port": port, **server}
    config["webhooks"] = webhooks
    ctl.config.write_text(json.dumps(config))
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "controller", "--config", str(ctl.config), "--log-format", "json", "run"],
            env={**ctl.env, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield Daemon(process, f"http://127.0.0.1:{port}", Path(config["state_dir"]), log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
