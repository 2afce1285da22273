"""Reading request parameters off the wire: query vs form body, shrink JSON, booleans, integers.

Sits between ``app.py`` (which has verified the signature) and the handlers: :func:`decode_params`
takes the raw query string and body of one request and the placement rules of its operation, and
returns :class:`Params`, whose typed getters raise the DataWorks refusals (``Missing<Name>``,
``InvalidParameter``) naming the field and, when a field sits in the wrong place (form instead of
query, or the reverse), saying so.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl

from controller.simulator.errors import InvalidParameter, MissingParameter

FORM_TYPE = "application/x-www-form-urlencoded"
_TRUE = frozenset({"true", "True"})
_FALSE = frozenset({"false", "False"})


def parse_form(body: bytes, *, what: str = "form body") -> dict[str, str]:
    """Decode ``application/x-www-form-urlencoded`` bytes strictly (UTF-8, ``k=v`` pairs, no repeats)."""
    if not body:
        return {}
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidParameter(
            f"The {what} is not valid {FORM_TYPE} ({exc}); send UTF-8 key=value pairs joined by '&', "
            "percent-encoded."
        ) from None
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values:
            raise InvalidParameter(f"The parameter {key} appears more than once in the {what}; send it once.")
        values[key] = value
    return values


def decode_params(
    action: str,
    *,
    method: str,
    raw_query: str,
    content_type: str | None,
    body: bytes,
    query_fields: Collection[str],
) -> Params:
    """Split one request into its parameters the way the operation places them.

    GET operations read every field from the query. POST operations read the form body, except the
    fields listed in ``query_fields`` (e.g. ``DeleteWorkflow.Id``), which come from the query.
    """
    query = parse_form(raw_query.encode("utf-8"), what="query string")
    if method == "GET":
        return Params(action, query, {})
    if body:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media != FORM_TYPE:
            raise InvalidParameter(
                f"{action} takes its parameters as {FORM_TYPE}; the body was sent as {media or 'no content-type'}."
            )
    form = parse_form(body)
    values = {k: v for k, v in form.items() if k not in query_fields}
    values.update({k: v for k, v in query.items() if k in query_fields})
    misplaced = {k: "form body" for k in form if k in query_fields}
    misplaced.update({k: "query string" for k in query if k not in query_fields})
    return Params(action, values, misplaced)


class Params:
    """The decoded parameters of one call, with typed getters that refuse like DataWorks does."""

    def __init__(self, action: str, values: Mapping[str, str], misplaced: Mapping[str, str]) -> None:
        self.action = action
        self.values = dict(values)
        self.misplaced = dict(misplaced)

    def _raw(self, name: str, required: bool) -> str | None:
        value = self.values.get(name)
        if value is None or (required and value == ""):
            if required:
                where = self.misplaced.get(name)
                hint = f"({self.action} does not read {name} from the {where}.)" if where else ""
                raise MissingParameter(name, hint)
            return None
        return value

    def text(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        """A string parameter; ``default`` when absent."""
        value = self._raw(name, required)
        return default if value is None else value

    def required_text(self, name: str) -> str:
        """A string parameter that must be present and non-empty."""
        value = self._raw(name, True)
        assert value is not None
        return value

    def integer(self, name: str, *, required: bool = False, default: int | None = None) -> int | None:
        """An integer parameter sent as a decimal string."""
        value = self._raw(name, required)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise InvalidParameter(f"{name} must be an integer; got {value!r}.") from None

    def required_integer(self, name: str) -> int:
        """An integer parameter that must be present."""
        value = self.integer(name, required=True)
        assert value is not None
        return value

    def boolean(self, name: str, *, default: bool = False) -> bool:
        """A boolean sent as ``true``/``false`` (or ``True``/``False``, as the Python SDK sends it)."""
        value = self._raw(name, False)
        if value is None or value == "":
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise InvalidParameter(f"{name} must be true or false; got {value!r}.")

    def choice(self, name: str, allowed: Collection[str], *, default: str | None = None) -> str | None:
        """A string parameter restricted to ``allowed``."""
        value = self.text(name, default=default)
        if value is not None and value not in allowed:
            raise InvalidParameter(f"{name} must be one of {', '.join(sorted(allowed))}; got {value!r}.")
        return value

    def json_value(self, name: str, *, required: bool = False) -> Any:
        """A "shrink" parameter: one form field holding compact JSON."""
        value = self._raw(name, required)
        if value is None:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidParameter(
                f"{name} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                "send the structure as one compact JSON string."
            ) from None

    def json_list(self, name: str, *, required: bool = False) -> list[Any] | None:
        """A shrink parameter that must hold a JSON array."""
        value = self.json_value(name, required=required)
        if value is not None and not isinstance(value, list):
            raise InvalidParameter(f"{name} must be a JSON array; got {type(value).__name__}.")
        return value

    def json_object(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        """A shrink parameter that must hold a JSON object."""
        value = self.json_value(name, required=required)
        if value is not None and not isinstance(value, dict):
            raise InvalidParameter(f"{name} must be a JSON object; got {type(value).__name__}.")
        return value
