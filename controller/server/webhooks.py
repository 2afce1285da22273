"""Webhook providers by URL name, push-to-source matching and duplicate-delivery memory.

Part of the webhook and live-change triggers (architecture §1): ``POST /webhooks/<provider>`` looks
the provider up in :data:`PROVIDERS`, calls its ``verify`` on the raw bytes (before any parsing —
the lesson of CVE-2024-40634), then its ``parse``; :func:`matches_source` decides which configured
sources a push moves (a ``dataworks`` live-change event moves them all), and :class:`DeliveryLog`
drops a delivery id already handled. Pure functions and one small in-memory structure; the HTTP
handling lives in :mod:`controller.server.hooks_endpoint`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from controller.server.events import (
    ChangeEvent,
    Headers,
    Ignored,
    LiveChange,
    PayloadError,
    Ping,
    PushEvent,
    RefUpdate,
    SignatureError,
    WebhookError,
    WebhookEvent,
)
from controller.server.providers.bitbucket import parse_bitbucket, verify_bitbucket
from controller.server.providers.dataworks import parse_dataworks, verify_dataworks
from controller.server.providers.generic import parse_generic, verify_generic
from controller.server.providers.github import parse_gitea, parse_github, verify_gitea, verify_github
from controller.server.providers.gitlab import parse_codeup, parse_gitlab, verify_codeup, verify_gitlab
from controller.server.urls import normalise_repo_url, ref_matches, strip_credentials

__all__ = [
    "PROVIDERS",
    "ChangeEvent",
    "DeliveryLog",
    "Ignored",
    "LiveChange",
    "PayloadError",
    "Ping",
    "Provider",
    "PushEvent",
    "RefUpdate",
    "SignatureError",
    "WebhookError",
    "WebhookEvent",
    "matches_source",
    "normalise_repo_url",
    "strip_credentials",
]


@dataclass(frozen=True)
class Provider:
    """A webhook provider: ``verify(headers, body, secret)`` raises SignatureError when the request
    is not authentic; ``parse(headers, body)`` turns an authentic one into a WebhookEvent (or raises
    PayloadError). ``dataworks`` is not a Git host: its events are live changes, not pushes."""

    name: str
    verify: Callable[[Headers, bytes, str], None]
    parse: Callable[[Headers, bytes], WebhookEvent]


#: ``/webhooks/<name>`` → provider.
PROVIDERS: Mapping[str, Provider] = {
    p.name: p
    for p in (
        Provider("github", verify_github, parse_github),
        Provider("gitlab", verify_gitlab, parse_gitlab),
        Provider("gitea", verify_gitea, parse_gitea),
        Provider("bitbucket", verify_bitbucket, parse_bitbucket),
        Provider("codeup", verify_codeup, parse_codeup),
        Provider("generic", verify_generic, parse_generic),
        Provider("dataworks", verify_dataworks, parse_dataworks),
    )
}


def matches_source(push: PushEvent, source_repo: str, source_ref: str) -> bool:
    """Whether ``push`` moves what a source on ``source_repo`` at ``source_ref`` syncs.

    True only when the repository is the same (every URL form in the payload is compared after
    :func:`normalise_repo_url`) AND one of the pushed refs is the source's branch or tag (see
    :func:`controller.server.urls.ref_matches`): a push to another branch of the same repo, or to
    the same branch name of another repo, triggers nothing.
    """
    wanted = normalise_repo_url(source_repo)
    if not wanted or wanted not in {normalise_repo_url(url) for url in push.repo_urls}:
        return False
    return any(ref_matches(change.ref, source_ref) for change in push.changes)


class DeliveryLog:
    """The most recent delivery ids, so a provider's retry of a handled delivery is not run twice.

    Bounded (least recently seen ids are forgotten first) and thread-safe. :meth:`claim` reserves
    an id atomically; :meth:`release` gives it back when the delivery could not be handled (the
    trigger queue was full), so that the provider's retry is not mistaken for a duplicate.
    """

    def __init__(self, capacity: int = 1024) -> None:
        if capacity < 1:
            raise ValueError("DeliveryLog capacity must be at least 1")
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        """Record ``key``; False if it was already recorded (a duplicate delivery)."""
        with self._lock:
            if key in self._ids:
                self._ids.move_to_end(key)
                return False
            self._ids[key] = None
            if len(self._ids) > self._capacity:
                self._ids.popitem(last=False)
            return True

    def release(self, key: str) -> None:
        """Forget ``key`` so that the same delivery is handled when it comes again."""
        with self._lock:
            self._ids.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)
