"""Errors the simulated DataWorks OpenAPI answers with, rendered the way the POP gateway does.

Every refusal is one :class:`ApiError` raised anywhere below the app; ``app.py`` turns it into the
JSON body ``{RequestId, HostId, Code, Message, Recommend}`` with the HTTP status DataWorks uses, so
that no handler ever leaks a traceback and every refusal names the parameter and the fix.

Hierarchy::

    ApiError(status, code, message)      any refusal; rendered as the DataWorks error body
    ├── MissingParameter                  400 Missing<Name> / MissingParameter (nested field)
    ├── InvalidParameter                  400 InvalidParameter (bad type, enum, JSON, form)
    ├── NotFound                          404 Invalid<Object>.NotFound (unknown id)
    └── Throttled                         429 Throttling.* (with x-acs-retry-after when retryable)
"""

from __future__ import annotations


class ApiError(Exception):
    """A refusal with the HTTP status, the DataWorks error code and a message naming the fix."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class MissingParameter(ApiError):
    """A required parameter is absent: ``Missing<Name>`` for top-level fields as POP does."""

    def __init__(self, name: str, hint: str = "") -> None:
        code = f"Missing{name}" if name.isidentifier() else "MissingParameter"
        message = f"{name} is mandatory for this action."
        super().__init__(400, code, f"{message} {hint}".strip())


class InvalidParameter(ApiError):
    """A parameter is present but malformed (type, enum, JSON, encoding)."""

    def __init__(self, message: str, code: str = "InvalidParameter") -> None:
        super().__init__(400, code, message)


class NotFound(ApiError):
    """An id names nothing the simulator holds."""

    def __init__(self, kind: str, ident: object, hint: str = "") -> None:
        message = f"The {kind} {ident} does not exist."
        super().__init__(404, f"Invalid{kind.replace(' ', '')}.NotFound", f"{message} {hint}".strip())


class Throttled(ApiError):
    """HTTP 429; ``retry_after_ms`` set means the SDK raises ThrottlingException and may retry."""

    def __init__(self, code: str, message: str, retry_after_ms: int | None = None) -> None:
        headers = {"x-acs-retry-after": str(max(1, retry_after_ms))} if retry_after_ms is not None else {}
        super().__init__(429, code, message, headers=headers)
