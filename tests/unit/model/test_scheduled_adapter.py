"""GetWorkflow + GetTask map to the same model as the Git spec; console edits show at their path."""

from __future__ import annotations

from typing import Any

import pytest

from controller.dataworks.adapters import (
    SCHEDULER_UNOBSERVED,
    model_from_scheduled,
    parse_parameters,
)
from controller.model import Dependency, WorkflowModel
from controller.reconcile.diff import diff
from tests.unit.model.live import WORKFLOWS, git_model, raw, scheduled_model, scheduled_wire, task_named


def _drift(live: WorkflowModel, name: str = "daily_sales") -> tuple[str, ...]:
    return diff(git_model(name, default_owner=live.owner), live, ignore=SCHEDULER_UNOBSERVED).paths


@pytest.mark.parametrize("name", WORKFLOWS)
def test_the_fixture_carries_the_scheduler_quirks(name: str) -> None:
    workflow = raw(name, "getworkflow")["Workflow"]
    tasks = [r["Task"] for r in raw(name, "gettask").values()]
    assert all("BaselineId" in t and "TriggerRecurrence" in t for t in workflow["Tasks"])
    assert all(isinstance(d["UpstreamTaskId"], str) for t in tasks for d in t["Dependencies"] if "UpstreamTaskId" in d)
    assert {t["RerunMode"] for t in tasks} <= {"AllAllowed", "AllDenied", "FailureAllowed"}
    assert all(t["RerunInterval"] < 1000 for t in tasks)  # seconds


@pytest.mark.parametrize("name", WORKFLOWS)
def test_a_deployed_workflow_does_not_drift_from_the_git_spec_it_came_from(name: str) -> None:
    assert _drift(scheduled_model(name), name) == ()


def test_what_the_scheduler_cannot_show_is_the_only_difference_without_the_ignore_list() -> None:
    live = scheduled_model("daily_sales")
    paths = diff(git_model("daily_sales", default_owner=live.owner), live).paths
    assert paths == ("/strategy/rerun_times", "/strategy/failure_strategy")


def test_vocabularies_and_units_are_mapped() -> None:
    live = scheduled_model("daily_sales")
    assert live.tasks["ads_sales_report"].rerun_mode == "Denied"  # AllDenied
    assert live.tasks["ods_orders"].rerun_mode == "Allowed"  # AllAllowed
    assert live.tasks["dws_sales_daily"].rerun_interval_seconds == 60
    assert live.trigger.cron == "00 00 02 * * ?"
    assert dict(live.parameters) == {"bizdate": "$bizdate", "region": "cn-shanghai"}
    assert "dataworks-gitops.source" not in live.tags


def test_string_and_integer_upstream_task_ids_resolve_alike() -> None:
    tasks = raw("daily_sales", "gettask")
    dep = task_named(tasks, "dwd_sales_clean")["Dependencies"][0]
    dep["UpstreamTaskId"] = int(dep["UpstreamTaskId"])
    dep["UpstreamOutput"] = "renamed.output"  # the id alone pins the upstream task
    live = scheduled_model("daily_sales", tasks=tasks)
    assert live.tasks["dwd_sales_clean"].dependencies == {Dependency("Normal", "task:ods_orders")}


def test_an_upstream_output_resolves_when_the_task_id_is_absent() -> None:
    tasks = raw("daily_sales", "gettask")
    task_named(tasks, "dwd_sales_clean")["Dependencies"][0].pop("UpstreamTaskId")
    assert _drift(scheduled_model("daily_sales", tasks=tasks)) == ()


def test_flat_trigger_recurrence_is_used_when_get_task_has_none() -> None:
    workflow, tasks = raw("daily_sales", "getworkflow"), raw("daily_sales", "gettask")
    task_named(tasks, "ods_orders")["Trigger"].pop("Recurrence")
    for summary in workflow["Workflow"]["Tasks"]:
        if summary["Name"] == "ods_orders":
            summary["TriggerRecurrence"] = "Skip"
    live = scheduled_model("daily_sales", workflow=workflow, tasks=tasks)
    assert live.tasks["ods_orders"].recurrence == "Skip"


