"""The FlowSpec models accept every real shape, keep unknown fields and fail only with SpecError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.errors import SpecError
from controller.spec.flowspec import (
    FlowSpecNode,
    FlowSpecParseError,
    FlowSpecScript,
    FlowSpecVariable,
    json_path,
    parse_flowspec,
)
from controller.spec.safeload import parse_yaml

from .conftest import FIXTURES, node, workflow

CORPUS = sorted((FIXTURES / "corpus").glob("*.json")) + sorted((FIXTURES / "corpus").glob("*.yaml"))


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else parse_yaml(text, file=path.name)


def _differences(dumped: Any, original: Any, path: str = "$") -> list[tuple[str, Any, Any]]:
    if isinstance(original, dict) and isinstance(dumped, dict):
        if set(original) != set(dumped):
            return [(path, sorted(dumped), sorted(original))]
        return [d for k in original for d in _differences(dumped[k], original[k], f"{path}.{k}")]
    if isinstance(original, list) and isinstance(dumped, list) and len(original) == len(dumped):
        pairs = enumerate(zip(dumped, original, strict=True))
        return [d for i, (a, b) in pairs for d in _differences(a, b, f"{path}[{i}]")]
    return [] if type(dumped) is type(original) and dumped == original else [(path, dumped, original)]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_corpus_shape_parses_and_round_trips_except_numeric_ids_becoming_strings(path: Path) -> None:
    data = _read(path)
    doc = parse_flowspec(data, file=path.name)
    differences = _differences(doc.model_dump(by_alias=True, exclude_unset=True), data)
    # The only change allowed: a JSON number in an id/owner field comes back as its decimal string.
    assert all(isinstance(orig, int) and dumped == str(orig) for _, dumped, orig in differences), differences


def test_the_seed_is_one_workflow_with_typed_nodes_and_dependencies() -> None:
    doc = parse_flowspec(_read(FIXTURES / "corpus" / "seed_import_workflow_definition.json"), file="seed.json")
    wf = doc.workflows[0]
    assert (doc.kind, wf.name, wf.id) == ("CycleWorkflow", "Asynchronous_Workflow_Creation_Test", "632647691239009XXXX")
    assert wf.trigger is not None
    assert wf.trigger.cron == "00 03 00 * * ?"
    assert wf.strategy is not None
    assert wf.strategy.rerun_interval == 180000
    assert [n.name for n in wf.nodes or []] == ["111", "222"]
    first = (wf.nodes or [])[0]
    assert isinstance(first.script, FlowSpecScript)
    assert first.script.runtime is not None
    assert first.script.runtime.command == "ODPS_SQL"
    dep = (wf.dependencies or [])[0]
    assert dep.node_id == "595182137303408XXXX"
    assert [(d.type, d.output, d.ref_table_name) for d in dep.depends or []] == [
        ("Normal", "742981001612325XXXX", "111")
    ]


def test_unknown_fields_at_every_level_round_trip_unchanged() -> None:
    extra = {"future": {"nested": [1, "two", None, {"deep": True}]}, "do-while": {"maxIteration": 3}}
    data = workflow(
        nodes=[
            {
                **node("a", script={"futureScript": "x", "runtime": {"command": "ODPS_SQL", "futureRuntime": 1}}),
                **extra,
                "outputs": {"nodeOutputs": [{"data": "p.a_out", "isDefault": True, "futureOut": "y"}], "tables": ["t"]},
            }
        ],
        trigger={"type": "Scheduler", "cron": "00 00 02 * * ?", "cycleType": "Daily"},
        dependencies=[{"nodeId": "a", "depends": [{"type": "Normal", "output": "x.y", "futureDep": 1}], "z": 2}],
        **extra,
    )
    data["metadata"] = {"uuid": "123", "tenantId": "1"}
    data["spec"]["futureSpec"] = ["kept"]
    doc = parse_flowspec(data, file="wf.json")
    assert doc.model_dump(by_alias=True, exclude_unset=True) == data


def test_ids_and_numbers_are_lenient_as_dataworks_is() -> None:
    big = 7429810016123250001  # > 2**53: must stay exact
    data = workflow(
        id=big,
        nodes=[node("a", id=42, timeout="3", rerunTimes=2.0, runtimeResource={"resourceGroupId": 1121, "cu": 0.25})],
    )
    wf = parse_flowspec(data, file="wf.json").workflows[0]
    assert wf.id == str(big)
    n = (wf.nodes or [])[0]
    assert (n.id, n.timeout, n.rerun_times) == ("42", 3, 2)
    resource = n.runtime_resource_object()
    assert resource is not None
    assert (resource.resource_group_id, resource.cu) == ("1121", "0.25")


def test_template_references_parse_as_strings_so_node_level_specs_load() -> None:
    data = {
        "version": "1.1.0",
        "kind": "CycleWorkflow",
        "spec": {"nodes": [{"id": "n", "script": "{{scripts.s}}", "trigger": "{{triggers.t}}"}]},
    }
    n = parse_flowspec(data, file="n.json").spec.nodes or [FlowSpecNode()]
    assert n[0].script == "{{scripts.s}}"
    assert n[0].script_object() is None
    assert n[0].trigger_object() is None


def test_script_parameters_may_be_objects_or_references() -> None:
    data = workflow(nodes=[node("a", script={"parameters": [{"name": "p", "value": "$bizdate"}, "{{variables.x}}"]})])
    script = (parse_flowspec(data, file="wf.json").workflows[0].nodes or [])[0].script_object()
    assert script is not None
    assert script.parameters is not None
    assert isinstance(script.parameters[0], FlowSpecVariable)
    assert script.parameters[1] == "{{variables.x}}"


def test_errors_name_the_file_and_json_path_of_every_problem() -> None:
    data = workflow(nodes=[node("a", timeout="soon"), {"name": "b", "script": 5, "rerunTimes": True}])
    data["spec"]["workflows"][0]["nodes"][0]["script"] = 5
    with pytest.raises(FlowSpecParseError) as caught:
        parse_flowspec(data, file="flows/wf.json")
    messages = sorted(str(p) for p in caught.value.problems)
    as_object = 'expected an object or, in a v1.1.0 node-level spec, a "{{reference}}" string, got 5'
    assert messages == [
        f"flows/wf.json: $.spec.workflows[0].nodes[0].script: {as_object} (write the object inline)",
        "flows/wf.json: $.spec.workflows[0].nodes[0].timeout: expected a whole number, got 'soon' "
        "(write a whole number, e.g. 3)",
        "flows/wf.json: $.spec.workflows[0].nodes[1].rerunTimes: expected a whole number, got a boolean "
        "(write a whole number, e.g. 3)",
        f"flows/wf.json: $.spec.workflows[0].nodes[1].script: {as_object} (write the object inline)",
    ]
    assert "(and 3 more)" in str(caught.value)


def test_missing_top_level_keys_say_what_a_flowspec_file_looks_like() -> None:
    with pytest.raises(SpecError) as caught:
        parse_flowspec({"version": "1.1.0", "spec": {}}, file="x.yaml")
    assert str(caught.value) == (
        "x.yaml: $.kind: required field is missing (a FlowSpec file has top-level keys version, kind and spec)"
    )


def test_a_non_mapping_document_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"expected a FlowSpec object at the top level, got list"):
        parse_flowspec([1, 2], file="x.json")  # type: ignore[arg-type]


def test_json_paths_quote_keys_that_are_not_identifiers() -> None:
    assert json_path(["spec", "nodes", 0, "do-while", "x"]) == "$.spec.nodes[0]['do-while'].x"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_keys = st.sampled_from(
    ["name", "id", "script", "trigger", "timeout", "nodes", "dependencies", "outputs", "tags", "strategy", "x"]
)


@settings(max_examples=300, deadline=None)
@given(key=_keys, value=_json_values, node_key=_keys, node_value=_json_values)
def test_any_json_value_anywhere_parses_or_fails_with_a_spec_error(
    key: str, value: Any, node_key: str, node_value: Any
) -> None:
    data = workflow(nodes=[{**node("a"), node_key: node_value}])
    data["spec"]["workflows"][0][key] = value
    problem: SpecError | None = None
    try:
        parse_flowspec(data, file="fuzz.json")
    except SpecError as exc:
        problem = exc
    if problem is not None:
        assert problem.file == "fuzz.json"
        assert problem.path.startswith("$")
