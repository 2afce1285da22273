"""ACS3-HMAC-SHA256 verification for the simulator: the server side of Alibaba Cloud signature V3.

Sits at the door of ``app.py``: every API request passes :meth:`Verifier.verify` before any
parameter is read. It is written from the V3 specification (``dataworks-api.md`` §3), independently
of the controller's signer, so that the official SDK can referee both. What it refuses, and how:

- no/garbled ``Authorization``, unsigned ``host``/``content-type``/``x-acs-*`` → 400 ``IncompleteSignature``
- unknown AccessKeyId → 404 ``InvalidAccessKeyId.NotFound``
- ``x-acs-date`` malformed → 400 ``InvalidTimeStamp.Format``; more than 15 minutes off → 400
  ``InvalidTimeStamp.Expired``
- payload hash or signature wrong → 400 ``SignatureDoesNotMatch`` (with the server's string to sign)
- nonce seen within the last 30 minutes → 400 ``SignatureNonceUsed``
- STS key without its token, or a token on the wrong key → 400 ``InvalidSecurityToken.*``

Verification is cheap by design (two SHA-256 and one HMAC per request) so it never dominates the
simulator's read throughput.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import hmac
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from controller.simulator.errors import ApiError

ALGORITHM = "ACS3-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
#: A nonce stays remembered for twice the skew window: a request dated 15 minutes in the future
#: must not be replayable 15 minutes later.
NONCE_TTL_SECONDS = 2 * MAX_SKEW_SECONDS
_REQUIRED_X_ACS = ("x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")


@dataclass(frozen=True)
class Credential:
    """An access key the simulator accepts; ``security_token`` set makes it an STS credential."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None


def _incomplete(message: str) -> ApiError:
    return ApiError(400, "IncompleteSignature", message)


def canonical_query(raw_query: str) -> str:
    """Canonical query string: decoded pairs, sorted, both sides RFC 3986-encoded (space → %20)."""
    if not raw_query:
        return ""
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(pairs))


def canonical_request(
    method: str, raw_query: str, headers: Sequence[tuple[str, str]], signed: Sequence[str], payload_hash: str
) -> str:
    """The V3 canonical request over the headers named in ``signed``, in the order the client listed them
    (V3 clients list them sorted; signing and checking in the listed order accepts exactly those)."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value.strip())
    lines = []
    for name in signed:
        values = grouped.get(name)
        if values is None:
            raise _incomplete(f"SignedHeaders names {name!r} but the request does not carry that header.")
        lines.append(f"{name}:{','.join(sorted(values))}\n")
    return "\n".join(
        [method.upper(), "/", canonical_query(raw_query), "".join(lines), ";".join(signed), payload_hash]
    )


def string_to_sign(canonical: str) -> str:
    """``ACS3-HMAC-SHA256\\n<hex sha256 of the canonical request>``."""
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def _parse_authorization(value: str) -> tuple[str, list[str], str]:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Authorization must use {ALGORITHM}; got {algorithm or 'nothing'!r}.")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val
    try:
        credential, signed_raw, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
    except KeyError as missing:
        raise _incomplete(f"Authorization lacks {missing.args[0]}=.") from None
    signed = [h.strip().lower() for h in signed_raw.split(";") if h.strip()]
    return credential, signed, signature


@functools.lru_cache(maxsize=256)  # every request of one second carries the same date
def _parse_date(value: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        raise ApiError(
            400,
            "InvalidTimeStamp.Format",
            f"x-acs-date {value!r} is not in the format yyyy-MM-ddTHH:mm:ssZ (UTC, no fractions).",
        ) from None


class NonceCache:
    """Nonces seen in the last :data:`NONCE_TTL_SECONDS`, expired in arrival order."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()

    def add(self, nonce: str, now: float) -> bool:
        """Remember ``nonce``; False when it was already used within the window."""
        while self._order and self._order[0][0] < now - NONCE_TTL_SECONDS:
            _, old = self._order.popleft()
            self._seen.pop(old, None)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        self._order.append((now, nonce))
        return True

    def clear(self) -> None:
        """Forget every nonce (simulator reset)."""
        self._seen.clear()
        self._order.clear()


