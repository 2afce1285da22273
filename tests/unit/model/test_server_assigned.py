"""What Git leaves for DataWorks to assign (owner, a task's resource group) is no drift; what Git names is."""

from __future__ import annotations

import dataclasses

from controller.dataworks.adapters import SCHEDULER_UNOBSERVED, with_server_assigned
from controller.model import FrozenMap, RuntimeResource, Script, TaskModel, WorkflowModel
from controller.reconcile.diff import diff
from tests.unit.model.live import definition_model, definition_spec, git_model, raw, scheduled_model, task_named

WORKSPACE_DEFAULT = "S_res_group_workspace_default"


def _seed_scheduled(groups: dict[str, str]) -> WorkflowModel:
    """The seed workflow (its spec names no runtimeResource and no owner) deployed with tasks on ``groups``."""
    tasks = raw("seed", "gettask")
    for name, group in groups.items():
        task_named(tasks, name)["RuntimeResource"] = {"ResourceGroupId": group}
    return scheduled_model("seed", tasks=tasks)


def test_the_group_dataworks_assigned_a_task_git_leaves_unset_is_no_drift() -> None:
    live = _seed_scheduled({"111": WORKSPACE_DEFAULT, "222": WORKSPACE_DEFAULT})
    git = git_model("seed", default_owner=live.owner)
    # The bare diff calls DataWorks' choice drift: what the reconciler must not show.
    assert diff(git, live, ignore=SCHEDULER_UNOBSERVED).paths == (
        "/tasks/111/runtime_resource/resource_group",
        "/tasks/222/runtime_resource/resource_group",
    )
    assert diff(with_server_assigned(git, live), live, ignore=SCHEDULER_UNOBSERVED) == []


def test_the_same_holds_against_the_live_definition() -> None:
    spec = definition_spec("seed")
    for node in spec["spec"]["workflows"][0]["nodes"]:
        node["runtimeResource"] = {"resourceGroup": WORKSPACE_DEFAULT}
    live = definition_model("seed", spec)
    git = git_model("seed", default_owner=live.owner)
    assert diff(git, live) != []
    assert diff(with_server_assigned(git, live), live) == []


def test_an_owner_git_leaves_unset_is_no_drift() -> None:
    live = _seed_scheduled({"111": WORKSPACE_DEFAULT, "222": WORKSPACE_DEFAULT})
    git = git_model("seed", default_owner="")  # as a spec is loaded: the account is not known yet
    assert "/owner" in diff(git, live, ignore=SCHEDULER_UNOBSERVED).paths
    assert diff(with_server_assigned(git, live), live, ignore=SCHEDULER_UNOBSERVED) == []


def test_a_group_git_names_still_drifts_when_the_console_moves_the_task() -> None:
    tasks = raw("daily_sales", "gettask")
    task_named(tasks, "ods_orders")["RuntimeResource"]["ResourceGroupId"] = "S_res_group_console"
    live = scheduled_model("daily_sales", tasks=tasks)
    git = git_model("daily_sales", default_owner=live.owner)
    [change] = diff(with_server_assigned(git, live), live, ignore=SCHEDULER_UNOBSERVED)
    assert (change.path, change.before, change.after) == (
        "/tasks/ods_orders/runtime_resource/resource_group",
        "S_res_group_console",
        "S_res_group_sales_01",
    )


def test_only_unset_values_of_tasks_on_both_sides_are_filled_and_filling_twice_changes_nothing() -> None:
    live = _seed_scheduled({"111": WORKSPACE_DEFAULT, "222": WORKSPACE_DEFAULT})
    git = git_model("seed", default_owner=live.owner)
    named = RuntimeResource(resource_group="S_res_group_named", cu="0.5")
    new = TaskModel(type="ODPS_SQL", script=Script(content="select 3;"))
    git = dataclasses.replace(
        git, tasks=FrozenMap({**git.tasks, "222": dataclasses.replace(git.tasks["222"], runtime_resource=named),
                              "333": new})
    )
    filled = with_server_assigned(git, live)
    assert filled.tasks["111"].runtime_resource == RuntimeResource(resource_group=WORKSPACE_DEFAULT)
    assert filled.tasks["222"].runtime_resource == named
    assert filled.tasks["333"] == dataclasses.replace(new, owner=live.owner)  # new: only the owner is inherited
    assert with_server_assigned(filled, live) == filled
