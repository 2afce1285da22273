"""Bitbucket Cloud and Bitbucket Server / Data Center push webhooks.

Both sign the body when the webhook has a secret: ``X-Hub-Signature: sha256=<hex HMAC-SHA256>``.
The event is in ``X-Event-Key``:

- Cloud pushes are ``repo:push``; the payload lists ``push.changes[].new`` (``type`` branch or tag,
  ``name``, ``target.hash``) and names the repository by ``repository.links.html.href`` only. The
  delivery id is ``X-Request-UUID``. (``X-Hook-UUID`` names the webhook, not the delivery: it is the
  same on every request, so it must not be used to drop duplicates.)
- Server pushes are ``repo:refs_changed``; ``changes[]`` carry ``ref.id``/``refId`` and
  ``toHash``, the repository its ``links.clone[].href`` (http and ssh). Its "Test connection"
  button sends ``diagnostics:ping``. The delivery id is ``X-Request-Id``.
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

_CLOUD_REF_PREFIX = {
    "branch": "refs/heads/",
    "named_branch": "refs/heads/",
    "tag": "refs/tags/",
    "annotated_tag": "refs/tags/",
}


def verify_bitbucket(headers: Headers, body: bytes, secret: str) -> None:
    """Raise SignatureError unless ``X-Hub-Signature`` signs ``body`` with ``secret``."""
    check_hmac_sha256(lower_keys(headers), body, secret, header="X-Hub-Signature", prefix="sha256=")


def parse_bitbucket(headers: Headers, body: bytes) -> WebhookEvent:
    """Turn a verified Bitbucket Cloud or Server delivery into a Ping, Ignored or PushEvent."""
    low = lower_keys(headers)
    payload = as_dict(decode_json(body, low.get("content-type")))
    event = (first_header(low, "x-event-key") or "").lower()
    delivery = first_header(low, "x-request-uuid", "x-request-id")
    if event == "diagnostics:ping":
        return Ping("bitbucket", event, delivery)
    if event == "repo:push":
        changes = _cloud_changes(payload)
    elif event == "repo:refs_changed":
        changes = _server_changes(payload)
    else:
        return Ignored("bitbucket", event or "(no X-Event-Key)", delivery)
    if not changes:
        raise PayloadError(f"{event} payload lists no changed refs")
    urls = _repo_urls(as_dict(payload.get("repository")))
    if not urls:
        raise PayloadError(f"{event} payload names no repository URL (repository.links)")
    return PushEvent("bitbucket", urls, changes, delivery)


def _cloud_changes(payload: dict[str, Any]) -> tuple[RefUpdate, ...]:
    changes = as_dict(payload.get("push")).get("changes")
    found: list[RefUpdate] = []
    for change in changes if isinstance(changes, list) else []:
        change = as_dict(change)
        new, old = as_dict(change.get("new")), as_dict(change.get("old"))
        side = new or old  # a deleted branch has new: null
        name, kind = side.get("name"), side.get("type")
        if isinstance(name, str) and name and kind in _CLOUD_REF_PREFIX:
            sha = as_dict(new.get("target")).get("hash") if new else None
            found.append(RefUpdate(_CLOUD_REF_PREFIX[str(kind)] + name, new_sha(sha)))
    return tuple(found)


def _server_changes(payload: dict[str, Any]) -> tuple[RefUpdate, ...]:
    changes = payload.get("changes")
    found: list[RefUpdate] = []
    for change in changes if isinstance(changes, list) else []:
        change = as_dict(change)
        ref = as_dict(change.get("ref")).get("id") or change.get("refId")
        if isinstance(ref, str) and ref:
            found.append(RefUpdate(ref, new_sha(change.get("toHash"))))
    return tuple(found)


def _repo_urls(repository: dict[str, Any]) -> tuple[str, ...]:
    links = as_dict(repository.get("links"))
    urls: list[Any] = [as_dict(links.get("html")).get("href")]
    for group in ("clone", "self"):
        entries = links.get(group)
        urls += [as_dict(e).get("href") for e in entries] if isinstance(entries, list) else []
    full_name = repository.get("full_name")
    if isinstance(full_name, str) and full_name and not any(urls):
        urls.append(f"https://bitbucket.org/{full_name}")
    return strings(urls)
