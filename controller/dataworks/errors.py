"""Every error the DataWorks client raises, and the retry policy each one carries.

Sits at the client's edge: ``client.py`` turns HTTP answers and transport failures into these, and
the reconciler decides what to do from the type alone (``retryable`` / ``delay``), kopf-style:
a *temporary* error may be retried later, a *permanent* one needs a person or a new plan.

Hierarchy::

    GitOpsError                              controller/errors.py
    └── DataWorksError(action, status, code, message, request_id)      .retryable  .delay
        ├── ConfigurationError               no region/endpoint, no credentials          permanent
        ├── ClientError                      HTTP 4xx                                    permanent
        │   ├── AuthError                    signature, AccessKey, timestamp, nonce, STS  permanent
        │   ├── PermissionDeniedError        RAM / workspace permission (403)             permanent
        │   ├── NotFoundError                the id names nothing (404, *.NotFound)       permanent
        │   ├── ThrottlingError              429 Throttling.User/.Api/.System, retry_after temporary
        │   └── QuotaExhaustedError          429 Throttling.Api.Risk / Throttling.Resource permanent now,
        │                                    daily or edition quota spent; .delay says when to try again
        ├── ServerError                      HTTP 5xx (InternalError*, ServiceUnavailable)  temporary
        ├── TransportError                   connection refused/reset, timeouts           temporary
        │   └── MaybeAppliedError            a non-idempotent create may have reached the
        │                                    server: re-read before retrying              permanent here
        ├── OperationFailedError             HTTP 200 with ``Success: false``              permanent
        └── ResponseError                    the answer is not the JSON the API documents  permanent

``retryable`` is what the client's own retry loop obeys; ``delay`` (seconds) is a hint for a caller
that reschedules (a ``TemporaryError(delay)`` in kopf's terms).

No message ever holds a secret: they are built from the action, status, code and the server's
message only, and every message passes through :func:`scrub`: registered secrets (AccessKey secret,
STS token) are masked by :func:`controller.logs.redact_text` and anything shaped like an
``Authorization`` header or signature is cut out, should a server or a library ever echo one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from controller.errors import GitOpsError
from controller.logs import redact_text

#: Codes of a 429 the client retries with backoff (DataWorks "public error codes").
RETRYABLE_THROTTLING_CODES = frozenset({"Throttling", "Throttling.User", "Throttling.Api", "Throttling.System"})
#: Codes of a 429 that mean a quota is spent: retrying soon only burns calls.
QUOTA_CODES = frozenset({"Throttling.Api.Risk", "Throttling.Resource"})
#: Codes that mean the signature or the credentials are wrong, whatever the HTTP status.
AUTH_CODE_PREFIXES = (
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "InvalidTimeStamp",
    "SignatureNonceUsed",
    "InvalidSecurityToken",
    "InvalidAuthorization",
    "MissingAuthorization",
    "MissingAccessKeyId",
)
PERMISSION_CODE_PREFIXES = ("Forbidden.RAM", "NoPermission", "ResourceNotAuthorized", "Forbidden.Access")
#: 5xx codes that retrying cannot fix.
PERMANENT_SERVER_CODES = frozenset({"Forbidden.Not.Server"})

#: Suggested pause after a spent quota: the daily counter resets at midnight, the edition quota
#: needs a person; an hour keeps the controller from burning calls meanwhile.
QUOTA_RETRY_DELAY = 3600.0


#: Pieces of a signed request that must never reach a message, whatever echoes them.
_SIGNATURE_PARTS = re.compile(
    r"(?i)(ACS3-HMAC-SHA256\s+)?(Credential|SignedHeaders|Signature)=[^\s,;)'\"]+"
    r"|(x-acs-security-token|authorization)(['\"]?\s*[:=]\s*['\"]?)[^\s,;)'\"]+"
)


def scrub(text: str) -> str:
    """``text`` without registered secrets, Authorization parts or STS tokens."""
    return _SIGNATURE_PARTS.sub("***", redact_text(text))


class DataWorksError(GitOpsError):
    """Base: a failed DataWorks call, with what the server said (never a secret)."""

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        status: int | None = None,
        code: str = "",
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(scrub(message), hint=hint)
        self.action = action
        self.status = status
        self.code = code
        self.request_id = request_id

    @property
    def retryable(self) -> bool:
        """Whether the client's retry loop may send the same request again."""
        return False

    @property
    def delay(self) -> float | None:
        """Seconds a caller should wait before trying again; ``None`` for permanent errors."""
        return None

    def __str__(self) -> str:
        parts = [f"DataWorks {self.action}" if self.action else "DataWorks"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(self.code)
        text = " ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        if self.hint:
            text += f"; {self.hint}"
        return scrub(text)


class ConfigurationError(DataWorksError):
    """The client cannot be built: unknown region without endpoint, no usable credentials."""


class ClientError(DataWorksError):
    """HTTP 4xx: the request itself is wrong and sending it again will not help."""


class AuthError(ClientError):
    """The server refused the signature or the credentials (wrong secret, clock skew, reused nonce)."""


class PermissionDeniedError(ClientError):
    """The credentials are valid but lack the RAM/workspace permission for this action."""


class NotFoundError(ClientError):
    """The id in the request names nothing on the server."""


class ThrottlingError(ClientError):
    """HTTP 429 Throttling.User/.Api/.System: too fast right now; retry after ``retry_after`` seconds."""

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        status: int | None = 429,
        code: str = "Throttling",
        request_id: str | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, action=action, status=status, code=code, request_id=request_id, hint=hint)
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Always: the server only asked us to slow down."""
        return True

    @property
    def delay(self) -> float | None:
        """The server's ``x-acs-retry-after`` if it sent one, else one second."""
        return self.retry_after if self.retry_after is not None else 1.0


