"""Serving the simulator with uvicorn: on a socket bound before start (so port 0 reports the real
port), in the foreground (the CLI) or on a background thread (``testing.SimulatorThread``).

uvicorn picks uvloop/httptools when they are installed and plain asyncio/h11 otherwise.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import uvicorn

from controller.simulator.app import Settings, SimulatorApp, create_app


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (port 0: the kernel picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says
    # TCP, and without it Nagle + delayed ACK add ~40 ms to every response (headers, then body).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def bound_port(sock: socket.socket) -> int:
    """The port a bound socket actually got."""
    return int(sock.getsockname()[1])


def make_server(app: SimulatorApp) -> uvicorn.Server:
    """A quiet uvicorn server (no access log; warnings and errors go to stderr)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", backlog=2048)
    return uvicorn.Server(config)


async def serve(
    settings: Settings,
    sock: socket.socket,
    on_ready: Callable[[], None],
    stop_requested: Callable[[], bool] = lambda: False,
) -> None:
    """Serve until the server is told to exit (SIGINT/SIGTERM in the main thread); ``on_ready`` runs
    once, when the socket accepts connections. ``stop_requested`` covers a signal that arrived
    before uvicorn took over signal handling."""
    server = make_server(create_app(settings))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        on_ready()
        if stop_requested():
            server.should_exit = True
    await task
