"""``POST /webhooks/<provider>``: from an HTTP request to triggered sources, in a fixed order.

The "git-push webhook" and "live-change event" triggers of architecture §1. Order matters, and each
step refuses before the next one costs anything:

1. unknown provider → 404; no secret configured for it → 403 (before reading the body);
2. body capped: declared ``Content-Length`` over the limit, or more bytes than that while
   streaming → 413 (see :mod:`controller.server.body`);
3. signature or token checked on the raw bytes, constant-time → 401; nothing is parsed before;
4. JSON parsed → 400 if it is not what the provider documents;
5. ping/test → 200; other events → 200 ``{"ignored": ...}``;
6. a delivery id seen recently → 200 ``{"ignored": "duplicate delivery"}``;
7. sources whose repo and ref the push moves are triggered (enqueued, never run here) → 202
   ``{"triggered": [names]}`` (empty when nothing matches); the trigger queue full → 503, and the
   delivery id is forgotten so that the provider's retry is handled.

A DataWorks live-change delivery (``/webhooks/dataworks``: one CloudEvent or a batch) goes through
steps 1–5 the same way, then: events of another workspace than ``deps.workspace_id()`` are dropped
(an event naming no workspace is kept) and, if none is left, answered 200 ``{"ignored": ...}``;
each event id is claimed in the same delivery log (all seen before → 200 duplicate); then every
source is triggered — a change in the console can touch any workflow, and the scheduler coalesces
triggers into one follow-up run per source (suspended sources run nothing) → 202 as above, or 503
with every claimed id forgotten.

Every outcome is counted in ``dataworks_gitops_webhook_requests_total{provider, result}``. Bodies
and secrets are never logged; the delivery id, ref and commit are (for DataWorks: event ids and types).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from controller.logs import get_logger, register_secret
from controller.server.body import BadContentLength, BodyTooLarge, read_capped
from controller.server.deps import ServerDeps, TriggerResult
from controller.server.metrics import GitOpsMetrics
from controller.server.webhooks import (
    PROVIDERS,
    DeliveryLog,
    Ignored,
    LiveChange,
    PayloadError,
    Ping,
    PushEvent,
    SignatureError,
    matches_source,
)

log = get_logger(__name__)

_TRIGGERED = frozenset({TriggerResult.ACCEPTED, TriggerResult.QUEUED})


class WebhookReceiver:
    """The Starlette endpoint for ``POST /webhooks/{provider}`` (route to :meth:`handle`)."""

    def __init__(
        self, deps: ServerDeps, metrics: GitOpsMetrics, *, max_body_bytes: int, deliveries: DeliveryLog
    ) -> None:
        self._deps = deps
        self._metrics = metrics
        self._max_body = max_body_bytes
        self._deliveries = deliveries

    async def handle(self, request: Request) -> JSONResponse:
        """Handle one webhook request (see the module docstring for the order of checks)."""
        name = str(request.path_params["provider"]).lower()
        provider = PROVIDERS.get(name)
        if provider is None:
            # Arbitrary path segments must not become metric label values.
            return self._refuse(request, "unknown", "unknown_provider", 404, f"no webhook provider {name[:40]!r}")
        secret = await run_in_threadpool(self._deps.webhook_secret, name)
        if not secret:
            hint = (
                f"webhooks from {name} are not configured: set webhooks.{name}.secret_env"
                " to the name of an environment variable holding the secret"
            )
            return self._refuse(request, name, "not_configured", 403, hint)
        register_secret(secret)
        try:
            body = await read_capped(request, self._max_body)
        except BodyTooLarge:
            return self._refuse(request, name, "too_large", 413, f"body larger than {self._max_body} bytes")
        except BadContentLength as err:
            return self._refuse(request, name, "bad_request", 400, str(err))
        try:
            provider.verify(request.headers, body, secret)
        except SignatureError as err:
            return self._refuse(request, name, "unauthorized", 401, str(err))
        try:
            event = provider.parse(request.headers, body)
        except PayloadError as err:
            return self._refuse(request, name, "bad_request", 400, str(err))
        if isinstance(event, Ping):
            return self._answer(name, "ping", 200, {"ok": True, "event": event.event}, delivery=event.delivery)
        if isinstance(event, Ignored):
            return self._answer(name, "ignored", 200, {"ignored": f"event {event.event}"}, delivery=event.delivery)
        if isinstance(event, LiveChange):
            return await self._live_change(name, event)
        key = f"{name}:{event.delivery}" if event.delivery else None
        if key and not self._deliveries.claim(key):
            return self._answer(name, "duplicate", 200, {"ignored": "duplicate delivery"}, delivery=event.delivery)
        triggered, full = await run_in_threadpool(self._dispatch, event)
        if full:
            if key:
                self._deliveries.release(key)
            log.warning("webhook_queue_full", provider=name, delivery=event.delivery, sources=full)
            content = {"error": "trigger queue full, retry later", "triggered": triggered}
            return self._answer(name, "queue_full", 503, content, headers={"Retry-After": "10"})
        log.info(
            "webhook_triggered" if triggered else "webhook_no_match",
            provider=name, delivery=event.delivery, ref=event.ref, after=event.after, sources=triggered,
        )
        return self._answer(name, "triggered" if triggered else "no_match", 202, {"triggered": triggered})

    async def _live_change(self, name: str, change: LiveChange) -> JSONResponse:
        """Our workspace's change events, not seen before, trigger every source (module docstring)."""
        workspace = await run_in_threadpool(self._deps.workspace_id)
        ours = [e for e in change.events if e.workspace is None or workspace is None or e.workspace == str(workspace)]
        if not ours:
            # The workspace ids tell an operator which bus or rule is misrouted; a few, cut short.
            others = sorted({e.workspace[:32] for e in change.events if e.workspace})[:5]
            log.info("webhook_ignored", provider=name, delivery=change.delivery, why="another workspace",
                     workspaces=others)
            self._metrics.record_webhook(name, "ignored")
            return JSONResponse({"ignored": "events of another DataWorks workspace"}, status_code=200)
        keys = [f"{name}:{e.id}" for e in ours if e.id]
        claimed = [key for key in keys if self._deliveries.claim(key)]
        fresh = [e for e in ours if not e.id or f"{name}:{e.id}" in claimed]
        if not fresh:
            return self._answer(name, "duplicate", 200, {"ignored": "duplicate delivery"}, delivery=change.delivery)
        triggered, full = await run_in_threadpool(self._dispatch_all, name)
        delivery = next((e.id for e in fresh if e.id), None)
        if full:
            for key in claimed:
                self._deliveries.release(key)
            log.warning("webhook_queue_full", provider=name, delivery=delivery, sources=full)
            content = {"error": "trigger queue full, retry later", "triggered": triggered}
            return self._answer(name, "queue_full", 503, content, headers={"Retry-After": "10"})
        log.info(
            "webhook_triggered" if triggered else "webhook_no_match",
            provider=name, delivery=delivery, events=len(fresh), types=sorted({e.type for e in fresh}),
            sources=triggered,
        )
        return self._answer(name, "triggered" if triggered else "no_match", 202, {"triggered": triggered})

    def _dispatch(self, push: PushEvent) -> tuple[list[str], list[str]]:
        """Trigger every source the push moves (runs in a worker thread: deps may block briefly)."""
        sources: Sequence[tuple[str, str, str]] = self._deps.sources()
        moved = [name for name, repo, ref in sources if matches_source(push, repo, ref)]
        return self._trigger(moved, f"webhook:{push.provider}")

    def _dispatch_all(self, provider: str) -> tuple[list[str], list[str]]:
        """Trigger every source, for a live change (worker thread, as :meth:`_dispatch`)."""
        return self._trigger([name for name, _, _ in self._deps.sources()], f"webhook:{provider}")

    def _trigger(self, names: Sequence[str], reason: str) -> tuple[list[str], list[str]]:
        triggered: list[str] = []
        full: list[str] = []
        for name in names:
            result = TriggerResult(self._deps.trigger(name, reason))
            if result in _TRIGGERED:
                triggered.append(name)
            elif result is TriggerResult.FULL:
                full.append(name)
        return triggered, full

    def _answer(
        self, provider: str, result: str, status: int, content: dict[str, Any], *,
        delivery: str | None = None, headers: dict[str, str] | None = None,
    ) -> JSONResponse:
        self._metrics.record_webhook(provider, result)
        if result in ("ping", "ignored", "duplicate"):
            log.info("webhook_" + result, provider=provider, delivery=delivery)
        return JSONResponse(content, status_code=status, headers=headers)

    def _refuse(self, request: Request, provider: str, result: str, status: int, reason: str) -> JSONResponse:
        """Refuse a request: count it, log why (never the body), answer with the reason.

        Reasons name the header and the fix but never a secret: providers show the answer in their
        delivery log, which is where users look when a webhook "does not trigger".
        """
        client = request.client.host if request.client else None
        log.warning("webhook_refused", provider=provider, result=result, status=status, reason=reason, client=client)
        self._metrics.record_webhook(provider, result)
        return JSONResponse({"error": reason}, status_code=status)
