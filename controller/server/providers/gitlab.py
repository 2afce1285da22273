"""GitLab and Alibaba Cloud Codeup push webhooks (Codeup uses GitLab's payload format).

GitLab: the secret token comes back verbatim in ``X-Gitlab-Token`` (no HMAC); events in
``X-Gitlab-Event`` (``Push Hook``, ``Tag Push Hook``; ``System Hook`` with ``object_kind`` push for
instance-level hooks). GitLab's "Test" button sends an ordinary ``Push Hook`` for the latest commit,
so a test triggers a sync like a real push — which is the end-to-end check users want. The
delivery id is ``Idempotency-Key`` (GitLab 17.4+, the same on a retry), else ``X-Gitlab-Event-UUID``.

Codeup (help.aliyun.com/document_detail/206885): the optional Secret Token is sent in
``X-Codeup-Token``, the event in ``Codeup-Event`` (no ``X-`` prefix) as ``Push Hook`` or
``Tag Push Hook``. Codeup documents no delivery id header, so its deliveries are not de-duplicated.
"""

from __future__ import annotations

from controller.server.events import (
    Headers,
    Ignored,
    PayloadError,
    PushEvent,
    RefUpdate,
    WebhookEvent,
    as_dict,
    check_token,
    decode_json,
    first_header,
    lower_keys,
    new_sha,
    strings,
)

_PUSH_EVENTS = {"push hook": "push", "tag push hook": "tag_push"}
_PUSH_KINDS = frozenset({"push", "tag_push"})
_PROJECT_URL_FIELDS = ("git_http_url", "git_ssh_url", "http_url", "ssh_url", "web_url", "url", "homepage")
_REPOSITORY_URL_FIELDS = ("git_http_url", "git_ssh_url", "url", "homepage")


def verify_gitlab(headers: Headers, body: bytes, secret: str) -> None:
    """Raise SignatureError unless ``X-Gitlab-Token`` equals ``secret`` (``body`` is not signed)."""
    del body  # GitLab signs nothing: the token is the whole proof
    check_token(lower_keys(headers), secret, header="X-Gitlab-Token")


def verify_codeup(headers: Headers, body: bytes, secret: str) -> None:
    """Raise SignatureError unless ``X-Codeup-Token`` equals ``secret`` (``body`` is not signed)."""
    del body
    check_token(lower_keys(headers), secret, header="X-Codeup-Token")


def parse_gitlab(headers: Headers, body: bytes) -> WebhookEvent:
    """Turn a verified GitLab delivery into an Ignored or PushEvent."""
    low = lower_keys(headers)
    delivery = first_header(low, "idempotency-key", "x-gitlab-event-uuid", "x-gitlab-webhook-uuid")
    return _parse("gitlab", low, body, first_header(low, "x-gitlab-event"), delivery)


def parse_codeup(headers: Headers, body: bytes) -> WebhookEvent:
    """Turn a verified Codeup delivery into an Ignored or PushEvent."""
    low = lower_keys(headers)
    return _parse("codeup", low, body, first_header(low, "codeup-event", "x-codeup-event"), None)


def _parse(
    provider: str, headers: dict[str, str], body: bytes, event: str | None, delivery: str | None
) -> WebhookEvent:
    data = as_dict(decode_json(body, headers.get("content-type")))
    kind = data.get("object_kind")
    # The header names the hook; System Hooks (and a Codeup hook without the header) say what
    # happened only in object_kind.
    wanted = _PUSH_EVENTS.get((event or "").lower())
    if wanted is None and (event is None or event.lower() == "system hook"):
        wanted = kind if kind in _PUSH_KINDS else None
    if wanted is None:
        return Ignored(provider, event or str(kind or "(no event header)"), delivery)
    ref = data.get("ref")
    if not isinstance(ref, str) or not ref:
        raise PayloadError("push payload has no 'ref'")
    project, repository = as_dict(data.get("project")), as_dict(data.get("repository"))
    urls = strings(
        [project.get(f) for f in _PROJECT_URL_FIELDS] + [repository.get(f) for f in _REPOSITORY_URL_FIELDS]
    )
    if not urls:
        raise PayloadError("push payload names no repository URL (project.git_http_url, repository.git_ssh_url)")
    after = new_sha(data.get("after")) or new_sha(data.get("checkout_sha"))
    return PushEvent(provider, urls, (RefUpdate(ref, after),), delivery)
