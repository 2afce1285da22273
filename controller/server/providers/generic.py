"""The generic webhook, for CI jobs, scripts and providers without a dedicated receiver.

Signed like Flux's ``generic-hmac`` receiver: ``X-Signature: sha256=<hex HMAC-SHA256(body)>``.
The body is a small JSON object::

    {"repo": "https://git.example.com/team/dw.git", "ref": "refs/heads/main"}

``repo`` is required (any URL form; it is compared after normalisation); ``ref`` is optional — a
full ref, or a short branch/tag name — and, when absent, every source on that repository is
triggered. An ``X-Request-Id`` header, when sent, de-duplicates retries.
"""

from __future__ import annotations

from controller.server.events import (
    Headers,
    PayloadError,
    PushEvent,
    RefUpdate,
    WebhookEvent,
    check_hmac_sha256,
    decode_json,
    first_header,
    lower_keys,
)


def verify_generic(headers: Headers, body: bytes, secret: str) -> None:
    """Raise SignatureError unless ``X-Signature`` signs ``body`` with ``secret``."""
    check_hmac_sha256(lower_keys(headers), body, secret, header="X-Signature", prefix="sha256=")


def parse_generic(headers: Headers, body: bytes) -> WebhookEvent:
    """Turn a verified generic request ``{repo, ref?}`` into a PushEvent."""
    low = lower_keys(headers)
    data = decode_json(body, low.get("content-type"))
    if not isinstance(data, dict):
        raise PayloadError('the generic webhook body must be a JSON object {"repo": URL, "ref": REF}')
    repo, ref = data.get("repo"), data.get("ref", "")
    if not isinstance(repo, str) or not repo.strip():
        raise PayloadError("the generic webhook body needs 'repo', the source's Git URL")
    if not isinstance(ref, str):
        raise PayloadError("'ref' in the generic webhook body must be a string such as 'refs/heads/main'")
    return PushEvent("generic", (repo.strip(),), (RefUpdate(ref.strip(), None),), first_header(low, "x-request-id"))
