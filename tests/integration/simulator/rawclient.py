"""A tiny, independent ACS3-HMAC-SHA256 signer for raw requests in tests (hashlib + hmac only).

It shares nothing with the controller's signer or the simulator's verifier, so a test that passes
through it checks the simulator against the V3 specification, and lets a test forge exactly the
request it wants: a stale date, a reused nonce, a wrong key, a malformed body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from controller.simulator.testing import SimulatorHandle

VERSION = "2024-05-18"
FORM = "application/x-www-form-urlencoded"


def shrink(value: Any) -> str:
    """A structured parameter as the SDK sends it: one compact JSON string."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def acs_date(offset: timedelta = timedelta()) -> str:
    """``x-acs-date`` for now (+ offset)."""
    return (datetime.now(UTC) + offset).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_headers(
    method: str,
    host: str,
    action: str,
    *,
    query: dict[str, str],
    body: bytes,
    content_type: str | None,
    key_id: str,
    secret: str,
    date: str | None = None,
    nonce: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers of a signed request, signing host, content-type and every x-acs-* header."""
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": VERSION,
        "x-acs-date": date or acs_date(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        **(extra or {}),
    }
    if content_type:
        headers["content-type"] = content_type
    signed = sorted(headers)
    canonical_query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query.items()))
    canonical = "\n".join(
        [
            method,
            "/",
            canonical_query,
            "".join(f"{name}:{headers[name].strip()}\n" for name in signed),
            ";".join(signed),
            headers["x-acs-content-sha256"],
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders={';'.join(signed)},Signature={signature}"
    )
    return headers


class RawClient:
    """Signed requests against a running simulator, one call per method, nothing hidden."""

    def __init__(self, simulator: SimulatorHandle, http: httpx.Client | None = None) -> None:
        self.sim = simulator
        self.http = http or httpx.Client(timeout=30)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def call(
        self,
        action: str,
        *,
        method: str = "POST",
        query: dict[str, Any] | None = None,
        form: dict[str, Any] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        key_id: str | None = None,
        secret: str | None = None,
        unsigned: dict[str, str] | None = None,
        **sign_options: Any,
    ) -> httpx.Response:
        """Send ``action``; ``form`` is encoded as the SDK does (sorted keys, quote_plus).

        ``unsigned`` headers are added after signing (to test what the verifier insists on).
        """
        query_text = {k: str(v) for k, v in (query or {}).items()}
        if form is not None:
            body = urlencode(sorted((k, str(v)) for k, v in form.items())).encode()
            content_type = content_type or FORM
        payload = body or b""
        headers = sign_headers(
            method,
            self.sim.endpoint,
            action,
            query=query_text,
            body=payload,
            content_type=content_type,
            key_id=key_id or self.sim.access_key_id,
            secret=secret or self.sim.access_key_secret,
            **sign_options,
        )
        headers.update(unsigned or {})
        url = f"{self.sim.url}/"
        return self.http.request(method, url, params=query_text, content=payload, headers=headers)

    def ok(self, action: str, **kwargs: Any) -> dict[str, Any]:
        """Send ``action`` and return the JSON body, failing loudly on any error status."""
        response = self.call(action, **kwargs)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result
