"""The daemon's HTTP server: health, readiness, metrics, status API and page, sync API, webhooks.

Top of the pipeline (architecture §1, triggers in and records out). :func:`create_app` takes the
daemon's callables (:class:`~controller.server.deps.ServerDeps`) and returns a Starlette app that
the daemon serves with uvicorn; it knows nothing of the reconciler.

Routes (contracts: fixed names):

- ``GET /healthz``: 200 while the process serves HTTP.
- ``GET /readyz``: 200 when ``deps.ready()``, else 503.
- ``GET /metrics``: Prometheus text from the :class:`~controller.server.metrics.GitOpsMetrics` registry.
- ``GET /api/v1/status``: the status document (repository URLs shown without credentials).
- ``POST /api/v1/sources/{name}/sync``: ``Authorization: Bearer <token>``; 202 / 401 / 403 / 404 / 503.
- ``POST /webhooks/{provider}``: see :mod:`controller.server.hooks_endpoint`.
- ``GET /``: the status page.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from controller.logs import get_logger, register_secret
from controller.server.body import DEFAULT_MAX_BODY_BYTES
from controller.server.deps import ServerDeps, TriggerResult
from controller.server.hooks_endpoint import WebhookReceiver
from controller.server.metrics import GitOpsMetrics
from controller.server.page import render_status_page
from controller.server.urls import strip_credentials
from controller.server.webhooks import DeliveryLog

log = get_logger(__name__)

_UNAVAILABLE_PAGE = "<!DOCTYPE html><title>dataworks-gitops</title><p>Status unavailable, see the controller's log.</p>"
_RETRY_LATER = {"Retry-After": "10"}


def create_app(
    deps: ServerDeps,
    *,
    metrics: GitOpsMetrics | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    delivery_cache_size: int = 1024,
    refresh_seconds: int = 15,
) -> Starlette:
    """Build the HTTP app over the daemon's callables.

    ``metrics`` is the registry the daemon records into (a fresh one when omitted; it is also at
    ``app.state.metrics``). ``max_body_bytes`` caps webhook bodies (config
    ``webhooks.max_body_bytes``); ``delivery_cache_size`` is how many recent delivery ids are
    remembered to drop duplicates; ``refresh_seconds`` is the status page's auto-refresh.
    """
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be positive")
    recorder = metrics if metrics is not None else GitOpsMetrics()
    receiver = WebhookReceiver(
        deps, recorder, max_body_bytes=max_body_bytes, deliveries=DeliveryLog(delivery_cache_size)
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            ready = bool(await run_in_threadpool(deps.ready))
        except Exception as err:  # a broken readiness check means "not ready", never a 500
            log.warning("readiness_check_failed", error=type(err).__name__)
            ready = False
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    async def metrics_endpoint(_: Request) -> Response:
        body, content_type = recorder.render()
        return Response(body, media_type=content_type)

    async def status_api(_: Request) -> Response:
        doc = await _status(deps)
        if doc is None:
            return JSONResponse({"error": "status unavailable, see the controller's log"}, status_code=503)
        return JSONResponse(doc)

    async def status_page(_: Request) -> Response:
        doc = await _status(deps)
        if doc is None:
            return HTMLResponse(_UNAVAILABLE_PAGE, status_code=503)
        return HTMLResponse(render_status_page(doc, refresh_seconds=refresh_seconds))

    async def sync_api(request: Request) -> Response:
        return await _sync(deps, request)

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/api/v1/status", status_api, methods=["GET"]),
            Route("/api/v1/sources/{name}/sync", sync_api, methods=["POST"]),
            Route("/webhooks/{provider}", receiver.handle, methods=["POST"]),
            Route("/", status_page, methods=["GET"]),
        ]
    )
    app.state.metrics = recorder
    return app


async def _status(deps: ServerDeps) -> dict[str, Any] | None:
    """The status document with every source's repository URL stripped of credentials."""
    try:
        doc = dict(await run_in_threadpool(deps.status))
    except Exception as err:
        log.error("status_unavailable", error=type(err).__name__)
        return None
    sources = doc.get("sources")
    if isinstance(sources, list):
        doc["sources"] = [_without_credentials(s) for s in sources]
    return doc


def _without_credentials(source: Any) -> Any:
    if isinstance(source, Mapping) and isinstance(source.get("repo"), str):
        return {**source, "repo": strip_credentials(source["repo"])}
    return source


async def _sync(deps: ServerDeps, request: Request) -> Response:
    """``POST /api/v1/sources/{name}/sync``: authenticate first (so source names do not leak), then enqueue."""
    token = await run_in_threadpool(deps.api_token)
    if not token:
        return JSONResponse({"error": "the sync API is disabled: no API token is configured"}, status_code=403)
    register_secret(token)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        log.warning("sync_api_refused", client=request.client.host if request.client else None)
        return JSONResponse(
            {"error": "missing or wrong bearer token"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    name = request.path_params["name"]
    result = TriggerResult(await run_in_threadpool(deps.trigger, name, "api"))
    if result is TriggerResult.UNKNOWN_SOURCE:
        return JSONResponse({"error": f"no source named {name!r}"}, status_code=404)
    if result is TriggerResult.FULL:
        return JSONResponse({"error": "trigger queue full, retry later"}, status_code=503, headers=_RETRY_LATER)
    log.info("sync_requested", source=name, result=result.value)
    return JSONResponse({"source": name, "result": result.value}, status_code=202)
