"""What the HTTP server needs from the daemon: a handful of callables, nothing of its internals.

Sits at the top of the pipeline (architecture §1, "triggers" and "record"): the server reads status
and readiness from the daemon and hands it triggers. It never imports the reconciler, the store or
the daemon; the daemon builds a :class:`ServerDeps` and passes it to
:func:`controller.server.app.create_app`, which keeps the server testable with plain fakes.

Every callable is called from a worker thread of the server (never on its event loop), possibly
from several threads at once, so each must be thread-safe and return quickly; ``trigger`` in
particular must only enqueue, never run a sync.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class TriggerResult(enum.StrEnum):
    """What the daemon did with a trigger (webhook or ``POST /api/v1/sources/NAME/sync``).

    ``accepted``: a run will start; ``queued``: a run is in progress and one follow-up run is now
    queued (architecture §1: a trigger during a run queues exactly one more); ``full``: the trigger
    queue is full, try later (HTTP 503); ``unknown_source``: no source has that name (HTTP 404).
    """

    ACCEPTED = "accepted"
    QUEUED = "queued"
    FULL = "full"
    UNKNOWN_SOURCE = "unknown_source"


class SourceRef(NamedTuple):
    """A configured source as webhooks see it: its name, Git remote and tracked ref.

    ``ref`` is what the config says: a branch (``main`` or ``refs/heads/main``), a tag
    (``v1.2.0`` or ``refs/tags/v1.2.0``), empty or ``HEAD`` for the remote's default branch.
    Plain ``(name, repo_url, ref)`` tuples are accepted too.
    """

    name: str
    repo_url: str
    ref: str


#: The JSON served at ``/api/v1/status`` (shape documented in the README, "Metrics and log events").
StatusDoc = Mapping[str, Any]


@dataclass(frozen=True)
class ServerDeps:
    """The daemon's side of the HTTP server.

    - ``status()``: the ``/api/v1/status`` document, ``{"sources": [...], "workflows": [...]}``
      (secrets already masked; the server strips URL credentials again before showing a repo).
    - ``ready()``: True once the daemon can serve (config loaded, first inventory done).
    - ``trigger(source_name, reason)``: enqueue a sync run without waiting for it.
    - ``sources()``: every configured source, for matching pushes to sources (a DataWorks
      live-change event triggers them all).
    - ``webhook_secret(provider)``: the secret or token for ``/webhooks/<provider>``, read from the
      environment variable the config names (``webhooks: {github: {secret_env: NAME}}``); None
      when not configured, in which case that provider's webhooks are refused.
    - ``api_token()``: the bearer token for ``POST /api/v1/sources/NAME/sync``; None disables it.
    - ``workspace_id()``: the DataWorks workspace (``dataworks.project_id``) this controller keeps,
      so that ``/webhooks/dataworks`` acts only on change events of that workspace; None (the
      default) accepts change events of any workspace.
    """

    status: Callable[[], StatusDoc]
    ready: Callable[[], bool]
    trigger: Callable[[str, str], TriggerResult]
    sources: Callable[[], Sequence[tuple[str, str, str]]]
    webhook_secret: Callable[[str], str | None]
    api_token: Callable[[], str | None]
    workspace_id: Callable[[], int | None] = field(default=lambda: None)  # any workspace
