"""GitHub and Gitea push webhooks (same payload family, different signature headers).

GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>``, event in ``X-GitHub-Event``
(``ping`` when the hook is created, ``push`` for branch and tag pushes), delivery id in
``X-GitHub-Delivery`` (the same on a redelivery). Gitea: ``X-Gitea-Signature: <hex>`` without a
prefix, ``X-Gitea-Event``, ``X-Gitea-Delivery``; its "Test delivery" button sends a ``push``.
"""

from __future__ import annotations

from typing import Any

from controller.server.events import (
    Headers,
    Ignored,
    PayloadError,
    Ping,
    PushEvent,
    RefUpdate,
    WebhookEvent,
    as_dict,
    check_hmac_sha256,
    decode_json,
    first_header,
    lower_keys,
    new_sha,
    strings,
)

# Every form a GitHub/Gitea push payload names its repository in.
_REPO_URL_FIELDS = ("clone_url", "ssh_url", "git_url", "html_url", "url", "svn_url", "original_url")


def verify_github(headers: Headers, body: bytes, secret: str) -> None:
    """Raise SignatureError unless ``X-Hub-Signature-256`` signs ``body`` with ``secret``."""
    check_hmac_sha256(lower_keys(headers), body, secret, header="X-Hub-Signature-256", prefix="sha256=")


def verify_gitea(headers: Headers, body: bytes, secret: str) -> None:
    """Raise SignatureError unless ``X-Gitea-Signature`` (bare hex) signs ``body`` with ``secret``."""
    check_hmac_sha256(lower_keys(headers), body, secret, header="X-Gitea-Signature", prefix="")


def parse_github(headers: Headers, body: bytes) -> WebhookEvent:
    """Turn a verified GitHub delivery into a Ping, Ignored or PushEvent."""
    return _parse(
        "github", lower_keys(headers), body, event_header="x-github-event", delivery_header="x-github-delivery"
    )


def parse_gitea(headers: Headers, body: bytes) -> WebhookEvent:
    """Turn a verified Gitea delivery into a Ping, Ignored or PushEvent."""
    return _parse("gitea", lower_keys(headers), body, event_header="x-gitea-event", delivery_header="x-gitea-delivery")


def _parse(
    provider: str, headers: dict[str, str], body: bytes, *, event_header: str, delivery_header: str
) -> WebhookEvent:
    payload = decode_json(body, headers.get("content-type"))
    event = (first_header(headers, event_header) or "").lower()
    delivery = first_header(headers, delivery_header)
    if event == "ping":
        return Ping(provider, event, delivery)
    if event != "push":
        return Ignored(provider, event or "(no event header)", delivery)
    return push_from_payload(provider, payload, delivery)


def push_from_payload(provider: str, payload: Any, delivery: str | None) -> PushEvent:
    """Read ``repository.*_url``, ``ref`` and ``after`` from a GitHub-style push payload."""
    data = as_dict(payload)
    ref = data.get("ref")
    if not isinstance(ref, str) or not ref:
        raise PayloadError("push payload has no 'ref'")
    repo = as_dict(data.get("repository"))
    urls = strings(repo.get(field) for field in _REPO_URL_FIELDS)
    if not urls:
        raise PayloadError("push payload names no repository URL (repository.clone_url, ssh_url, html_url)")
    return PushEvent(provider, urls, (RefUpdate(ref, new_sha(data.get("after"))),), delivery)
