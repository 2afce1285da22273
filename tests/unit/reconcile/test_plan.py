"""The plan decides create/update/deploy/prune/noop per workflow, and refuses what is unsafe."""

from __future__ import annotations

from controller.model import FrozenMap, Script, TaskModel, Trigger, WorkflowModel
from controller.reconcile.plan import (
    DesiredWorkflow,
    InvalidSpec,
    LiveWorkflow,
    SourcePolicy,
    plan_source,
    plan_workflow,
)


def _model(cron: str = "00 00 02 * * ?", content: str = "select 1;") -> WorkflowModel:
    return WorkflowModel(
        name="daily_sales",
        owner="1",
        trigger=Trigger(cron=cron),
        tasks=FrozenMap({"clean": TaskModel(type="ODPS_SQL", owner="1", script=Script(content=content))}),
    )


def _desired(path: str = "sales/daily_sales", model: WorkflowModel | None = None, h: str = "h1") -> DesiredWorkflow:
    return DesiredWorkflow(
        file=f"{path}.json", name=path.rsplit("/", 1)[-1], path=path, kind="CycleWorkflow",
        desired_hash=h, model=model or _model(),
    )


def _live(path: str = "sales/daily_sales", model: WorkflowModel | None = None, owned: bool = True) -> LiveWorkflow:
    return LiveWorkflow(
        identity=path, name=path.rsplit("/", 1)[-1], path=path, definition_id="7" * 19, workflow_id=42,
        owned=owned, model=model or _model(),
    )


def test_missing_workflow_is_created() -> None:
    step = plan_workflow(_desired(), None, SourcePolicy(), last_applied_hash=None)
    assert (step.action, step.status) == ("create", "OutOfSync")


def test_workflow_not_owned_is_blocked_and_never_written() -> None:
    step = plan_workflow(_desired(), _live(owned=False), SourcePolicy(source="sales"), last_applied_hash=None)
    assert step.action == "blocked"
    assert step.status == "Failed"
    assert not step.writes
    assert "not owned" in step.reason
    # The fix it names is one a user can carry out: tag the workflow for this very source.
    assert "dataworks-gitops=sales" in step.reason


def test_equal_workflow_is_noop_and_synced() -> None:
    step = plan_workflow(_desired(), _live(), SourcePolicy(), last_applied_hash="h1")
    assert (step.action, step.status, len(step.changes)) == ("noop", "Synced", 0)


def test_live_drift_is_healed_when_self_heal_is_on() -> None:
    live = _live(model=_model(cron="00 30 05 * * ?"))
    step = plan_workflow(_desired(), live, SourcePolicy(self_heal=True), last_applied_hash="h1")
    assert step.action == "update"
    assert [c.path for c in step.changes] == ["/trigger/cron"]


def test_live_drift_is_only_reported_when_self_heal_is_off() -> None:
    live = _live(model=_model(cron="00 30 05 * * ?"))
    step = plan_workflow(_desired(), live, SourcePolicy(self_heal=False), last_applied_hash="h1")
    assert (step.action, step.status) == ("report", "OutOfSync")
    assert not step.writes


def test_new_commit_is_applied_even_without_self_heal() -> None:
    live = _live(model=_model(content="select 1;"))
    desired = _desired(model=_model(cron="00 00 03 * * ?"), h="h2")
    step = plan_workflow(desired, live, SourcePolicy(self_heal=False), last_applied_hash="h1")
    assert step.action == "update"
    assert step.reason == "changed in Git"


def test_unobserved_and_ignored_paths_are_not_drift() -> None:
    live = _live(model=_model(cron="00 30 05 * * ?"))
    step = plan_workflow(_desired(), live, SourcePolicy(unobserved=("/trigger/cron",)), last_applied_hash="h1")
    assert step.action == "noop"
    step = plan_workflow(_desired(), live, SourcePolicy(ignore=("/trigger/*",)), last_applied_hash="h1")
    assert step.action == "noop"


def test_definition_without_scheduled_workflow_is_deployed() -> None:
    live = LiveWorkflow(identity="sales/daily_sales", name="daily_sales", path="sales/daily_sales",
                        definition_id="1" * 19, workflow_id=None, owned=True)
    assert plan_workflow(_desired(), live, SourcePolicy(), last_applied_hash="h1").action == "deploy"


def _orphans(n: int) -> dict[str, LiveWorkflow]:
    return {f"p/wf{i}": _live(path=f"p/wf{i}") for i in range(n)}


def test_orphans_stay_when_prune_is_off() -> None:
    plan = plan_source("s", [], [], _orphans(1), SourcePolicy(prune=False), owned_total=10)
    assert [s.action for s in plan.steps] == ["report"]
    assert not plan.writes()


def test_prune_deletes_orphans_within_the_share() -> None:
    plan = plan_source("s", [], [], _orphans(2), SourcePolicy(prune=True, prune_max_share=0.3), owned_total=10)
    assert [s.action for s in plan.steps] == ["prune", "prune"]
    assert plan.prune_refused == ""


def test_prune_refuses_a_mass_deletion() -> None:
    plan = plan_source("s", [], [], _orphans(4), SourcePolicy(prune=True, prune_max_share=0.3), owned_total=10)
    assert {s.action for s in plan.steps} == {"report"}
    assert "4 of 10" in plan.prune_refused
    assert not plan.writes()


def test_prune_refuses_while_any_spec_is_broken() -> None:
    plan = plan_source(
        "s", [], [InvalidSpec(file="broken.json", message="bad JSON")], _orphans(1),
        SourcePolicy(prune=True, prune_max_share=1.0), owned_total=10,
    )
    assert "failed to load" in plan.prune_refused
    assert [s.action for s in plan.steps if s.file == ""] == ["report"]
    assert [s.status for s in plan.steps if s.file == "broken.json"] == ["Failed"]


def test_writes_run_prunes_last() -> None:
    live = {**_orphans(1), "sales/daily_sales": _live(model=_model(cron="00 30 05 * * ?"))}
    plan = plan_source("s", [_desired()], [], live, SourcePolicy(prune=True, prune_max_share=1.0), owned_total=2,
                       last_applied={"sales/daily_sales": "h1"})
    assert [s.action for s in plan.writes()] == ["update", "prune"]
    assert not plan.in_sync
