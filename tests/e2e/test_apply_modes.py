"""How a Git change reaches DataWorks when the write path cannot carry it, end to end (CLI and simulator
as processes, real git).

* ``apply: update`` (the default) writes with UpdateWorkflow, which cannot set a workflow's strategy or
  timezone. A commit that changes only such a field must still be applied (through an import of the
  definition), never reported ``Synced`` while DataWorks keeps the old value; yet a DataStudio edit of
  such a field, which the scheduler cannot show, is not drift.
* ``dataworks.publish: false`` leaves definitions unpublished: a definition equal to Git is
  ``Synced``, and a second sync does not import it again.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from alibabacloud_dataworks_public20240518 import models

from controller.simulator.testing import SimulatorProcess
from tests.e2e.conftest import Controller, ControllerFactory, SmallRepoFactory, small_spec
from tests.e2e.console import sdk

pytestmark = pytest.mark.slow

WRITES = frozenset(
    {"ImportWorkflowDefinition", "UpdateWorkflow", "CreatePipelineRun", "ExecPipelineRunStage",
     "DeleteWorkflowDefinition", "DeleteWorkflow"}
)
LIST_PAGES = frozenset({"ListWorkflowDefinitions", "ListWorkflows"})
FAST = {"job_seconds": 0.05, "pipeline_seconds": 0.05}


def _statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {w["name"]: w["status"] for w in doc["workflows"]}


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["name"]: w for w in doc["workflows"]}


def _definition(simulator: SimulatorProcess, name: str) -> dict[str, Any]:
    """The stored FlowSpec workflow of definition ``name`` (exactly one must exist)."""
    found = [d for d in simulator.state()["definitions"] if d["Spec"]["spec"]["workflows"][0]["name"] == name]
    assert len(found) == 1, f"expected one definition {name!r}, found {len(found)}"
    workflow: dict[str, Any] = found[0]["Spec"]["spec"]["workflows"][0]
    return workflow


def _scheduled_names(simulator: SimulatorProcess) -> list[str]:
    return sorted(w["Name"] for w in simulator.state()["workflows"])


def _no_writes(doc: dict[str, Any]) -> None:
    assert not WRITES & set(doc["api_calls"]), doc["api_calls"]


def _datastudio_edit(simulator: SimulatorProcess, name: str, strategy: dict[str, Any]) -> None:
    """A DataStudio user saving definition ``name`` with a changed strategy, without publishing it:
    the official SDK imports the definition's own FlowSpec (ids included, so it is an update)."""
    client, project = sdk(simulator), simulator.project_id
    page = client.list_workflow_definitions(
        models.ListWorkflowDefinitionsRequest(project_id=project, type="CycleWorkflow", name=name, page_size=100)
    ).body.paging_info
    (definition_id,) = [d.id for d in page.workflow_definitions if d.name == name]
    definition = client.get_workflow_definition(
        models.GetWorkflowDefinitionRequest(project_id=project, id=definition_id, include_script_content=True)
    ).body.workflow_definition
    document = json.loads(definition.spec)
    document["spec"]["workflows"][0].setdefault("strategy", {}).update(strategy)
    job = client.import_workflow_definition(
        models.ImportWorkflowDefinitionRequest(project_id=project, spec=json.dumps(document))
    ).body.async_job
    deadline = time.monotonic() + 30
    while (status := client.get_job_status(models.GetJobStatusRequest(job_id=job.id)).body.job_status.status) != (
        "Success"
    ):
        assert status == "Running", status
        assert time.monotonic() < deadline, "the DataStudio save did not finish"
        time.sleep(0.05)


def _unpublishing(ctl: Controller) -> Controller:
    """The same controller with ``dataworks.publish: false`` (the fixture only takes source keys)."""
    config = json.loads(ctl.config.read_text())
    config["dataworks"]["publish"] = False
    ctl.config.write_text(json.dumps(config))
    return ctl


# --- apply: update — fields UpdateWorkflow cannot set ----------------------------------------------


