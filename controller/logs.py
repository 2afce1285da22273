"""structlog setup for every command, with secret redaction as one processor in the pipeline.

Events are JSON lines (one per event, ``event`` first) when stderr is not a terminal, and readable
console lines when it is. Logs go to stderr so that ``--output json`` on stdout stays parseable.

Redaction happens here, once, for every log line: values under keys that look secret are replaced
by ``***``, any string registered with :func:`register_secret` is scrubbed wherever it appears, and
credentials in URLs (``https://user:token@host``) lose their user-info part.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, MutableMapping
from typing import Any, Literal

import structlog

LogFormat = Literal["auto", "json", "console"]

MASK = "***"

#: Key names whose values are never logged.
SECRET_KEY_PATTERN = re.compile(
    r"(?i)(secret|passw(or)?d|token|access[_-]?key|authorization|credential|private[_-]?key|signature)"
)
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is scrubbed from every later log line.

    Short values (under 4 characters) are ignored: masking them would mangle ordinary text.
    """
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact_text(text: str) -> str:
    """Return ``text`` with registered secrets and URL credentials masked."""
    text = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact(value: Any) -> Any:
    """Redact a log value recursively (strings, mappings, sequences)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: (MASK if _is_secret_key(k) and v not in (None, "") else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    return value


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and bool(SECRET_KEY_PATTERN.search(key))


def redact_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask secrets in every key of the event."""
    for key in list(event_dict):
        value = event_dict[key]
        if _is_secret_key(key) and value not in (None, ""):
            event_dict[key] = MASK
        else:
            event_dict[key] = redact(value)
    return event_dict


def _pick_format(fmt: LogFormat) -> Literal["json", "console"]:
    if fmt == "auto":
        return "console" if sys.stderr.isatty() else "json"
    return fmt


def configure(level: str = "info", fmt: LogFormat = "auto", *, stream: Any = None) -> None:
    """Configure structlog (and the stdlib root logger it sits on) once per process."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: Any
    if _pick_format(fmt) == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=False)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    processors: Iterable[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_processor,
        _event_first,
        renderer,
    ]
    structlog.configure(
        processors=list(processors),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def _event_first(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Put ``event`` first so that JSON lines read ``{"event": "drift_detected", ...}``."""
    if "event" in event_dict:
        event = event_dict.pop("event")
        rest = dict(event_dict)
        event_dict.clear()
        event_dict["event"] = event
        event_dict.update(rest)
    return event_dict


def get_logger(name: str | None = None) -> Any:
    """Return a structlog logger; events are logged as ``log.info("drift_detected", workflow=...)``."""
    return structlog.get_logger(name)
