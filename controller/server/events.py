"""What a webhook request turns into, and the checks every provider shares.

Part of the webhook and live-change triggers (architecture §1): a provider module (``providers/``)
verifies a request's signature or token over the raw body bytes, then parses it into one of four
values — :class:`Ping` (a provider's test or ping), :class:`Ignored` (an event we do not act on),
:class:`PushEvent` (a push, with every repository URL the payload gives and the refs it moved) or
:class:`LiveChange` (DataWorks says something changed in a workspace: every source is re-read).
Pure functions on bytes and header mappings; no web framework.

Errors::

    WebhookError        base
    ├── SignatureError  missing, malformed or wrong signature/token (HTTP 401)
    └── PayloadError    the body is not the JSON the provider documents (HTTP 400)
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

#: Header names are compared lower-cased (HTTP headers are case-insensitive).
Headers = Mapping[str, str]

_ZERO_SHA = frozenset({"0" * 40, "0" * 64})


class WebhookError(Exception):
    """Base of the errors a webhook request can raise; messages never carry a secret or body."""


class SignatureError(WebhookError):
    """The request's signature or token is missing, malformed or wrong."""


class PayloadError(WebhookError):
    """The (authenticated) body is not valid JSON or lacks what a push must carry."""


@dataclass(frozen=True)
class RefUpdate:
    """One ref a push moved: ``ref`` is a full ref (``refs/heads/main``) or, for the generic
    webhook, possibly a short name or empty; ``after`` is the new commit, None when deleted."""

    ref: str
    after: str | None


@dataclass(frozen=True)
class PushEvent:
    """A push: the repository in every form the payload names it and the refs it moved."""

    provider: str
    repo_urls: tuple[str, ...]
    changes: tuple[RefUpdate, ...]
    delivery: str | None

    @property
    def ref(self) -> str:
        """The first ref pushed (most providers send exactly one per delivery)."""
        return self.changes[0].ref if self.changes else ""

    @property
    def after(self) -> str | None:
        """The commit the first ref now points at."""
        return self.changes[0].after if self.changes else None


@dataclass(frozen=True)
class Ping:
    """A provider's ping or test delivery: answered 200, triggers nothing."""

    provider: str
    event: str
    delivery: str | None


@dataclass(frozen=True)
class Ignored:
    """An authenticated event we do not act on (issues, merge requests, ...): answered 200."""

    provider: str
    event: str
    delivery: str | None


@dataclass(frozen=True)
class ChangeEvent:
    """One change event from the live workspace (a DataWorks OpenEvent CloudEvent).

    ``id`` is the CloudEvents id (None when absent: such an event cannot be de-duplicated);
    ``workspace`` the DataWorks workspace (project) id the event names, as text, or None when it
    names none.
    """

    id: str | None
    type: str
    source: str | None
    workspace: str | None


@dataclass(frozen=True)
class LiveChange:
    """Change events from the live workspace (one delivery may batch several): not tied to a Git
    repository or ref, so every source is a candidate; the endpoint keeps the events of its own
    workspace and drops ids it has already handled."""

    provider: str
    events: tuple[ChangeEvent, ...]

    @property
    def delivery(self) -> str | None:
        """The first event id, to name the delivery in logs."""
        return next((e.id for e in self.events if e.id), None)


WebhookEvent = PushEvent | Ping | Ignored | LiveChange


def lower_keys(headers: Headers) -> dict[str, str]:
    """Header mapping with lower-cased names, so providers can look names up one way."""
    return {k.lower(): v for k, v in headers.items()}


def first_header(headers: Mapping[str, str], *names: str) -> str | None:
    """The first non-empty header among ``names`` (lower-case names, lower-cased mapping)."""
    for name in names:
        value = headers.get(name)
        if value:
            return value.strip()
    return None


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``body`` keyed by ``secret`` (GitHub, Gitea, Bitbucket, generic)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_hmac_sha256(
    headers: Mapping[str, str], body: bytes, secret: str, *, header: str, prefix: str
) -> None:
    """Raise :class:`SignatureError` unless ``header`` holds ``prefix + hex HMAC-SHA256(body)``.

    The comparison is constant-time (:func:`hmac.compare_digest`); hex case is ignored.
    """
    given = headers.get(header.lower())
    if not given:
        raise SignatureError(f"the {header} header is missing; set the webhook's secret at the provider")
    given = given.strip()
    if prefix and not given.lower().startswith(prefix):
        raise SignatureError(f"the {header} header must start with {prefix!r} (HMAC-SHA256)")
    expected = prefix + hmac_sha256_hex(secret, body)
    if not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise SignatureError(f"the {header} signature does not match the body and the configured secret")


def check_token(headers: Mapping[str, str], secret: str, *, header: str) -> None:
    """Raise :class:`SignatureError` unless ``header`` equals ``secret`` (constant-time)."""
    given = headers.get(header.lower())
    if not given:
        raise SignatureError(f"the {header} header is missing; set the webhook's secret token at the provider")
    if not hmac.compare_digest(given.strip().encode(), secret.encode()):
        raise SignatureError(f"the {header} token does not match the configured secret")


def decode_json(body: bytes, content_type: str | None) -> Any:
    """Parse a webhook body as JSON.

    GitHub and Gitea can be set to send ``application/x-www-form-urlencoded`` with the JSON in a
    ``payload`` field; that form is unwrapped here so the wrong dropdown choice still works.
    """
    text: str | bytes = body
    if content_type and content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        fields = parse_qs(body.decode("utf-8", "replace"))
        if "payload" not in fields:
            raise PayloadError("form-encoded webhook body has no 'payload' field; send application/json")
        text = fields["payload"][0]
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise PayloadError(f"the webhook body is not valid JSON ({type(err).__name__})") from None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (payload fields are optional)."""
    return value if isinstance(value, dict) else {}


def strings(values: Iterable[Any]) -> tuple[str, ...]:
    """The non-empty strings among ``values``, in order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip(), None)
    return tuple(seen)


def new_sha(value: Any) -> str | None:
    """A pushed commit sha, or None for a deletion (all zeros) or a missing value."""
    if isinstance(value, str) and value and value not in _ZERO_SHA:
        return value
    return None
