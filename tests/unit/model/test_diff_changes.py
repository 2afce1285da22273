"""What a diff says: paths users recognise, before = live, after = Git, summaries and excerpts."""

from __future__ import annotations

import json

import pytest

from controller.model import Dependency, FrozenMap, Script, TaskModel, Trigger, Variable, WorkflowModel
from controller.reconcile.diff import Change, diff

SQL = "\n".join(f"SELECT col_{i} FROM t WHERE ds = '${{bizdate}}';" for i in range(30))  # noqa: S608


def _wf(**tasks: TaskModel) -> WorkflowModel:
    return WorkflowModel(name="daily_sales", owner="1", trigger=Trigger(cron="00 00 02 * * ?"), tasks=FrozenMap(tasks))


def _task(content: str = "select 1;", **kw: object) -> TaskModel:
    return TaskModel(type="ODPS_SQL", owner="1", script=Script(content=content), **kw)  # type: ignore[arg-type]


def test_before_is_live_and_after_is_git() -> None:
    git = WorkflowModel(name="wf", trigger=Trigger(cron="00 30 02 * * ?"))
    live = WorkflowModel(name="wf", trigger=Trigger(cron="00 00 02 * * ?"))
    assert diff(git, live) == [Change("/trigger/cron", "changed", "00 00 02 * * ?", "00 30 02 * * ?")]


def test_a_task_only_in_git_is_added_and_one_only_live_is_removed() -> None:
    git = _wf(new_task=_task(), kept=_task())
    live = _wf(kept=_task(), old_task=_task())
    result = diff(git, live)
    assert [(c.path, c.kind) for c in result] == [("/tasks/new_task", "added"), ("/tasks/old_task", "removed")]
    added = result[0]
    assert added.before is None
    assert added.after["type"] == "ODPS_SQL"
    assert added.after["script"]["content"] == "select 1;"


def test_dependencies_are_one_value_at_the_task() -> None:
    git = _wf(a=_task(), b=_task(dependencies=frozenset({Dependency("Normal", "task:a")})))
    live = _wf(a=_task(), b=_task())
    [change] = diff(git, live)
    assert change.path == "/tasks/b/dependencies"
    assert change.before == []
    assert change.after == [{"type": "Normal", "upstream": "task:a"}]


def test_named_values_are_added_removed_or_changed_by_name() -> None:
    git = WorkflowModel(name="wf", parameters=FrozenMap({"bizdate": "$bizdate", "region": "cn-beijing"}))
    live = WorkflowModel(name="wf", parameters=FrozenMap({"region": "cn-shanghai", "old": "1"}))
    assert [(c.path, c.kind, c.before, c.after) for c in diff(git, live)] == [
        ("/parameters/bizdate", "added", None, "$bizdate"),
        ("/parameters/old", "removed", "1", None),
        ("/parameters/region", "changed", "cn-shanghai", "cn-beijing"),
    ]


def test_variables_change_at_their_field() -> None:
    git = _wf(t=_task(input_variables=FrozenMap({"v": Variable("Constant", "2")})))
    live = _wf(t=_task(input_variables=FrozenMap({"v": Variable("Constant", "1")})))
    assert diff(git, live).paths == ("/tasks/t/input_variables/v/value",)


def test_long_script_bodies_are_summarised_with_a_unified_excerpt() -> None:
    edited = SQL.replace("col_15", "col_15_renamed")
    [change] = diff(_wf(t=_task(edited)), _wf(t=_task(SQL)))
    assert change.path == "/tasks/t/script/content"
    assert change.before["lines"] == 30
    assert len(change.before["sha256"]) == 64
    assert change.before["head"].startswith("SELECT col_0")
    assert change.before["sha256"] != change.after["sha256"]
    assert change.unified is not None
    assert "-SELECT col_15 FROM" in change.unified
    assert "+SELECT col_15_renamed FROM" in change.unified
    assert "col_0 " not in change.unified  # only a few lines of context, not the whole body
    assert change.unified.startswith("--- live/tasks/t/script/content")


def test_short_script_bodies_are_shown_whole() -> None:
    [change] = diff(_wf(t=_task("select 2;")), _wf(t=_task("select 1;")))
    assert (change.before, change.after, change.unified) == ("select 1;", "select 2;", None)


def test_changes_come_in_model_order_with_names_sorted() -> None:
    git = WorkflowModel(
        name="wf",
        owner="2",
        trigger=Trigger(cron="00 00 03 * * ?"),
        tasks=FrozenMap({"b": _task("x"), "a": _task("y")}),
    )
    live = WorkflowModel(name="wf", owner="1", tasks=FrozenMap({"a": _task("z"), "b": _task("w")}))
    assert diff(git, live).paths == (
        "/owner",
        "/trigger/cron",
        "/tasks/a/script/content",
        "/tasks/b/script/content",
    )


def test_names_with_slashes_are_escaped_in_paths() -> None:
    [change] = diff(_wf(**{"a/b": _task()}), _wf())
    assert change.path == "/tasks/a~1b"


def test_a_diff_serialises_to_json() -> None:
    result = diff(_wf(t=_task(SQL + "\n-- more")), _wf(t=_task(SQL)))
    text = json.dumps(result.to_json())
    assert json.loads(text)[0]["path"] == "/tasks/t/script/content"
    assert "unified" in json.loads(text)[0]


def test_a_diff_is_an_immutable_sequence() -> None:
    result = diff(_wf(t=_task("a")), _wf(t=_task("b")))
    with pytest.raises(AttributeError):
        result[0].path = "/x"  # type: ignore[misc]
    assert result[0:1] == result
    assert hash(result) == hash(diff(_wf(t=_task("a")), _wf(t=_task("b"))))


def test_a_malformed_ignore_pattern_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="tasks/\\*/owner"):
        diff(_wf(), _wf(), ignore=["tasks/*/owner"])