class Verifier:
    """Checks ACS3-HMAC-SHA256 signatures against the configured credentials."""

    def __init__(self, credentials: Iterable[Credential], *, clock: Callable[[], float] = time.time) -> None:
        self._keys = {c.access_key_id: c for c in credentials}
        self._clock = clock
        self.nonces = NonceCache()

    def verify(
        self,
        method: str,
        raw_query: str,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        *,
        lookup: Mapping[str, str] | None = None,
    ) -> Credential:
        """Return the caller's credential, or raise the :class:`ApiError` DataWorks would answer with.

        ``lookup`` (lower-case name → value) may be passed when the caller has built it already.
        """
        if lookup is None:
            lookup = {name.lower(): value for name, value in headers}
        authorization = lookup.get("authorization")
        if not authorization:
            raise _incomplete("The request carries no Authorization header; sign it with ACS3-HMAC-SHA256.")
        access_key_id, signed, signature = _parse_authorization(authorization)
        self._check_signed_set(lookup, signed)
        credential = self._keys.get(access_key_id)
        if credential is None:
            raise ApiError(404, "InvalidAccessKeyId.NotFound", f"Specified access key {access_key_id} is not found.")
        self._check_sts(credential, lookup)
        now = self._clock()
        if abs(now - _parse_date(lookup["x-acs-date"])) > MAX_SKEW_SECONDS:
            raise ApiError(
                400,
                "InvalidTimeStamp.Expired",
                f"Specified time stamp or date value is expired: x-acs-date {lookup['x-acs-date']} is more than "
                "15 minutes away from the server time; sync the clock and sign each attempt afresh.",
            )
        payload_hash = hashlib.sha256(body).hexdigest()
        if lookup["x-acs-content-sha256"].strip().lower() != payload_hash:
            raise ApiError(
                400,
                "SignatureDoesNotMatch",
                "x-acs-content-sha256 does not match the SHA-256 of the request body; hash the exact bytes sent.",
            )
        to_sign = string_to_sign(canonical_request(method, raw_query, headers, signed, payload_hash))
        expected = hmac.new(credential.access_key_secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), signature.strip().lower()):
            raise ApiError(
                400,
                "SignatureDoesNotMatch",
                f"Specified signature does not match our calculation. server string to sign is:{to_sign}",
            )
        if not self.nonces.add(lookup["x-acs-signature-nonce"], now):
            raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already; use a new nonce.")
        return credential

    @staticmethod
    def _check_signed_set(lookup: Mapping[str, str], signed: list[str]) -> None:
        for name in _REQUIRED_X_ACS:
            if not lookup.get(name):
                raise _incomplete(f"The request must carry the {name} header.")
        required = {"host"} | {n for n in lookup if n.startswith("x-acs-")}
        if "content-type" in lookup:
            required.add("content-type")
        unsigned = sorted(required - set(signed))
        if unsigned:
            raise _incomplete(f"SignedHeaders must include {';'.join(unsigned)} (host, content-type and x-acs-*).")

    @staticmethod
    def _check_sts(credential: Credential, lookup: Mapping[str, str]) -> None:
        token = lookup.get("x-acs-security-token")
        if credential.security_token is None:
            if token is not None:
                raise ApiError(
                    400,
                    "InvalidSecurityToken.MismatchWithAccessKey",
                    f"The access key {credential.access_key_id} is not an STS key; drop x-acs-security-token.",
                )
            return
        if token is None:
            raise ApiError(
                400,
                "InvalidSecurityToken.Missing",
                f"The access key {credential.access_key_id} is an STS key; send x-acs-security-token.",
            )
        if not hmac.compare_digest(token, credential.security_token):
            raise ApiError(400, "InvalidSecurityToken.Malformed", "The security token is malformed or not valid.")
        if lookup.get("x-acs-accesskey-id", credential.access_key_id) != credential.access_key_id:
            raise ApiError(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "x-acs-accesskey-id must equal the Credential of the Authorization header.",
            )
