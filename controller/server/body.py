"""Reading a request body with a hard cap, for endpoints anyone on the network can call.

Part of the webhook hardening (gitops-anchors §3.8, CVE-2024-40634: an unauthenticated large
payload ran Argo CD out of memory): the declared ``Content-Length`` is checked before a byte is
read, and the bytes are counted while streaming, so a chunked or lying request is cut off at
``limit + 1`` bytes and never buffered whole.
"""

from __future__ import annotations

from starlette.requests import Request

#: Default cap for webhook bodies (config ``webhooks.max_body_bytes``). GitHub caps its own
#: payloads at 25 MB, but a push with a sane number of commits is a few KB; 1 MiB is ample.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """The body is (or declares itself) larger than the cap."""


class BadContentLength(Exception):
    """The Content-Length header is not a non-negative integer."""


async def read_capped(request: Request, limit: int) -> bytes:
    """Return the request body, raising :class:`BodyTooLarge` as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise BadContentLength("Content-Length is not a number") from None
        if size < 0:
            raise BadContentLength("Content-Length is negative")
        if size > limit:
            raise BodyTooLarge(f"Content-Length {size} exceeds the {limit}-byte limit")
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise BodyTooLarge(f"body exceeds the {limit}-byte limit")
    return bytes(received)
