"""Test helpers shipped with the package (as structlog ships ``structlog.testing``): stand up a real
simulator over a real socket in one line.

- :func:`start_simulator_process` runs ``python -m controller simulator`` as a subprocess (the way
  tests and benchmarks see a separate DataWorks) and yields a :class:`SimulatorProcess`.
- :class:`SimulatorThread` serves the same app from a background thread of this process (the demo).

Both expose ``.url``, ``.endpoint`` (``"127.0.0.1:PORT"``, what a client's ``endpoint`` takes),
``.access_key_id``, ``.access_key_secret``, ``.project_id``, the STS triple ``.sts_access_key_id``,
``.sts_access_key_secret``, ``.security_token``, and the admin helpers ``.stats()``, ``.reset()``,
``.configure(**knobs)``, ``.knobs()`` and ``.state()``.

Example::

    with start_simulator_process(job_seconds=0) as sim:
        client = Client(Config(access_key_id=sim.access_key_id, access_key_secret=sim.access_key_secret,
                               endpoint=sim.endpoint, protocol="http"))
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from controller.simulator.app import Settings, Simulator, create_app
from controller.simulator.auth import Credential
from controller.simulator.knobs import Knobs
from controller.simulator.server import bind, bound_port, make_server

READY_PREFIX = "DataWorks simulator listening on "
DEFAULT_PROJECT_ID = 10001


class SimulatorHandle:
    """Where a running simulator is, which keys it accepts, and its admin surface."""

    def __init__(
        self,
        *,
        url: str,
        access_key_id: str,
        access_key_secret: str,
        project_id: int,
        sts: tuple[str, str, str],
    ) -> None:
        self.url = url.rstrip("/")
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.project_id = project_id
        self.sts_access_key_id, self.sts_access_key_secret, self.security_token = sts
        self._http: httpx.Client | None = None

    @property
    def endpoint(self) -> str:
        """``host:port``, the form a DataWorks client ``endpoint`` setting takes."""
        return self.url.split("://", 1)[1]

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._http is None:  # one client per handle: building one costs ~0.2 s (TLS context)
            self._http = httpx.Client(timeout=10)
        response = self._http.request(method, f"{self.url}/_simulator/{path}", json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def close(self) -> None:
        """Close the admin HTTP client (the simulator itself keeps running)."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def stats(self) -> dict[str, Any]:
        """``{"calls": {Action: n}, "errors": {Code: n}, "total_calls", "total_errors", "quota_used"}``."""
        return self._admin("GET", "stats")

    def reset(self) -> None:
        """Empty the workspace and return to the start-up knobs, zero stats and quota."""
        self._admin("POST", "reset")

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Change knobs (latency_ms, read_qps, write_qps, daily_quota, error_rate, job_seconds,
        pipeline_seconds, seed, max_body_bytes); returns the knobs now in force."""
        result: dict[str, Any] = self._admin("POST", "config", knobs)["knobs"]
        return result

    def knobs(self) -> dict[str, Any]:
        """The knobs in force."""
        result: dict[str, Any] = self._admin("GET", "config")["knobs"]
        return result

    def state(self) -> dict[str, Any]:
        """Every definition, scheduled workflow (tasks in full), job and pipeline run."""
        return self._admin("GET", "state")


def _new_keys() -> tuple[str, str, tuple[str, str, str]]:
    suffix = secrets.token_hex(4)
    sts = (f"STS.sim{suffix}", secrets.token_hex(16), secrets.token_urlsafe(24))
    return f"LTAIsim{suffix}", secrets.token_hex(16), sts


def knob_flags(knobs: dict[str, Any]) -> list[str]:
    """CLI flags for knobs given as keyword arguments (validated first, so typos fail here)."""
    Knobs.model_validate(knobs)
    flags: list[str] = []
    for name, value in knobs.items():
        if value is not None:
            flags += [f"--{name.replace('_', '-')}", str(value)]
    return flags


class SimulatorProcess(SimulatorHandle):
    """A simulator running as a child process."""

    def __init__(self, process: subprocess.Popen[str], stderr_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.process = process
        self.stderr_path = stderr_path

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait for the clean shutdown (SIGKILL after ``timeout``); the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


@contextmanager
def start_simulator_process(
    *,
    host: str = "127.0.0.1",
    access_key_id: str | None = None,
    access_key_secret: str | None = None,
    project_id: int = DEFAULT_PROJECT_ID,
    python: str = sys.executable,
    startup_timeout: float = 30.0,
    **knobs: Any,
) -> Iterator[SimulatorProcess]:
    """Run ``python -m controller simulator`` on a free port until the block ends (see module doc)."""
    key_id, key_secret, sts = _new_keys()
    key_id, key_secret = access_key_id or key_id, access_key_secret or key_secret
    args = [python, "-m", "controller", "--log-format", "json", "simulator", "--host", host, "--port", "0",
            "--access-key-id", key_id, "--access-key-secret", key_secret, "--sts", *sts,
            "--project-id", str(project_id), *knob_flags(knobs)]
    stderr = tempfile.NamedTemporaryFile("w+", prefix="dataworks-simulator-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True, env={**os.environ})
    handle: SimulatorProcess | None = None
    try:
        url = _wait_for_ready(process, stderr.name, startup_timeout)
        handle = SimulatorProcess(
            process, stderr.name, url=url, access_key_id=key_id, access_key_secret=key_secret,
            project_id=project_id, sts=sts,
        )
        yield handle
    finally:
        if handle is not None:
            handle.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        stderr.close()
        os.unlink(stderr.name)


def _wait_for_ready(process: subprocess.Popen[str], stderr_path: str, timeout: float) -> str:
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line:
            found.append(line.strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found or not found[0].startswith(READY_PREFIX):
        process.kill()
        process.wait()
        with open(stderr_path) as log:
            detail = log.read()[-2000:]
        raise RuntimeError(f"the simulator did not start within {timeout:g}s: {found or 'no output'}; stderr: {detail}")
    return found[0][len(READY_PREFIX) :]


class SimulatorThread(SimulatorHandle):
    """The simulator served from a background thread of this process (``with`` or start()/stop()).

    ``.simulator`` is the live :class:`~controller.simulator.app.Simulator`, for in-process peeking.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        project_id: int = DEFAULT_PROJECT_ID,
        **knobs: Any,
    ) -> None:
        key_id, key_secret, sts = _new_keys()
        key_id, key_secret = access_key_id or key_id, access_key_secret or key_secret
        settings = Settings(
            credentials=(Credential(key_id, key_secret), Credential(*sts)),
            project_ids=(project_id,),
            knobs=Knobs.model_validate(knobs),
        )
        self._sock = bind(host, port)
        shown = f"[{host}]" if ":" in host else host
        super().__init__(
            url=f"http://{shown}:{bound_port(self._sock)}", access_key_id=key_id, access_key_secret=key_secret,
            project_id=project_id, sts=sts,
        )
        app = create_app(settings)
        self.simulator: Simulator = app.simulator
        self._server: uvicorn.Server = make_server(app)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def start(self, timeout: float = 10.0) -> SimulatorThread:
        """Start serving; returns once the socket accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the in-process simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down gracefully and wait for the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()
        self.close()

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
