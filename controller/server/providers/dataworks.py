"""DataWorks OpenEvent change events, delivered by an Alibaba Cloud EventBridge HTTP(S) target.

The "live-change event" trigger of architecture §1: an edit in the DataWorks console makes the
controller sync within seconds instead of at the next interval (drift healed or reported promptly,
as Argo CD does by watching live resources).

DataWorks OpenEvent (Enterprise edition) publishes workspace events to an EventBridge event bus;
an event rule on that bus delivers the matching ones to ``POST /webhooks/dataworks`` as CloudEvents
1.0 JSON — one event object, or a JSON array of them when the target pushes in batches. The
envelope and ``data`` fields read here are those of the DataWorks "Event list and message format"
page (help.aliyun.com/en/dataworks/user-guide/formats-of-event-messages-sent-to-eventbridge, and
its "Appendix: Message formats")::

    {"specversion": "1.0", "id": "539fd8f4-...", "source": "acs.dataworks",
     "type": "dataworks:NodeChange:NodeChangeUpdated", "time": "...", "aliyunaccountid": "...",
     "data": {"eventCode": "node-change-updated", "projectId": 94324, "tenantId": 28..., ...}}

Read: ``type`` (which change), ``source`` (when given, it must be ``acs.dataworks``), ``id`` (the
CloudEvents id, unique per event: duplicates are dropped by it) and ``data.projectId`` (the
workspace; events without one are accepted). Nothing else in the body is used.

EventBridge does not sign what it delivers, but a target can send fixed headers: the user sets
``X-DataWorks-Token`` to a random token there, and the same token in the environment variable
``webhooks.dataworks.secret_env`` names. It is compared in constant time before the body is parsed.
"""

from __future__ import annotations

from typing import Any

from controller.server.events import (
    ChangeEvent,
    Headers,
    Ignored,
    LiveChange,
    PayloadError,
    WebhookEvent,
    as_dict,
    check_token,
    decode_json,
    lower_keys,
)

#: The header the EventBridge target is configured to send, holding the shared token.
HEADER = "X-DataWorks-Token"

#: The CloudEvents ``source`` of every DataWorks event.
SOURCE = "acs.dataworks"

#: Event types that mean a workflow, node or file of the workspace may differ from before.
#: Node changes are DataStudio's create/update (a dev-side edit or a deployment to production)
#: and Operation Center's delete/undeploy; file changes are commit, deploy and delete. Running a
#: file (``RunFile``) or reviewing it (``ReviewFile``) changes nothing, and instance or data
#: integration events are runs, not definitions: those are acknowledged and ignored.
CHANGE_TYPES = frozenset({
    "dataworks:NodeChange:NodeChangeCreated",
    "dataworks:NodeChange:NodeChangeUpdated",
    "dataworks:NodeChange:NodeChangeDeleted",
    "dataworks:FileChange:CommitFile",
    "dataworks:FileChange:DeployFile",
    "dataworks:FileChange:DeleteFile",
})

# The answer names at most this many ignored types (a batch can mix many), each cut to a length.
_NAMED_TYPES = 5
_TYPE_CHARS = 100


def verify_dataworks(headers: Headers, body: bytes, secret: str) -> None:
    """Raise SignatureError unless ``X-DataWorks-Token`` equals ``secret`` (``body`` is not signed)."""
    del body  # EventBridge signs nothing: the token the target sends is the whole proof
    check_token(lower_keys(headers), secret, header=HEADER)


def parse_dataworks(headers: Headers, body: bytes) -> WebhookEvent:
    """Turn a verified delivery (one CloudEvent or a JSON array of them) into LiveChange or Ignored.

    A :class:`LiveChange` carries every change event of the delivery, each with its workspace id
    when the event names one; deciding which workspace is ours, and dropping ids already handled,
    is the endpoint's job. A delivery with no change event is :class:`Ignored`.
    """
    payload = decode_json(body, lower_keys(headers).get("content-type"))
    if isinstance(payload, dict):
        items: list[Any] = [payload]
    elif isinstance(payload, list):
        if not payload:
            raise PayloadError("the body is an empty JSON array: send a CloudEvent or an array of CloudEvents")
        items = payload
    else:
        raise PayloadError("the body must be a CloudEvent (a JSON object) or a JSON array of CloudEvents")
    changes: list[ChangeEvent] = []
    other: dict[str, None] = {}
    first_id: str | None = None
    for index, item in enumerate(items):
        event = _cloud_event(item, index, batch=isinstance(payload, list))
        first_id = first_id or event.id
        if event.type in CHANGE_TYPES and event.source in (None, SOURCE):
            changes.append(event)
        else:
            other.setdefault(event.type[:_TYPE_CHARS])
    if not changes:
        named = list(other)[:_NAMED_TYPES]
        more = f" and {len(other) - len(named)} more" if len(other) > len(named) else ""
        return Ignored("dataworks", ", ".join(named) + more, first_id)
    return LiveChange("dataworks", tuple(changes))


def _cloud_event(item: Any, index: int, *, batch: bool) -> ChangeEvent:
    where = f"event [{index}] of the batch" if batch else "the event"
    if not isinstance(item, dict):
        raise PayloadError(f"{where} is not a JSON object (a CloudEvent)")
    kind = item.get("type")
    if not isinstance(kind, str) or not kind.strip():
        # The usual cause: the EventBridge target sends only part of the event (say $.data).
        raise PayloadError(
            f"{where} has no CloudEvents 'type'; set the EventBridge target's body to the complete event"
        )
    source = item.get("source")
    return ChangeEvent(
        id=_text(item.get("id")),
        type=kind.strip(),
        source=source.strip() if isinstance(source, str) and source.strip() else None,
        workspace=_text(as_dict(item.get("data")).get("projectId")),
    )


def _text(value: Any) -> str | None:
    """A non-empty string or integer field as text (DataWorks sends ids as JSON numbers or strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