def test_absent_start_and_end_times_are_the_defaults() -> None:
    workflow = raw("daily_sales", "getworkflow")
    del workflow["Workflow"]["Trigger"]["StartTime"]
    workflow["Workflow"]["Trigger"]["EndTime"] = ""
    assert _drift(scheduled_model("daily_sales", workflow=workflow)) == ()


def test_server_bookkeeping_never_shows() -> None:
    workflow, tasks = raw("daily_sales", "getworkflow"), raw("daily_sales", "gettask")
    workflow["Workflow"].update(ModifyTime=1, ModifyUser="someone", ClientUniqueCode="other", ProjectId=2)
    for response in tasks.values():
        response["Task"].update(BaselineId=99, Priority=8, ModifyTime=2, EnvType="Prod")
    assert _drift(scheduled_model("daily_sales", workflow=workflow, tasks=tasks)) == ()


def test_a_console_cron_edit_shows_at_the_trigger() -> None:
    workflow = raw("daily_sales", "getworkflow")
    workflow["Workflow"]["Trigger"]["Cron"] = "00 45 05 * * ?"
    live = scheduled_model("daily_sales", workflow=workflow)
    [change] = diff(git_model("daily_sales", default_owner=live.owner), live, ignore=SCHEDULER_UNOBSERVED)
    assert (change.path, change.before, change.after) == ("/trigger/cron", "00 45 05 * * ?", "00 00 02 * * ?")


def test_a_console_script_edit_shows_at_the_tasks_content() -> None:
    tasks = raw("daily_sales", "gettask")
    script = task_named(tasks, "dwd_sales_clean")["Script"]
    script["Content"] = script["Content"].replace("amount", "amount_cny")
    assert _drift(scheduled_model("daily_sales", tasks=tasks)) == ("/tasks/dwd_sales_clean/script/content",)


def test_a_removed_dependency_shows_at_that_tasks_dependencies() -> None:
    tasks = raw("daily_sales", "gettask")
    task_named(tasks, "ads_sales_report")["Dependencies"] = []
    live = scheduled_model("daily_sales", tasks=tasks)
    [change] = diff(git_model("daily_sales", default_owner=live.owner), live, ignore=SCHEDULER_UNOBSERVED)
    assert (change.path, change.before, change.after) == (
        "/tasks/ads_sales_report/dependencies",
        [],
        [{"type": "Normal", "upstream": "task:dws_sales_daily"}],
    )


def test_a_console_rerun_mode_edit_shows_in_flowspec_words() -> None:
    tasks = raw("daily_sales", "gettask")
    task_named(tasks, "ods_orders")["RerunMode"] = "AllDenied"
    live = scheduled_model("daily_sales", tasks=tasks)
    [change] = diff(git_model("daily_sales", default_owner=live.owner), live, ignore=SCHEDULER_UNOBSERVED)
    assert (change.path, change.before, change.after) == ("/tasks/ods_orders/rerun_mode", "Denied", "Allowed")


def test_a_task_deleted_in_the_console_shows_as_added_by_git() -> None:
    workflow, tasks = raw("daily_sales", "getworkflow"), raw("daily_sales", "gettask")
    workflow["Workflow"]["Tasks"] = [t for t in workflow["Workflow"]["Tasks"] if t["Name"] != "ads_sales_report"]
    live = scheduled_model("daily_sales", workflow=workflow, tasks=tasks)
    assert _drift(live) == ("/tasks/ads_sales_report",)


def test_a_task_without_its_get_task_result_is_refused_by_name() -> None:
    workflow, tasks = scheduled_wire("daily_sales")
    some_id = next(iter(tasks))
    del tasks[some_id]
    with pytest.raises(ValueError, match=rf"no GetTask result for task\(s\) \w+ \(id {some_id}\)"):
        model_from_scheduled(workflow, tasks, "CycleWorkflow")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=1 b=2", {"a": "1", "b": "2"}),
        ("  a=1   b=2  ", {"a": "1", "b": "2"}),
        ("ds=$[yyyy-mm-dd hh24:mi:ss] n=3", {"ds": "$[yyyy-mm-dd hh24:mi:ss]", "n": "3"}),
        ("empty= x=y=z", {"empty": "", "x": "y=z"}),
        ("", {}),
        (None, {}),
    ],
)
def test_parameter_strings_parse_into_names_and_values(text: str | None, expected: dict[str, Any]) -> None:
    assert dict(parse_parameters(text)) == expected