class QuotaExhaustedError(ClientError):
    """HTTP 429 Throttling.Api.Risk (daily calls) or Throttling.Resource (edition quota): never hot-retried."""

    @property
    def delay(self) -> float | None:
        """Try again in an hour at the earliest (see :data:`QUOTA_RETRY_DELAY`)."""
        return QUOTA_RETRY_DELAY


class ServerError(DataWorksError):
    """HTTP 5xx: DataWorks failed; usually temporary."""

    @property
    def retryable(self) -> bool:
        """Everything but codes that name a wrong endpoint/region."""
        return self.code not in PERMANENT_SERVER_CODES

    @property
    def delay(self) -> float | None:
        """A few seconds, if retrying can help at all."""
        return 5.0 if self.retryable else None


class TransportError(DataWorksError):
    """No HTTP answer: connection refused or reset, DNS, TLS, or a timeout."""

    @property
    def retryable(self) -> bool:
        """Yes for reads and idempotent writes (see :class:`MaybeAppliedError` for the others)."""
        return True

    @property
    def delay(self) -> float | None:
        """A few seconds."""
        return 5.0


class MaybeAppliedError(TransportError):
    """A non-idempotent create (ImportWorkflowDefinition, CreatePipelineRun) lost its answer.

    The request may have reached DataWorks and taken effect. The client does not resend it; the
    caller must re-read (list/get) first and only then decide whether to create again.
    """

    @property
    def retryable(self) -> bool:
        """Never by the client: only the caller can tell whether the create happened."""
        return False


class OperationFailedError(DataWorksError):
    """HTTP 200 but the body says ``"Success": false``."""


class ResponseError(DataWorksError):
    """The server's answer is not the JSON the API documents (not JSON, or a field of the wrong type)."""


def _hint_for(cls: type[DataWorksError], code: str) -> str | None:
    if cls is AuthError:
        if code.startswith("InvalidTimeStamp"):
            return "the machine clock is off by more than 15 minutes; sync it (NTP)"
        return (
            "check ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (and the STS token), "
            "and that the endpoint is the one the key belongs to"
        )
    if cls is PermissionDeniedError:
        return "grant the RAM user/role the DataWorks permission for this action and workspace"
    if cls is QuotaExhaustedError:
        return "the API call quota is spent; wait for the daily reset or upgrade the DataWorks edition"
    if cls is ServerError and code in PERMANENT_SERVER_CODES:
        return "DataWorks OpenAPI is not offered at this endpoint; check dataworks.region / dataworks.endpoint"
    return None


def classify(status: int, code: str) -> type[DataWorksError]:
    """The error type for an HTTP error answer: by code first, then by status."""
    if code in QUOTA_CODES:
        return QuotaExhaustedError
    if code in RETRYABLE_THROTTLING_CODES or status == 429:
        return ThrottlingError
    if code.startswith(AUTH_CODE_PREFIXES):
        return AuthError
    if code.startswith(PERMISSION_CODE_PREFIXES):
        return PermissionDeniedError
    if status == 404 or code.endswith(".NotFound") or code.endswith(".NotExist"):
        return NotFoundError
    if status >= 500:
        return ServerError
    return ClientError


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """``x-acs-retry-after`` in seconds, or ``None`` when absent, invalid or not positive.

    The official SDK (tea-openapi ``get_throttling_time_left`` + darabonba's retry policy) reads the
    header as an integer number of **milliseconds** (its delays and ``maxDelay`` are milliseconds),
    and so does our simulator; we follow the SDK.
    """
    raw = headers.get("x-acs-retry-after")
    if not raw:
        return None
    try:
        millis = int(raw.strip())
    except ValueError:
        return None
    return millis / 1000.0 if millis > 0 else None


def error_from_response(
    *,
    action: str,
    status: int,
    body: Mapping[str, object] | None,
    headers: Mapping[str, str],
) -> DataWorksError:
    """Build the typed error for an HTTP error answer (``body`` is the decoded JSON, if any)."""
    body = body or {}
    code = str(body.get("Code") or body.get("code") or f"HTTP{status}")
    message = str(body.get("Message") or body.get("message") or "no message in the error body")
    request_id = body.get("RequestId") or body.get("requestId")
    cls = classify(status, code)
    retry_after = parse_retry_after(headers)
    if retry_after is not None and cls not in (QuotaExhaustedError, ThrottlingError) and status == 429:
        cls = ThrottlingError
    rid = str(request_id) if request_id else None
    hint = _hint_for(cls, code)
    if cls is ThrottlingError:
        return ThrottlingError(
            message, action=action, status=status, code=code, request_id=rid, hint=hint, retry_after=retry_after
        )
    return cls(message, action=action, status=status, code=code, request_id=rid, hint=hint)
