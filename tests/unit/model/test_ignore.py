"""Ignore globs: which JSON-pointer paths they select."""

from __future__ import annotations

import pytest

from controller.model import FrozenMap, Script, TaskModel, Trigger, WorkflowModel
from controller.reconcile.diff import diff
from controller.reconcile.ignore import PathPattern, compile_patterns, pointer, split_pointer


@pytest.mark.parametrize(
    ("pattern", "path", "selected"),
    [
        ("/tasks/*/owner", "/tasks/dwd_sales_clean/owner", True),
        ("/tasks/*/owner", "/tasks/dwd_sales_clean/description", False),
        ("/tasks/*/owner", "/tasks/dwd_sales_clean", False),
        ("/tasks/*/owner", "/owner", False),
        ("/trigger/*", "/trigger/cron", True),
        ("/trigger/*", "/trigger", False),
        ("/trigger", "/trigger/cron", True),
        ("/tasks/dwd_*/timeout", "/tasks/dwd_sales_clean/timeout", True),
        ("/tasks/dwd_*/timeout", "/tasks/ods_orders/timeout", False),
        ("/tasks/???_orders", "/tasks/ods_orders/script/content", True),
        ("/**/owner", "/owner", True),
        ("/**/owner", "/tasks/a/owner", True),
        ("/**/owner", "/tasks/a/owner_x", False),
        ("/tasks/**/value", "/tasks/a/input_variables/v/value", True),
        ("/**", "/anything/at/all", True),
        ("/tasks/a~1b/owner", "/tasks/a~1b/owner", True),
        ("/tasks/a[1]/owner", "/tasks/a[1]/owner", True),
        ("/tasks/a[1]/owner", "/tasks/a1/owner", False),
    ],
)
def test_pattern_selects_path(pattern: str, path: str, selected: bool) -> None:
    assert PathPattern.parse(pattern).matches(path) is selected


def test_pointers_round_trip_names_with_slashes_and_tildes() -> None:
    assert split_pointer(pointer(["tasks", "a/b~c"])) == ("tasks", "a/b~c")


@pytest.mark.parametrize("bad", ["tasks/*/owner", "", "  "])
def test_a_pattern_that_is_not_a_pointer_is_refused_with_the_fix(bad: str) -> None:
    with pytest.raises(ValueError, match="must be a JSON pointer starting with '/'"):
        compile_patterns([bad])


def test_ignoring_owner_hides_owner_drift_only() -> None:
    def wf(owner: str, cron: str) -> WorkflowModel:
        task = TaskModel(type="ODPS_SQL", owner=owner, script=Script(content="select 1;"))
        return WorkflowModel(name="wf", trigger=Trigger(cron=cron), tasks=FrozenMap({"t": task}))

    assert diff(wf("1", "0 0 2 * * ?"), wf("2", "0 0 3 * * ?"), ignore=["/tasks/*/owner"]).paths == ("/trigger/cron",)
