"""ACS3-HMAC-SHA256 request signing (Alibaba Cloud signature V3), exactly as docs/dataworks-api.md §3.

Sits between the client's wire encoding and the transport: ``client.py`` encodes a request into a
query string and a form body, then asks :func:`sign_request` for the headers of *this attempt*
(a fresh ``x-acs-date`` and nonce each time, so retries are never refused as replays).

The steps, each a small function so the §4 test vectors can check every intermediate string::

    HashedRequestPayload = hex(sha256(body))                               payload_hash()
    CanonicalQueryString = sorted k=v, RFC 3986 encoded, '&'-joined        canonical_query()
    CanonicalHeaders     = 'name:trimmed value\\n' sorted by name            canonical_headers()
    SignedHeaders        = sorted names joined by ';'
    CanonicalRequest     = METHOD\\n/\\nquery\\nheaders\\nsigned\\npayload     canonical_request()
    StringToSign         = 'ACS3-HMAC-SHA256\\n' + hex(sha256(CanonicalRequest))  string_to_sign()
    Signature            = hex(hmac_sha256(AccessKeySecret, StringToSign))  signature()
    Authorization        = 'ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<signed>,Signature=<sig>'

Example::

    >>> headers = sign_request(method="GET", host="dataworks.cn-shanghai.aliyuncs.com",
    ...     action="GetProject", query={"Id": "1"}, body=b"", access_key_id="id",
    ...     access_key_secret="secret", date="2026-01-01T00:00:00Z", nonce="n-1")
    >>> headers["authorization"].split(",")[0]
    'ACS3-HMAC-SHA256 Credential=id'
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
API_VERSION = "2024-05-18"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
EMPTY_PAYLOAD_HASH = hashlib.sha256(b"").hexdigest()


def percent_encode(value: str) -> str:
    """RFC 3986 encoding: keep ``A-Za-z0-9-._~``, everything else ``%XX`` of its UTF-8 bytes."""
    return quote(value, safe="~", encoding="utf-8")


def payload_hash(body: bytes) -> str:
    """Lowercase hex SHA-256 of the exact body bytes (of ``b""`` when there is no body)."""
    return hashlib.sha256(body).hexdigest() if body else EMPTY_PAYLOAD_HASH


def canonical_query(query: Mapping[str, str | None]) -> str:
    """Sorted ``key=value`` pairs joined by ``&``; keys and values RFC 3986 encoded, ``None`` dropped.

    The SDK leaves keys unencoded; DataWorks keys are ASCII letters, digits and dots, for which
    encoding changes nothing, so we follow the V3 text and encode both.
    """
    pairs = sorted((k, v) for k, v in query.items() if v is not None)
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """``(CanonicalHeaders, SignedHeaders)`` over every header given (names lower-cased, values trimmed)."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers.items():
        grouped.setdefault(name.lower(), []).append(value.strip())
    names = sorted(grouped)
    lines = "".join(f"{name}:{','.join(sorted(grouped[name]))}\n" for name in names)
    return lines, ";".join(names)


def canonical_request(
    method: str,
    query: Mapping[str, str | None],
    headers: Mapping[str, str],
    hashed_payload: str,
    path: str = "/",
) -> str:
    """The canonical request; ``headers`` must be exactly the headers to sign."""
    return _canonical_request(method, query, canonical_headers(headers), hashed_payload, path)


def _canonical_request(
    method: str, query: Mapping[str, str | None], headers: tuple[str, str], hashed_payload: str, path: str
) -> str:
    header_lines, signed = headers
    return f"{method.upper()}\n{path}\n{canonical_query(query)}\n{header_lines}\n{signed}\n{hashed_payload}"


def string_to_sign(canonical: str) -> str:
    """``ACS3-HMAC-SHA256`` newline hex SHA-256 of the canonical request."""
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def signature(access_key_secret: str, to_sign: str) -> str:
    """Hex HMAC-SHA256 of the string to sign, keyed by the raw secret (no ``&`` suffix)."""
    return hmac.digest(access_key_secret.encode("utf-8"), to_sign.encode("utf-8"), "sha256").hex()


def authorization(
    *,
    method: str,
    query: Mapping[str, str | None],
    headers: Mapping[str, str],
    hashed_payload: str,
    access_key_id: str,
    access_key_secret: str,
    path: str = "/",
) -> str:
    """The ``Authorization`` header value signing exactly ``headers``."""
    canonical_headers_ = canonical_headers(headers)
    canonical = _canonical_request(method, query, canonical_headers_, hashed_payload, path)
    signed = canonical_headers_[1]
    sig = signature(access_key_secret, string_to_sign(canonical))
    return f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed},Signature={sig}"


def acs_date(now: datetime | None = None) -> str:
    """``x-acs-date``: UTC ``YYYY-MM-DDTHH:MM:SSZ``, no fractional seconds."""
    moment = now.astimezone(UTC) if now is not None else datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_nonce() -> str:
    """A never-reused ``x-acs-signature-nonce`` (uuid4 hex)."""
    return uuid.uuid4().hex


def sign_request(
    *,
    method: str,
    host: str,
    action: str,
    query: Mapping[str, str | None],
    body: bytes,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    date: str | None = None,
    nonce: str | None = None,
    version: str = API_VERSION,
) -> dict[str, str]:
    """All headers one attempt must send, ``authorization`` included (lower-case names).

    Signs the minimal set §2.2 recommends: ``host``, ``content-type`` when there is a body, and every
    ``x-acs-*`` header; under STS also ``x-acs-accesskey-id`` and ``x-acs-security-token``.
    ``date``/``nonce`` default to now and a fresh uuid4: pass them only to reproduce a test vector.
    """
    hashed = payload_hash(body)
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date if date is not None else acs_date(),
        "x-acs-signature-nonce": nonce if nonce is not None else new_nonce(),
        "x-acs-content-sha256": hashed,
    }
    if body:
        headers["content-type"] = FORM_CONTENT_TYPE
    if security_token:
        headers["x-acs-accesskey-id"] = access_key_id
        headers["x-acs-security-token"] = security_token
    headers["authorization"] = authorization(
        method=method,
        query=query,
        headers=headers,
        hashed_payload=hashed,
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
    )
    return headers
