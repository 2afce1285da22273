"""Listing walks every page and stops at the right one (docs "Pagination summary")."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx

from tests.unit.dataworks.scripted import FakeTime, make_client, ok


def page(items: list[dict[str, Any]], number: int, size: int, total: int, key: str) -> httpx.Response:
    return ok({"PagingInfo": {"PageNumber": number, "PageSize": size, "TotalCount": total, key: items}})


def defs(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"Id": str(6326476912390091000 + start + i), "Name": f"wf{start + i}"} for i in range(n)]


async def test_definitions_are_read_page_by_page_until_the_total_is_reached(fake_time: FakeTime) -> None:
    steps = [
        page(defs(100), 1, 100, 200, "WorkflowDefinitions"),
        page(defs(100, 100), 2, 100, 200, "WorkflowDefinitions"),
    ]
    client, script = make_client(steps, fake_time)
    async with client:
        items = await client.list_all_workflow_definitions("ManualWorkflow")
    assert len(items) == 200
    assert len({i.id for i in items}) == 200
    params = [dict(r.url.params) for r in script.requests]
    assert [p["PageNumber"] for p in params] == ["1", "2"]
    assert {p["PageSize"] for p in params} == {"100"}
    assert {p["Type"] for p in params} == {"ManualWorkflow"}
    assert {r.method for r in script.requests} == {"GET"}


async def test_a_short_page_ends_the_walk_even_if_the_total_says_more(fake_time: FakeTime) -> None:
    client, script = make_client([page(defs(40), 1, 100, 500, "WorkflowDefinitions")], fake_time)
    async with client:
        assert len(await client.list_all_workflow_definitions()) == 40
    assert len(script.requests) == 1


async def test_a_server_that_caps_the_page_size_is_still_walked_to_the_end(fake_time: FakeTime) -> None:
    steps = [page(defs(50, 50 * i), i + 1, 50, 120, "WorkflowDefinitions") for i in range(2)]
    steps.append(page(defs(20, 100), 3, 50, 120, "WorkflowDefinitions"))
    client, script = make_client(steps, fake_time)
    async with client:
        assert len(await client.list_all_workflow_definitions()) == 120
    assert len(script.requests) == 3


async def test_workflows_are_listed_by_post_form_in_stable_id_order(fake_time: FakeTime) -> None:
    workflows = [{"Id": i, "Name": f"w{i}"} for i in range(3)]
    steps = [page(workflows[:2], 1, 2, 3, "Workflows"), page(workflows[2:], 2, 2, 3, "Workflows")]
    client, script = make_client(steps, fake_time)
    async with client:
        items = await client.list_all_workflows(page_size=2)
    assert [w.id for w in items] == [0, 1, 2]
    forms = [dict(parse_qsl(r.content.decode())) for r in script.requests]
    assert {r.method for r in script.requests} == {"POST"}
    assert forms[0] == {"EnvType": "Prod", "PageNumber": "1", "PageSize": "2", "ProjectId": "123", "SortBy": "Id Asc"}
    assert forms[1]["PageNumber"] == "2"


async def test_an_empty_workspace_takes_one_call(fake_time: FakeTime) -> None:
    client, script = make_client([page([], 1, 100, 0, "Workflows")], fake_time)
    async with client:
        assert await client.list_all_workflows() == []
    assert len(script.requests) == 1
