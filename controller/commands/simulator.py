"""`dataworks-gitops simulator`: serve the DataWorks OpenAPI simulator until SIGTERM/SIGINT.

Prints exactly one line to stdout once the socket accepts connections:
``DataWorks simulator listening on http://HOST:PORT`` (port 0 picks a free port; the line shows it).
Exit 0 after a clean shutdown, 2 when the flags do not make a set of credentials or knobs.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from types import FrameType

from pydantic import ValidationError

from controller import logs
from controller.logs import get_logger
from controller.simulator.app import Settings
from controller.simulator.auth import Credential
from controller.simulator.knobs import Knobs
from controller.simulator.server import bind, bound_port, serve

log = get_logger(__name__)

DEFAULT_ACCESS_KEY_ID = "simulator-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "simulator-access-key-secret"  # noqa: S105 - the simulator's well-known test key
DEFAULT_PROJECT_ID = 10001
KNOB_FLAGS = ("latency_ms", "read_qps", "write_qps", "daily_quota", "error_rate", "job_seconds", "pipeline_seconds",
              "seed", "max_body_bytes", "fail_import_path")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Build the simulator settings from the parsed flags (ValueError names the bad flag)."""
    ids = list(args.access_key_id) or [DEFAULT_ACCESS_KEY_ID]
    secrets = list(args.access_key_secret) or [DEFAULT_ACCESS_KEY_SECRET]
    if len(ids) != len(secrets):
        raise ValueError(
            f"--access-key-id was given {len(ids)} times and --access-key-secret {len(secrets)} times; "
            "give one secret per key id, in the same order"
        )
    credentials = [Credential(i, s) for i, s in zip(ids, secrets, strict=True)]
    credentials += [Credential(i, s, t) for i, s, t in args.sts or []]
    for credential in credentials:
        logs.register_secret(credential.access_key_secret)
        logs.register_secret(credential.security_token)
    knobs = {name: getattr(args, name) for name in KNOB_FLAGS if getattr(args, name, None) is not None}
    try:
        parsed = Knobs.model_validate(knobs)
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'-'.join(str(p) for p in e['loc']).replace('_', '-')}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(problems) from None
    return Settings(
        credentials=tuple(credentials),
        project_ids=tuple(args.project_id or [DEFAULT_PROJECT_ID]),
        knobs=parsed,
        owner_uid=args.owner_uid,
    )


def command(args: argparse.Namespace) -> int:
    """Run the simulator in the foreground."""
    try:
        settings = settings_from_args(args)
        sock = bind(args.host, args.port)
    except (ValueError, OSError) as exc:
        print(f"dataworks-gitops simulator: {exc}", file=sys.stderr)
        return 2
    port = bound_port(sock)
    shown_host = f"[{args.host}]" if ":" in args.host else args.host

    def ready() -> None:
        print(f"DataWorks simulator listening on http://{shown_host}:{port}", flush=True)
        log.info("simulator_started", host=args.host, port=port, projects=list(settings.project_ids))

    # uvicorn handles SIGINT/SIGTERM while serving and re-raises them after its graceful shutdown;
    # these handlers take that re-raised signal so that a requested stop exits 0, not by signal.
    stopped: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        stopped.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        asyncio.run(serve(settings, sock, ready, lambda: bool(stopped)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    log.info("simulator_stopped", signal=stopped[0] if stopped else None)
    return 0
