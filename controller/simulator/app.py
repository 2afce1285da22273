"""The simulator's HTTP surface as one ASGI application: the DataWorks RPC endpoint on ``/``
(``rpc.py``, framework-free because it is the hot path) and the admin endpoints under
``/_simulator/`` (``admin.py``, Starlette). Anything else gets a DataWorks-style 404.
"""

from __future__ import annotations

from controller.simulator.admin import admin_app
from controller.simulator.errors import ApiError
from controller.simulator.ids import request_id
from controller.simulator.rpc import Receive, RpcEndpoint, Scope, Send, error_body, send_json
from controller.simulator.runtime import Settings, Simulator

__all__ = ["Settings", "Simulator", "SimulatorApp", "create_app"]


class SimulatorApp:
    """ASGI app; ``.simulator`` is the live :class:`Simulator` behind it."""

    def __init__(self, settings: Settings) -> None:
        self.simulator = Simulator(settings)
        self._rpc = RpcEndpoint(self.simulator)
        self._admin = admin_app(self.simulator)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":  # nothing to start or stop; answer so servers carry on
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
            return
        path = scope["path"]
        if path == "/":
            await self._rpc(scope, receive, send)
        elif path.startswith("/_simulator/"):
            await self._admin(scope, receive, send)
        else:
            error = ApiError(404, "InvalidAction.NotFound", f"There is nothing at {path}; DataWorks RPC calls go to /.")
            headers = dict((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
            await send_json(send, 404, error_body(error, request_id(), headers.get("host", "")))


def create_app(settings: Settings) -> SimulatorApp:
    """The ASGI application for these settings."""
    return SimulatorApp(settings)
