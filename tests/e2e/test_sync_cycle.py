"""The controller's job, end to end: Git → sync → diff clean → console drift → diff names it →
sync heals it → a commit flows through — with no workflow ever duplicated."""

from __future__ import annotations

import math

import pytest

from tests.e2e.conftest import ControllerFactory, WorkflowRepo
from tests.e2e.console import console_edit, counts, task_content

pytestmark = pytest.mark.slow

N_WORKFLOWS = 5  # example-repo


def _statuses(doc: dict[str, object]) -> dict[str, str]:
    return {w["name"]: w["status"] for w in doc["workflows"]}  # type: ignore[index, union-attr]


def test_sync_creates_publishes_and_diff_is_then_clean(controller: ControllerFactory) -> None:
    ctl = controller()
    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert set(_statuses(doc).values()) == {"Synced"}
    assert len(doc["workflows"]) == N_WORKFLOWS
    assert doc["api_calls"]["ImportWorkflowDefinition"] == N_WORKFLOWS
    assert counts(ctl.simulator) == (N_WORKFLOWS, N_WORKFLOWS)

    code, doc = ctl.json("diff")
    assert code == 0, doc
    # Steady state costs list pages, not workflows.
    assert sum(doc["api_calls"].values()) <= 2 * math.ceil(N_WORKFLOWS / 100) + 2
    assert set(doc["api_calls"]) <= {"ListWorkflowDefinitions", "ListWorkflows"}


def test_second_sync_makes_no_write_call(controller: ControllerFactory) -> None:
    ctl = controller()
    assert ctl.json("sync")[0] == 0
    code, doc = ctl.json("sync")
    assert code == 0
    writes = {"ImportWorkflowDefinition", "UpdateWorkflow", "CreatePipelineRun", "ExecPipelineRunStage",
              "DeleteWorkflowDefinition", "DeleteWorkflow"}
    assert not writes & set(doc["api_calls"]), doc["api_calls"]


def test_console_edit_is_named_by_diff_and_healed_by_sync(controller: ControllerFactory) -> None:
    ctl = controller()
    assert ctl.json("sync")[0] == 0

    def edit(body: dict[str, object]) -> None:
        body["Trigger"]["Cron"] = "00 45 07 * * ?"  # type: ignore[index]

    console_edit(ctl.simulator, "daily_sales", edit)

    code, doc = ctl.json("diff")
    assert code == 2, doc
    drifted = [w for w in doc["workflows"] if w["status"] == "OutOfSync"]
    assert [w["name"] for w in drifted] == ["daily_sales"]
    assert [(c["path"], c["before"], c["after"]) for c in drifted[0]["changes"]] == [
        ("/trigger/cron", "00 45 07 * * ?", "00 00 02 * * ?")
    ]
    text = ctl.run("diff")
    assert text.returncode == 2
    assert "daily_sales" in text.stdout
    assert "/trigger/cron" in text.stdout

    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert doc["api_calls"].get("UpdateWorkflow") == 1
    assert ctl.json("diff")[0] == 0
    assert counts(ctl.simulator) == (N_WORKFLOWS, N_WORKFLOWS)


def test_commit_changing_a_script_body_flows_through(
    controller: ControllerFactory, workflow_repo: WorkflowRepo
) -> None:
    ctl = controller()
    assert ctl.json("sync")[0] == 0
    sql = "workflows/sales/sql/dws_sales_daily.sql"
    new_body = workflow_repo.read(sql).replace("COUNT(*) AS orders", "COUNT(DISTINCT order_id) AS orders")
    workflow_repo.commit("count distinct orders", {sql: new_body})

    code, doc = ctl.json("diff")
    assert code == 2
    (changed,) = [w for w in doc["workflows"] if w["changes"]]
    assert changed["name"] == "daily_sales"
    assert [c["path"] for c in changed["changes"]] == ["/tasks/dws_sales_daily/script/content"]

    code, doc = ctl.json("sync")
    assert code == 0, doc
    assert "COUNT(DISTINCT order_id)" in task_content(ctl.simulator, "daily_sales", "dws_sales_daily")
    assert ctl.json("diff")[0] == 0
    assert counts(ctl.simulator) == (N_WORKFLOWS, N_WORKFLOWS)
