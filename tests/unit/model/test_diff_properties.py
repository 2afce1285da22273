"""Properties of normalise and diff over generated workflows (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.model import WorkflowModel, normalise
from controller.reconcile.diff import diff
from controller.reconcile.ignore import compile_patterns, matches_any, pointer
from tests.unit.model.strategies import mutations, rerendered, workflow_models

PATTERNS = st.lists(
    st.sampled_from(
        [
            "/tasks/*/owner",
            "/trigger/*",
            "/trigger",
            "/strategy",
            "/tasks/*/script/content",
            "/**/tags",
            "/tasks/*/trigger/cron",
            "/parameters/a*",
            "/tasks/*/dependencies",
            "/outputs",
            "/**",
        ]
    ),
    max_size=3,
)


@settings(deadline=None)  # timing varies on a shared CI box; correctness does not
@given(workflow_models())
def test_normalise_is_idempotent(model: WorkflowModel) -> None:
    once = normalise(model)
    assert normalise(once) == once


@settings(deadline=None)  # timing varies on a shared CI box; correctness does not
@given(workflow_models())
def test_a_model_never_differs_from_itself(model: WorkflowModel) -> None:
    assert diff(model, model) == []
    assert not diff(model, normalise(model))


@settings(max_examples=60, deadline=None)
@given(workflow_models(), st.data())
def test_diff_is_empty_exactly_when_the_normal_forms_are_equal(a: WorkflowModel, data: st.DataObject) -> None:
    # Half the time b is a itself rendered differently, so both sides of the "iff" get exercised.
    b = data.draw(st.one_of(workflow_models(), st.just(rerendered(a))))
    assert (len(diff(a, b)) == 0) == (normalise(a) == normalise(b))


@settings(deadline=None)  # timing varies on a shared CI box; correctness does not
@given(workflow_models())
def test_models_that_differ_only_in_rendering_do_not_drift(model: WorkflowModel) -> None:
    other = rerendered(model)
    assert other != normalise(model)  # the rendering really differs...
    assert diff(model, other) == []  # ...and none of it is drift
    assert diff(other, model) == []


@settings(max_examples=60, deadline=None)
@given(workflow_models(), st.data())
def test_a_change_at_any_field_shows_at_its_path_and_nowhere_else(model: WorkflowModel, data: st.DataObject) -> None:
    base = normalise(model)
    candidates = list(mutations(base))
    segments, kind, build = data.draw(st.sampled_from(candidates))
    changed = build()
    result = diff(changed, base)
    assert [(c.path, c.kind) for c in result] == [(pointer(segments), kind)]


@settings(max_examples=60, deadline=None)
@given(workflow_models(), workflow_models(), PATTERNS)
def test_ignore_globs_remove_exactly_the_matching_paths(
    a: WorkflowModel, b: WorkflowModel, patterns: list[str]
) -> None:
    compiled = compile_patterns(patterns)
    full = diff(a, b)
    kept = diff(a, b, ignore=patterns)
    assert list(kept) == [c for c in full if not matches_any(compiled, c.path)]


@settings(max_examples=40, deadline=None)
@given(workflow_models(), workflow_models())
def test_diff_order_is_stable(a: WorkflowModel, b: WorkflowModel) -> None:
    assert diff(a, b) == diff(a, b)
    assert [c.path for c in diff(a, b)] == [c.path for c in diff(normalise(a), normalise(b))]
