"""The plan decides create/update/deploy/prune/noop per workflow, and refuses what is unsafe."""

from __future__ import annotations

from dataclasses import replace

from controller.dataworks.adapters import SCHEDULER_UNOBSERVED
from controller.model import FrozenMap, Script, Strategy, TaskModel, TaskTrigger, Trigger, WorkflowModel
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
        file=f"{path}.json",
        name=path.rsplit("/", 1)[-1],
        path=path,
        kind="CycleWorkflow",
        desired_hash=h,
        model=model or _model(),
    )


def _live(path: str = "sales/daily_sales", model: WorkflowModel | None = None, owned: bool = True) -> LiveWorkflow:
    return LiveWorkflow(
        identity=path,
        name=path.rsplit("/", 1)[-1],
        path=path,
        definition_id="7" * 19,
        workflow_id=42,
        owned=owned,
        model=model or _model(),
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
    live = LiveWorkflow(
        identity="sales/daily_sales",
        name="daily_sales",
        path="sales/daily_sales",
        definition_id="1" * 19,
        workflow_id=None,
        owned=True,
    )
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
        "s",
        [],
        [InvalidSpec(file="broken.json", message="bad JSON")],
        _orphans(1),
        SourcePolicy(prune=True, prune_max_share=1.0),
        owned_total=10,
    )
    assert "failed to load" in plan.prune_refused
    assert [s.action for s in plan.steps if s.file == ""] == ["report"]
    assert [s.status for s in plan.steps if s.file == "broken.json"] == ["Failed"]


def test_writes_run_prunes_last() -> None:
    live = {**_orphans(1), "sales/daily_sales": _live(model=_model(cron="00 30 05 * * ?"))}
    plan = plan_source(
        "s",
        [_desired()],
        [],
        live,
        SourcePolicy(prune=True, prune_max_share=1.0),
        owned_total=2,
        last_applied={"sales/daily_sales": "h1"},
    )
    assert [s.action for s in plan.writes()] == ["update", "prune"]
    assert not plan.in_sync


# --- apply: update — fields UpdateWorkflow cannot set ----------------------------------------------

BLIND = SourcePolicy(unobserved=SCHEDULER_UNOBSERVED)


def _scheduled(cron: str = "00 00 02 * * ?", *, rerun_times: int = 3, node_cron: str | None = None) -> WorkflowModel:
    """A model whose task cron follows the workflow cron unless ``node_cron`` sets its own."""
    task = TaskModel(
        type="ODPS_SQL", owner="1", script=Script(content="select 1;"), trigger=TaskTrigger(cron=node_cron or cron)
    )
    return WorkflowModel(
        name="daily_sales",
        owner="1",
        trigger=Trigger(cron=cron),
        strategy=Strategy(rerun_times=rerun_times),
        tasks=FrozenMap({"clean": task}),
    )


def _read_with_definition(scheduled: WorkflowModel, definition: WorkflowModel) -> LiveWorkflow:
    return replace(_live(model=scheduled), definition=definition)


def test_a_git_change_to_a_field_updateworkflow_cannot_set_goes_through_an_import() -> None:
    desired = _desired(model=_scheduled(rerun_times=5), h="h2")
    # The scheduler shows the documented default (it cannot show the strategy); the definition shows 3.
    live = _read_with_definition(_scheduled(rerun_times=3), _scheduled(rerun_times=3))
    step = plan_workflow(desired, live, BLIND, last_applied_hash="h1")
    assert (step.action, step.status, step.through_import) == ("update", "OutOfSync", True)
    assert [(c.path, c.before, c.after) for c in step.changes] == [("/strategy/rerun_times", 3, 5)]
    assert step.reason == (
        "changed in Git; fields UpdateWorkflow cannot set go through an import (/strategy/rerun_times)"
    )


def test_observed_changes_come_first_and_the_import_carries_them_too() -> None:
    desired = _desired(model=_scheduled(cron="00 30 04 * * ?", rerun_times=5), h="h2")
    live = _read_with_definition(_scheduled(), _scheduled())
    step = plan_workflow(desired, live, BLIND, last_applied_hash="h1")
    assert step.through_import
    assert [c.path for c in step.changes] == ["/trigger/cron", "/strategy/rerun_times"]


