"""The DataWorks RPC endpoint (``/``) as a bare ASGI callable: the hot path, so it skips framework
routing and request objects.

One call goes: body read under the size cap → latency knob → action, version and method known? →
signature (``auth.py``) → quota, QPS and fault injection (``knobs.py``) → parameters (``wire.py``) →
time moves on (jobs, pipeline stages) → handler. Every refusal on the way is an :class:`ApiError`
rendered as ``{RequestId, HostId, Code, Message, Recommend}``; an unexpected bug is a clean 500
``InternalError``, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from controller.logs import get_logger
from controller.simulator import definitions, deploy, scheduler, workspace
from controller.simulator.errors import ApiError, InvalidParameter
from controller.simulator.ids import request_id
from controller.simulator.registry import Call, Operation
from controller.simulator.runtime import Simulator
from controller.simulator.wire import decode_params

log = get_logger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

API_VERSION = "2024-05-18"
#: Past this many bytes an oversized body is no longer drained; the connection is dropped instead.
DRAIN_LIMIT = 64 * 1024 * 1024
OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [*definitions.OPERATIONS, *deploy.OPERATIONS, *scheduler.OPERATIONS, *workspace.OPERATIONS]
}
JSON_TYPE = b"application/json;charset=utf-8"


def error_body(error: ApiError, rid: str, host: str) -> dict[str, Any]:
    """The POP error document."""
    return {
        "RequestId": rid,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=dataworks-public&requestId={rid}",
    }


def encode(body: Any) -> bytes:
    """Compact UTF-8 JSON, as DataWorks answers."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    """Send one complete JSON response."""
    content = encode(body)
    raw = [(b"content-type", JSON_TYPE), (b"content-length", str(len(content)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


class RpcEndpoint:
    """ASGI app answering DataWorks API calls from a :class:`Simulator`."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        lookup = {k.lower(): v for k, v in headers}
        rid = request_id()
        host = lookup.get("host", "dataworks.aliyuncs.com")
        action = lookup.get("x-acs-action", "")
        sim = self.simulator
        try:
            body = await self._read_body(receive, lookup.get("content-length", ""))
            if sim.knobs.latency_ms:
                await asyncio.sleep(sim.knobs.latency_ms / 1000)
            sim.stats.calls[action or "(none)"] += 1
            result = self._handle(scope["method"], scope.get("query_string", b""), headers, lookup, body)
        except ApiError as error:
            sim.stats.errors[error.code] += 1
            await send_json(send, error.status, error_body(error, rid, host), error.headers)
            return
        except Exception as exc:  # a simulator bug must still look like DataWorks, not a traceback
            log.error("simulator_handler_failed", action=action, error=repr(exc))
            crash = ApiError(500, "InternalError", "The request processing has failed due to some unknown error.")
            sim.stats.errors[crash.code] += 1
            await send_json(send, 500, error_body(crash, rid, host))
            return
        await send_json(send, 200, {"RequestId": rid, **result})

    def _handle(
        self, method: str, query: bytes, headers: list[tuple[str, str]], lookup: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        sim = self.simulator
        action = lookup.get("x-acs-action", "")
        op = _operation(method, action, lookup.get("x-acs-version", ""))
        try:
            raw_query = query.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidParameter("The query string is not valid UTF-8; percent-encode it.") from None
        sim.verifier.verify(method, raw_query, headers, body, lookup=lookup)
        sim.gate.admit(action)
        params = decode_params(
            action,
            method=op.method,
            raw_query=raw_query,
            content_type=lookup.get("content-type"),
            body=body,
            query_fields=op.query_fields,
        )
        now = time.time()
        sim.advance(now)
        return op.handler(Call(sim.world, params, sim.knobs, now))

    async def _read_body(self, receive: Receive, declared: str) -> bytes:
        cap = self.simulator.knobs.max_body_bytes
        too_big = declared.isdigit() and int(declared) > cap
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            too_big = too_big or size > cap
            if not too_big:
                chunks.append(chunk)
            if not message.get("more_body", False) or size > DRAIN_LIMIT:
                break
        if too_big:
            shown = max(size, int(declared) if declared.isdigit() else 0)
            raise ApiError(
                413, "RequestEntityTooLarge", f"The request body ({shown} bytes) exceeds the limit of {cap} bytes."
            )
        return b"".join(chunks)


def _operation(method: str, action: str, version: str) -> Operation:
    if not action:
        raise ApiError(400, "MissingAction", "The x-acs-action header is mandatory; it names the operation.")
    if version != API_VERSION:
        message = f"Specified parameter Version {version or '(none)'} is not valid; use {API_VERSION}."
        raise ApiError(400, "InvalidVersion", message)
    op = OPERATIONS.get(action)
    if op is None:
        message = f"Specified api {action} is not found, please check your url and method."
        raise ApiError(404, "InvalidAction.NotFound", message)
    if method != op.method:
        raise ApiError(400, "UnsupportedHTTPMethod", f"{action} is called with {op.method}, not {method}.")
    return op