def test_a_commit_changing_only_fields_updateworkflow_cannot_set_is_applied(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    repo = small_repo("alpha", "beta")
    ctl = controller(repo=repo.url)  # apply: update, the default
    simulator.configure(**FAST)
    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert _definition(simulator, "alpha").get("strategy", {}).get("rerunTimes") == 3  # DataWorks' default

    alpha = small_spec(
        "alpha",
        trigger={"type": "Scheduler", "cron": "00 00 03 * * ?", "timezone": "Asia/Tokyo"},
        strategy={"rerunTimes": 5},
    )
    repo.commit("alpha: Tokyo time, five reruns", {"workflows/alpha.json": alpha})

    code, doc = ctl.json("diff")
    assert code == 2, doc
    assert _statuses(doc) == {"alpha": "OutOfSync", "beta": "Synced"}
    changed = _by_name(doc)["alpha"]
    assert [(c["path"], c["before"], c["after"]) for c in changed["changes"]] == [
        ("/trigger/timezone", "Asia/Shanghai", "Asia/Tokyo"),
        ("/strategy/rerun_times", 3, 5),
    ]
    assert changed["action"] == "update"
    assert "changed in Git" in changed["message"]
    assert "UpdateWorkflow cannot set" in changed["message"]
    assert "/strategy/rerun_times" in ctl.run("diff").stdout

    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}
    # Through the import path (definition upserted by id, then published), never a second copy.
    assert doc["api_calls"].get("ImportWorkflowDefinition") == 1, doc["api_calls"]
    assert "UpdateWorkflow" not in doc["api_calls"], doc["api_calls"]
    stored = _definition(simulator, "alpha")
    assert stored["strategy"]["rerunTimes"] == 5
    assert stored["trigger"]["timezone"] == "Asia/Tokyo"
    assert _scheduled_names(simulator) == ["alpha", "beta"]

    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}
    _no_writes(doc)
    code, doc = ctl.json("diff")
    assert code == 0, doc
    assert set(doc["api_calls"]) <= LIST_PAGES, doc["api_calls"]  # steady state: list pages only


def test_a_datastudio_edit_of_an_unobserved_field_is_not_drift_but_the_next_git_change_wins(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    repo = small_repo("alpha")
    ctl = controller(repo=repo.url)
    simulator.configure(**FAST)
    assert ctl.json("sync")[0] == 0

    # The scheduler cannot show a workflow's strategy, so the controller cannot see this edit: it is
    # not drift, and nothing is written to "heal" it.
    _datastudio_edit(simulator, "alpha", {"rerunTimes": 7})
    assert _definition(simulator, "alpha")["strategy"]["rerunTimes"] == 7
    code, doc = ctl.json("diff")
    assert code == 0, doc
    assert set(doc["api_calls"]) <= LIST_PAGES, doc["api_calls"]
    code, doc = ctl.json("sync")
    assert code == 0, doc
    _no_writes(doc)
    assert _definition(simulator, "alpha")["strategy"]["rerunTimes"] == 7

    # A commit that sets the strategy is applied over the edit.
    repo.commit("alpha: five reruns", {"workflows/alpha.json": small_spec("alpha", strategy={"rerunTimes": 5})})
    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced"}
    assert doc["api_calls"].get("ImportWorkflowDefinition") == 1, doc["api_calls"]
    assert _definition(simulator, "alpha")["strategy"]["rerunTimes"] == 5
    code, doc = ctl.json("sync")
    assert code == 0, doc
    _no_writes(doc)


# --- dataworks.publish: false ----------------------------------------------------------------------


@pytest.mark.parametrize("apply", ["update", "import"])
def test_without_publish_a_definition_is_imported_once_and_then_left_alone(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess, apply: str
) -> None:
    repo = small_repo("alpha", "beta")
    ctl = _unpublishing(controller(repo=repo.url, apply=apply))
    simulator.configure(**FAST)

    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}
    assert doc["api_calls"].get("ImportWorkflowDefinition") == 2, doc["api_calls"]
    assert "CreatePipelineRun" not in doc["api_calls"], doc["api_calls"]
    assert _scheduled_names(simulator) == []

    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}
    _no_writes(doc)
    assert set(doc["api_calls"]) <= LIST_PAGES, doc["api_calls"]  # steady state: list pages only
    code, doc = ctl.json("diff")
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}

    repo.commit("alpha runs at 04:30", {"workflows/alpha.json": small_spec("alpha", cron="00 30 04 * * ?")})
    code, doc = ctl.json("diff")
    assert code == 2, doc
    # The definition shows every field, the node crons that follow the workflow's among them.
    assert [c["path"] for c in _by_name(doc)["alpha"]["changes"]] == [
        "/trigger/cron", "/tasks/alpha_load/trigger/cron", "/tasks/alpha_report/trigger/cron"
    ]
    assert _by_name(doc)["beta"]["status"] == "Synced"

    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}
    assert doc["api_calls"].get("ImportWorkflowDefinition") == 1, doc["api_calls"]
    assert "CreatePipelineRun" not in doc["api_calls"], doc["api_calls"]
    assert _definition(simulator, "alpha")["trigger"]["cron"] == "00 30 04 * * ?"
    assert _scheduled_names(simulator) == []

    code, doc = ctl.json("sync")
    assert code == 0, doc
    _no_writes(doc)
