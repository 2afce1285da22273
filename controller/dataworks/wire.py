"""Wire encoding of a request model: which field goes where, and the exact bytes (docs §2.3).

Sits between ``models.py`` (what to send) and ``signing.py`` / the transport (how it is signed and
sent). Pure functions, no I/O:

* GET puts every field in the query string; POST puts the fields named in the model's
  ``QUERY_FIELDS`` in the query and the rest in an ``application/x-www-form-urlencoded`` body.
* Scalars become strings: ints in decimal, booleans ``true``/``false`` (the Python SDK's
  ``True``/``False`` is a quirk the server tolerates, not the contract).
* Lists and objects ("shrink" fields) become ONE field holding compact JSON
  (``separators=(",", ":")``, ``ensure_ascii=False``, keys sorted as the SDK's generated models do).
* The form body is sorted by key and encoded with ``quote_plus`` (space ``+``, unreserved
  ``A-Za-z0-9_.-~`` kept); the query string uses RFC 3986, the same bytes the signature covers.

Example::

    >>> from controller.dataworks.models import DeleteWorkflowRequest
    >>> encode(DeleteWorkflowRequest(id=7, env_type="Prod"))
    WireParts(query={'Id': '7'}, form={'EnvType': 'Prod'})
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple
from urllib.parse import quote_plus

from controller.dataworks.models import WireRequest
from controller.dataworks.signing import canonical_query


class WireParts(NamedTuple):
    """A request split into query-string fields and form-body fields (wire names, string values)."""

    query: dict[str, str]
    form: dict[str, str]


def scalar(value: Any) -> str:
    """A top-level value as the form/query string the server expects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return shrink(value)
    return str(value)


def shrink(value: Any) -> str:
    """Compact JSON of a structured field, UTF-8 kept raw (the form encoder escapes it)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def encode(request: WireRequest) -> WireParts:
    """Split ``request`` into query and form fields per its method and ``QUERY_FIELDS``."""
    fields = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    query: dict[str, str] = {}
    form: dict[str, str] = {}
    for name, value in fields.items():
        target = query if request.METHOD == "GET" or name in request.QUERY_FIELDS else form
        target[name] = scalar(value)
    return WireParts(query, form)


def form_body(form: dict[str, str]) -> bytes:
    """The exact ``x-www-form-urlencoded`` body bytes: keys sorted, ``quote_plus`` encoding, ``&``-joined."""
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(form.items())).encode("utf-8")


def query_string(query: dict[str, str]) -> str:
    """The URL query string: the canonical (signed) form, so what is sent is what was signed."""
    return canonical_query(query)