def test_a_workflow_cron_commit_still_goes_through_updateworkflow() -> None:
    # Node crons that only follow the workflow's change with it, but the user's value is the workflow
    # cron, which UpdateWorkflow sets: no import for them.
    desired = _desired(model=_scheduled(cron="00 30 04 * * ?"), h="h2")
    live = _read_with_definition(_scheduled(), _scheduled())
    step = plan_workflow(desired, live, BLIND, last_applied_hash="h1")
    assert (step.action, step.through_import) == ("update", False)
    assert [c.path for c in step.changes] == ["/trigger/cron"]
    assert step.reason == "changed in Git"


def test_a_node_cron_of_its_own_changed_in_git_goes_through_an_import() -> None:
    desired = _desired(model=_scheduled(node_cron="00 00 05 * * ?"), h="h2")
    live = _read_with_definition(_scheduled(node_cron="00 00 04 * * ?"), _scheduled(node_cron="00 00 04 * * ?"))
    step = plan_workflow(desired, live, BLIND, last_applied_hash="h1")
    assert step.through_import
    assert [c.path for c in step.changes] == ["/tasks/clean/trigger/cron"]


def test_a_git_change_the_definition_already_has_is_a_noop() -> None:
    desired = _desired(model=_scheduled(rerun_times=5), h="h2")
    live = _read_with_definition(_scheduled(rerun_times=3), _scheduled(rerun_times=5))
    step = plan_workflow(desired, live, BLIND, last_applied_hash="h1")
    assert (step.action, step.status, step.through_import) == ("noop", "Synced", False)


# --- dataworks.publish: false --------------------------------------------------------------------

UNPUBLISHED = SourcePolicy(unobserved=SCHEDULER_UNOBSERVED, publish=False)


def _unpublished(definition: WorkflowModel) -> LiveWorkflow:
    return replace(_live(), workflow_id=None, model=None, definition=definition)


def test_without_publish_a_definition_equal_to_git_is_synced_not_deployed() -> None:
    step = plan_workflow(_desired(model=_scheduled()), _unpublished(_scheduled()), UNPUBLISHED, last_applied_hash="h1")
    assert (step.action, step.status) == ("noop", "Synced")
    assert not step.writes


def test_without_publish_a_git_change_imports_the_definition_again() -> None:
    desired = _desired(model=_scheduled(rerun_times=5), h="h2")
    step = plan_workflow(desired, _unpublished(_scheduled()), UNPUBLISHED, last_applied_hash="h1")
    assert (step.action, step.through_import) == ("update", True)
    # The definition is all there is and it shows every field: the strategy is compared too.
    assert [c.path for c in step.changes] == ["/strategy/rerun_times"]
    assert "publish is off" in step.reason


def test_without_publish_and_self_heal_a_definition_edit_is_reported() -> None:
    policy = replace(UNPUBLISHED, self_heal=False)
    step = plan_workflow(
        _desired(model=_scheduled()), _unpublished(_scheduled(rerun_times=7)), policy, last_applied_hash="h1"
    )
    assert (step.action, step.status) == ("report", "OutOfSync")


def test_what_git_leaves_for_dataworks_to_assign_is_not_drift_but_what_it_names_is() -> None:
    from controller.model import RuntimeResource

    def model(owner: str, group: str | None) -> WorkflowModel:
        resource = RuntimeResource(resource_group=group or "")
        return WorkflowModel(
            name="daily_sales",
            owner=owner,
            trigger=Trigger(cron="00 00 02 * * ?"),
            tasks=FrozenMap(
                {
                    "clean": TaskModel(
                        type="ODPS_SQL", owner=owner, runtime_resource=resource, script=Script(content="select 1;")
                    )
                }
            ),
        )

    assigned = _live(model=model("42", "S_res_group_default"))
    unset = plan_workflow(_desired(model=model("", None)), assigned, SourcePolicy(), last_applied_hash="h1")
    assert (unset.action, unset.status) == ("noop", "Synced"), [c.path for c in unset.changes]
    named = plan_workflow(
        _desired(model=model("", "S_res_group_etl")), assigned, SourcePolicy(), last_applied_hash="h1"
    )
    assert [c.path for c in named.changes] == ["/tasks/clean/runtime_resource/resource_group"]
