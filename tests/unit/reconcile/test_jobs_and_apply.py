"""Pure parts of apply: the spec sent to ImportWorkflowDefinition, the next pipeline stage, backoff."""

from __future__ import annotations

from itertools import islice

from controller.dataworks.models import Pipeline, PipelineStage
from controller.reconcile.apply import import_document
from controller.reconcile.jobs import PollSchedule, next_stage
from controller.spec.flowspec import parse_flowspec

SPEC = {
    "version": "1.1.0",
    "kind": "CycleWorkflow",
    "spec": {
        "workflows": [
            {
                "name": "wf",
                "script": {"path": "team/wf", "runtime": {"command": "WORKFLOW"}},
                "tags": [{"key": "team", "value": "sales"}, {"key": "dataworks-gitops", "value": "other"}],
                "nodes": [
                    {"name": "a", "script": {"runtime": {"command": "ODPS_SQL"}, "content": "select 1;"}},
                    {"name": "b", "script": {"runtime": {"command": "ODPS_SQL"}, "content": "select 2;"}},
                ],
                "dependencies": [{"nodeId": "b", "depends": [{"type": "Normal", "output": "a"}]}],
                "unknownField": {"kept": True},
            }
        ]
    },
}


def test_import_document_marks_ownership_and_keeps_unknown_fields() -> None:
    doc = parse_flowspec(SPEC, file="wf.json")
    sent = import_document(doc, source="sales")
    wf = sent["spec"]["workflows"][0]
    assert {"key": "dataworks-gitops", "value": "sales"} in wf["tags"]
    assert {"key": "dataworks-gitops", "value": "other"} not in wf["tags"]
    assert {"key": "team", "value": "sales"} in wf["tags"]
    assert wf["unknownField"] == {"kept": True}
    assert "id" not in wf


def test_import_document_injects_live_ids_and_rewrites_dependencies() -> None:
    doc = parse_flowspec(SPEC, file="wf.json")
    sent = import_document(doc, source="sales", definition_id="7" * 19, node_ids={"a": "1" * 19, "b": "2" * 19})
    wf = sent["spec"]["workflows"][0]
    assert wf["id"] == "7" * 19
    assert [n["id"] for n in wf["nodes"]] == ["1" * 19, "2" * 19]
    assert wf["dependencies"][0]["nodeId"] == "2" * 19
    # the caller's parsed document is untouched
    assert doc.workflows[0].nodes is not None
    assert doc.workflows[0].nodes[0].id is None


def _pipeline(*statuses: str) -> Pipeline:
    stages = [PipelineStage(code=f"S{i}", step=i, status=s) for i, s in enumerate(statuses, start=1)]
    return Pipeline(id="p", status="Running", stages=stages)


def test_next_stage_runs_stages_in_order_and_waits_for_a_running_one() -> None:
    assert next_stage(_pipeline("Init", "Init")) == "S1"
    assert next_stage(_pipeline("Success", "Init", "Init")) == "S2"
    assert next_stage(_pipeline("Success", "Running", "Init")) is None
    assert next_stage(_pipeline("Success", "Success")) is None


def test_poll_backoff_grows_to_its_cap() -> None:
    assert list(islice(PollSchedule(initial=1, factor=2, maximum=30).delays(), 7)) == [1, 2, 4, 8, 16, 30, 30]
