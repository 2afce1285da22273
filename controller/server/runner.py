"""Serving the app with uvicorn on a background thread: for the daemon, tests and the demo.

Sits beside :mod:`controller.server.app`: the daemon (or a test) builds the app, then
``ServerThread(app, host, port).start()``. Port 0 picks a free port; :attr:`ServerThread.url` says
which. uvicorn installs no signal handlers off the main thread, so the daemon keeps its own
shutdown handling and calls :meth:`ServerThread.stop`.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette


class ServerThread:
    """A uvicorn server for ``app`` running on its own thread.

    >>> server = ServerThread(app, "127.0.0.1", 0).start()   # doctest: +SKIP
    >>> server.url                                             # doctest: +SKIP
    'http://127.0.0.1:53817'
    """

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0, *, access_log: bool = False) -> None:
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_config=None, access_log=access_log, lifespan="off", ws="none", timeout_graceful_shutdown=5
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True, name="http-server"
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:53817``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving; return once the server accepts connections (or raise after ``timeout``)."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the HTTP server on {self.url} stopped while starting; see the log above")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the HTTP server on {self.url} did not start within {timeout} s")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish in-flight requests and stop; wait for its thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
