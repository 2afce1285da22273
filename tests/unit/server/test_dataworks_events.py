"""DataWorks OpenEvent deliveries: the token check and CloudEvents (single or batched) to LiveChange."""

from __future__ import annotations

import json
from typing import Any

import pytest

from controller.server.events import ChangeEvent, Ignored, LiveChange, PayloadError, SignatureError
from controller.server.providers.dataworks import CHANGE_TYPES, HEADER, parse_dataworks, verify_dataworks
from controller.server.webhooks import PROVIDERS
from tests.fixtures.webhooks import SECRET, load

JSON = {"Content-Type": "application/json;charset=utf-8"}


def event(**fields: Any) -> dict[str, Any]:
    """The recorded NodeChangeUpdated event with ``fields`` replaced (``data`` merged)."""
    base: dict[str, Any] = json.loads(load("dataworks", "node-change-updated").body)
    data = {**base["data"], **fields.pop("data", {})}
    return {**base, **fields, "data": data}


def parse(payload: Any) -> Any:
    return parse_dataworks(JSON, json.dumps(payload).encode())


def test_the_provider_is_registered_under_its_url_name() -> None:
    assert PROVIDERS["dataworks"].verify is verify_dataworks
    assert PROVIDERS["dataworks"].parse is parse_dataworks


def test_a_recorded_node_change_becomes_a_live_change_of_that_workspace() -> None:
    headers, body = load("dataworks", "node-change-updated")
    verify_dataworks(headers, body, SECRET)
    change = parse_dataworks(headers, body)
    assert change == LiveChange("dataworks", (
        ChangeEvent("6f1c2e8a-4b7d-4e21-9a53-0c2f7d1e9b44", "dataworks:NodeChange:NodeChangeUpdated",
                    "acs.dataworks", "10001"),
    ))
    assert change.delivery == "6f1c2e8a-4b7d-4e21-9a53-0c2f7d1e9b44"


def test_a_batch_keeps_its_change_events_and_drops_runs() -> None:
    headers, body = load("dataworks", "batch")
    change = parse_dataworks(headers, body)
    assert isinstance(change, LiveChange)
    assert [e.type for e in change.events] == [
        "dataworks:NodeChange:NodeChangeCreated", "dataworks:FileChange:DeployFile",
    ]
    assert {e.workspace for e in change.events} == {"10001"}
    assert change.delivery == "0b7e5d3c-91a2-4f6e-8c4d-2a9e6f1b3c77"


def test_an_instance_status_change_is_ignored_and_named() -> None:
    headers, body = load("dataworks", "instance-status-changes")
    ignored = parse_dataworks(headers, body)
    assert ignored == Ignored(
        "dataworks", "dataworks:InstanceStatusChanges:InstanceStatusChanges", "2d4f6a8c-1e3b-4d5f-a7c9-0b2d4f6a8c1e"
    )


@pytest.mark.parametrize("kind", sorted(CHANGE_TYPES))
def test_every_change_type_is_a_live_change(kind: str) -> None:
    assert isinstance(parse(event(type=kind)), LiveChange)


@pytest.mark.parametrize(
    "kind",
    [
        "dataworks:FileChange:RunFile",  # running code changes no definition
        "dataworks:FileChange:ReviewFile",
        "dataworks:NodeChange:StartDiJob",  # a data integration run
        "dataworks:InstanceChange:RerunInstance",
        "dataworks:NodeChange:NodeChangeUpdatedSoon",  # no prefix matching: exact types only
    ],
)
def test_runs_and_unknown_types_are_ignored(kind: str) -> None:
    assert parse(event(type=kind)) == Ignored("dataworks", kind, "6f1c2e8a-4b7d-4e21-9a53-0c2f7d1e9b44")


def test_a_change_type_from_another_source_is_not_a_dataworks_change() -> None:
    assert isinstance(parse(event(source="my.custom.app")), Ignored)


def test_a_string_workspace_id_reads_like_a_number_and_a_missing_one_is_none() -> None:
    (as_string,) = parse(event(data={"projectId": " 10001 "})).events
    assert as_string.workspace == "10001"
    without = event()
    del without["data"]["projectId"]
    assert parse(without).events[0].workspace is None
    assert parse({"type": "dataworks:FileChange:DeleteFile", "id": "x"}).events[0].workspace is None
    assert parse(event(data={"projectId": True})).events[0].workspace is None


def test_an_event_without_an_id_is_kept_but_names_no_delivery() -> None:
    bare = event()
    del bare["id"]
    change = parse(bare)
    assert change.events[0].id is None
    assert change.delivery is None


def test_an_ignored_batch_names_a_few_types_and_counts_the_rest() -> None:
    batch = [event(type=f"dataworks:InstanceChange:Kind{i}", id=f"id-{i}") for i in range(8)]
    ignored = parse(batch)
    assert isinstance(ignored, Ignored)
    assert ignored.event.endswith(" and 3 more")
    assert ignored.event.startswith("dataworks:InstanceChange:Kind0, dataworks:InstanceChange:Kind1")
    assert ignored.delivery == "id-0"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "empty JSON array"),
        (b'"dataworks:NodeChange:NodeChangeUpdated"', "JSON array of CloudEvents"),
        (b"[1]", r"event \[0\] of the batch is not a JSON object"),
        (b'{"projectId": 10001, "nodeId": 1}', "set the EventBridge target's body to the complete event"),
        (b'[{"type": "dataworks:FileChange:CommitFile"}, {"type": ""}]', r"event \[1\] of the batch has no"),
        (b'{"type": "dataworks:NodeChange', "not valid JSON"),
    ],
)
def test_bodies_that_are_not_cloud_events_are_bad_requests(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        parse_dataworks(JSON, body)


def test_the_token_is_compared_whole_and_is_the_only_proof() -> None:
    headers, body = load("dataworks", "node-change-updated")
    verify_dataworks({**headers, HEADER: SECRET}, b"any body: EventBridge signs nothing", SECRET)
    verify_dataworks({HEADER.upper(): f"  {SECRET} "}, body, SECRET)
    for wrong in (SECRET[:-1], SECRET + "x", SECRET.upper()):
        with pytest.raises(SignatureError, match="does not match"):
            verify_dataworks({**headers, HEADER: wrong}, body, SECRET)
    with pytest.raises(SignatureError, match=f"the {HEADER} header is missing"):
        verify_dataworks(JSON, body, SECRET)


def test_refusals_never_carry_the_token() -> None:
    headers, body = load("dataworks", "node-change-updated")
    with pytest.raises(SignatureError) as refused:
        verify_dataworks({**headers, HEADER: "guess"}, body, SECRET)
    assert SECRET not in str(refused.value)
    assert "guess" not in str(refused.value)
