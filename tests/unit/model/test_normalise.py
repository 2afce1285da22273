"""The canonical renderings: what counts as the same value and what does not."""

from __future__ import annotations

import pytest

from controller.model import (
    FrozenMap,
    RuntimeResource,
    Script,
    TaskModel,
    WorkflowModel,
    is_default_output,
    normalise,
    normalise_content,
    normalise_cron,
    with_default_owner,
)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("0 0 2 * * ?", "00 00 02 * * ?"),
        ("00 00 02 * * ?", "00 00 02 * * ?"),
        ("  00   00 02 * *  ? ", "00 00 02 * * ?"),
        ("00 */30 0-23 * * ?", "00 */30 00-23 * * ?"),
        ("0 0/05 * * * ?", "00 00/5 * * * ?"),
        ("0 0 1 01,15 * ?", "00 00 01 1,15 * ?"),
        ("0 0 1 ? * mon-fri", "00 00 01 ? * MON-FRI"),
        ("0 0 2 * * ? 2026", "00 00 02 * * ? 2026"),
        ("", ""),
    ],
)
def test_cron_renders_like_the_dataworks_console(written: str, canonical: str) -> None:
    assert normalise_cron(written) == canonical
    assert normalise_cron(canonical) == canonical


def test_different_schedules_stay_different() -> None:
    assert normalise_cron("0 0 2 * * ?") != normalise_cron("0 0 3 * * ?")
    assert normalise_cron("0 */5 * * * ?") != normalise_cron("0 */50 * * * ?")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("select 1;\n", "select 1;"),
        ("select 1;\r\nselect 2;\r\n", "select 1;\nselect 2;"),
        ("select 1;\n\n\n  \t\n", "select 1;"),
        ("\ufeffselect 1;", "select 1;"),
    ],
)
def test_script_bodies_equal_up_to_line_endings_and_trailing_whitespace(a: str, b: str) -> None:
    assert normalise_content(a) == normalise_content(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("def f():\n    return 1", "def f():\n  return 1"),  # indentation is syntax
        ("select 'a  ';", "select 'a ';"),  # whitespace inside a literal
        ("select 1;  \nselect 2;", "select 1;\nselect 2;"),  # trailing spaces inside the body are kept
        ("  select 1;", "select 1;"),  # leading whitespace is kept
    ],
)
def test_script_bodies_keep_every_other_whitespace(a: str, b: str) -> None:
    assert normalise_content(a) != normalise_content(b)


def test_parameters_compare_with_whitespace_normalised() -> None:
    a = WorkflowModel(name="wf", parameters=FrozenMap({"ds": "  $[yyyymmdd   -1] "}))
    b = WorkflowModel(name="wf", parameters=FrozenMap({"ds": "$[yyyymmdd -1]"}))
    assert normalise(a) == normalise(b)


def test_compute_units_compare_as_numbers() -> None:
    def wf(cu: str) -> WorkflowModel:
        task = TaskModel(type="X", runtime_resource=RuntimeResource(cu=cu))
        return WorkflowModel(name="wf", tasks=FrozenMap({"t": task}))

    a, b = wf("1.0"), wf("1")
    assert normalise(a) == normalise(b)


def test_ownership_tags_are_never_part_of_the_model() -> None:
    model = WorkflowModel(name="wf", tags=FrozenMap({"team": "sales", "dataworks-gitops.source": "repo"}))
    assert dict(normalise(model).tags) == {"team": "sales"}


def test_models_are_hashable_values() -> None:
    task = TaskModel(type="ODPS_SQL", script=Script(content="select 1;", parameters=FrozenMap({"a": "1"})))
    a = WorkflowModel(name="wf", tasks=FrozenMap({"t": task}))
    b = WorkflowModel(name="wf", tasks=FrozenMap({"t": task}))
    assert a == b
    assert len({a, b}) == 1


@pytest.mark.parametrize(
    ("output", "own_id", "default"),
    [
        ("7429810016123251234", None, True),
        ("742981001612325XXXX", "742981001612325XXXX", True),
        ("sales.ods_orders_out", None, False),
        ("sales.ods_orders_out", "7429810016123251234", False),
        ("123", None, False),
    ],
)
def test_default_outputs_are_ids(output: str, own_id: str | None, default: bool) -> None:
    assert is_default_output(output, own_id) is default


def test_an_owner_git_leaves_unset_takes_the_live_default() -> None:
    git = WorkflowModel(
        name="wf", tasks=FrozenMap({"a": TaskModel(type="X"), "b": TaskModel(type="X", owner="200098765432")})
    )
    filled = with_default_owner(git, "1234567890123456")
    assert filled.owner == "1234567890123456"
    assert filled.tasks["a"].owner == "1234567890123456"
    assert filled.tasks["b"].owner == "200098765432"
    assert with_default_owner(filled, "999") == filled  # owners Git names are never replaced
