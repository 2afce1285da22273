"""Secrets in a diff: drift is reported, values never shown."""

from __future__ import annotations

import json

import pytest

from controller.model import FrozenMap, Script, TaskModel, Variable, WorkflowModel
from controller.reconcile.diff import diff
from controller.reconcile.masking import MASK, looks_secret

OLD, NEW = "old-Pa55word-1", "new-Pa55word-2"


def _wf(params: dict[str, str] | None = None, content: str = "select 1;", **variables: str) -> WorkflowModel:
    task = TaskModel(
        type="DIDE_SHELL",
        script=Script(content=content, parameters=FrozenMap(params or {})),
        input_variables=FrozenMap({k: Variable("Constant", v) for k, v in variables.items()}),
    )
    return WorkflowModel(name="wf", parameters=FrozenMap(params or {}), tasks=FrozenMap({"t": task}))


def _shown(result: object) -> str:
    return repr(result) + json.dumps(result.to_json())  # type: ignore[attr-defined]


def test_a_changed_password_is_reported_but_never_shown() -> None:
    result = diff(_wf({"password": NEW}), _wf({"password": OLD}))
    assert result.paths == ("/parameters/password", "/tasks/t/script/parameters/password")
    assert all((c.kind, c.before, c.after) == ("changed", MASK, MASK) for c in result)
    assert OLD not in _shown(result)
    assert NEW not in _shown(result)


def test_an_added_secret_variable_shows_only_that_it_was_added() -> None:
    result = diff(_wf(api_token=NEW), _wf())
    [change] = result
    assert (change.path, change.kind, change.before, change.after) == (
        "/tasks/t/input_variables/api_token",
        "added",
        None,
        MASK,
    )


def test_a_new_task_is_shown_with_its_secrets_masked() -> None:
    git = _wf({"db_password": NEW, "bizdate": "$bizdate"})
    live = WorkflowModel(name="wf", parameters=git.parameters)
    [change] = diff(git, live)
    assert change.path == "/tasks/t"
    assert change.after["script"]["parameters"] == {"bizdate": "$bizdate", "db_password": MASK}
    assert NEW not in _shown(diff(git, live))


def test_a_secret_pasted_into_a_script_is_scrubbed_from_the_excerpt() -> None:
    body = "\n".join(["#!/bin/bash", "set -e", f"mysql -p{NEW} -e 'select 1'", "echo done", "exit 0"])
    before = body.replace("echo done", "echo finished")
    result = diff(_wf({"mysql_password": NEW}, content=body), _wf({"mysql_password": NEW}, content=before))
    [change] = result
    assert change.path == "/tasks/t/script/content"
    assert change.unified is not None
    assert "+echo done" in change.unified
    assert NEW not in _shown(result)


def test_paths_the_config_marks_sensitive_are_masked_but_compared() -> None:
    result = diff(_wf(content="select 'x';"), _wf(content="select 'y';"), sensitive=["/tasks/*/script/content"])
    [change] = result
    assert (change.path, change.before, change.after) == ("/tasks/t/script/content", MASK, MASK)
    assert "'x'" not in _shown(result)


def test_a_multi_line_sensitive_body_hides_its_excerpt_too() -> None:
    result = diff(_wf(content="a\nb\nsecret-x"), _wf(content="a\nb\nsecret-y"), sensitive=["/tasks/t/script"])
    assert result[0].unified == MASK
    assert "secret-" not in _shown(result)


@pytest.mark.parametrize(
    "name",
    ["password", "DB_PASSWORD", "passwd", "mysql_pwd", "client_secret", "api_token", "AccessKeyId",
     "access_key_secret", "odps_ak", "ak", "credentials", "private_key", "apiKey"],
)
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["bizdate", "region", "make", "bake_date", "kappa", "owner"])
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)
