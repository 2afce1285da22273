"""Plan: what one sync run will do to each workflow of a source — pure, no I/O.

Pipeline position: after the desired side (``spec`` → model) and the live side (inventory, reads,
adapters → model) are known, :func:`plan_source` decides per workflow: ``create``, ``update``,
``deploy``, ``prune`` or ``noop`` — or why it will not act (``report``, ``blocked``, ``invalid``).
``diff`` prints this plan; ``sync`` hands it to ``apply``.

Safety rules live here, where they are easy to test:

* a workflow the controller does not own is ``blocked``: reported, never touched;
* with ``self_heal: false`` live drift is ``report``-ed but not reverted, while a new commit (the
  desired hash moved since the last apply) is still applied — Argo CD's default;
* a Git change is never dropped because the write path cannot carry it: an update that touches
  fields UpdateWorkflow cannot set (``SourcePolicy.unobserved``, compared against the live
  definition) goes ``through_import`` — ImportWorkflowDefinition with the live ids, then publish;
* with ``publish`` off an unpublished definition is the live object: it is compared and re-imported
  when it differs, never "deployed" again and again;
* prune is opt-in; it is refused when any spec of the source failed to load (a broken checkout must
  never wipe a workspace) or when it would delete more than ``prune_max_share`` of what the source
  owns in one run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from controller.dataworks.adapters.assigned import with_server_assigned
from controller.model import OWNERSHIP_TAG_PREFIX as OWNERSHIP_TAG
from controller.model import WorkflowKind, WorkflowModel
from controller.reconcile.diff import Change, Diff, diff
from controller.reconcile.ignore import compile_patterns, matches_any, split_pointer

ActionKind = Literal["create", "update", "deploy", "prune", "noop", "report", "blocked", "invalid"]
Status = Literal["Synced", "OutOfSync", "Progressing", "Failed", "Unknown", "Suspended"]

#: The actions that write to DataWorks.
WRITES: frozenset[ActionKind] = frozenset({"create", "update", "deploy", "prune"})


@dataclass(frozen=True)
class DesiredWorkflow:
    """A workflow as Git wants it: one loaded, valid spec file."""

    file: str
    name: str
    path: str
    kind: WorkflowKind
    desired_hash: str
    model: WorkflowModel
    spec_id: str | None = None

    @property
    def identity(self) -> str:
        """The spec id when the file carries one, else the DataStudio path (architecture §3)."""
        return self.spec_id or self.path


@dataclass(frozen=True)
class InvalidSpec:
    """A spec file that failed to load or validate; its workflow is marked Failed."""

    file: str
    message: str
    name: str = ""


@dataclass(frozen=True)
class LiveWorkflow:
    """A workflow as DataWorks has it, matched to a desired identity (or owned and orphaned)."""

    identity: str
    name: str
    path: str
    definition_id: str | None = None
    workflow_id: int | None = None
    owned: bool = False
    #: The model of what the source writes through — the scheduled workflow with ``apply: update``,
    #: the definition with ``apply: import`` — or ``None`` when it was not read this run (then
    #: ``cached`` says what we knew) or does not exist (an unpublished definition).
    model: WorkflowModel | None = None
    #: The live definition's model, when it was read beside (or instead of) ``model``: it carries the
    #: fields the scheduler cannot show (``SourcePolicy.unobserved``). Read only when Git changed or
    #: when the workflow is not published, so steady state costs no extra call.
    definition: WorkflowModel | None = None
    cached: CachedComparison | None = None

    @property
    def fresh(self) -> bool:
        """True when the live side was read this run (its comparison is new, not a reused verdict)."""
        return self.model is not None or self.definition is not None


@dataclass(frozen=True)
class CachedComparison:
    """The outcome of the last comparison, reused while neither side moved (architecture §4)."""

    status: Status
    changes: Diff = field(default_factory=Diff)


@dataclass(frozen=True)
class SourcePolicy:
    """The knobs of a source that change what the plan does."""

    #: The source's name: the value of the ownership tag it looks for.
    source: str = ""
    self_heal: bool = True
    prune: bool = False
    prune_max_share: float = 0.3
    ignore: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    #: Model paths the scheduler cannot show or UpdateWorkflow cannot set (e.g. the timezone): never
    #: drift against the scheduled workflow; compared against the definition when Git changed.
    unobserved: tuple[str, ...] = ()
    #: ``dataworks.publish``: when off, a definition is imported and left unpublished.
    publish: bool = True


@dataclass(frozen=True)
class Step:
    """What happens to one workflow, and the status it has until (or unless) that happens."""

    action: ActionKind
    name: str
    path: str
    file: str
    status: Status
    changes: Diff = field(default_factory=Diff)
    reason: str = ""
    desired: DesiredWorkflow | None = None
    live: LiveWorkflow | None = None
    #: An ``update`` that must go through ImportWorkflowDefinition (live ids injected) + publish even
    #: with ``apply: update``: it changes fields UpdateWorkflow cannot set, or nothing is published.
    through_import: bool = False

    @property
    def writes(self) -> bool:
        """True when applying this step calls a DataWorks write API."""
        return self.action in WRITES


@dataclass(frozen=True)
class Plan:
    """All steps of one source, in a stable order (by path)."""

    source: str
    steps: tuple[Step, ...]
    prune_refused: str = ""

    @property
    def in_sync(self) -> bool:
        """True when nothing would be written and nothing is out of sync or failed."""
        return all(step.status == "Synced" for step in self.steps)

    def writes(self) -> tuple[Step, ...]:
        """The steps that write, in the order apply runs them (prunes last, like Argo's PruneLast)."""
        return tuple(s for s in self.steps if s.writes and s.action != "prune") + tuple(
            s for s in self.steps if s.action == "prune"
        )


def compare(desired: DesiredWorkflow, live: LiveWorkflow, policy: SourcePolicy) -> Diff:
    """Diff desired against live, leaving out ignored paths and those the live side cannot show.

    Against the scheduled workflow (``live.model``) the unobserved paths are left out; when the live
    definition was read too, those paths are compared against it instead and their changes follow
    the others. Without a scheduled workflow (not published) the definition is compared in full.
    When nothing was read this run, the last comparison's changes stand.
    """
    if not live.fresh:
        return live.cached.changes if live.cached else Diff()
    # What Git leaves for DataWorks to assign (owner, resource group) is not drift: it is filled
    # from the side compared against, as the update will keep it.
    if live.model is None:
        assert live.definition is not None  # fresh: one of the two was read
        wanted = with_server_assigned(desired.model, live.definition)
        return diff(wanted, live.definition, ignore=policy.ignore, sensitive=policy.sensitive)
    observed = diff(
        with_server_assigned(desired.model, live.model),
        live.model,
        ignore=(*policy.ignore, *policy.unobserved),
        sensitive=policy.sensitive,
    )
    if live.definition is None or not policy.unobserved:
        return observed
    against_definition = diff(
        with_server_assigned(desired.model, live.definition), live.definition,
        ignore=policy.ignore, sensitive=policy.sensitive,
    )
    hidden = [c for c in _unobserved(against_definition, policy) if not _follows_workflow(desired.model, c)]
    return Diff([*observed, *hidden])


def _unobserved(changes: Diff, policy: SourcePolicy) -> list[Change]:
    """The changes at paths the scheduler cannot show or UpdateWorkflow cannot set."""
    patterns = compile_patterns(policy.unobserved)
    return [c for c in changes if matches_any(patterns, c.path)]


def _follows_workflow(model: WorkflowModel, change: Change) -> bool:
    """True for a node cron that Git does not set: it only follows the workflow's cron.

    Such a copy changes with every workflow-cron commit, but the user's value is the workflow cron,
    which UpdateWorkflow sets; counting the copy would send every cron change through an import.
    """
    segments = split_pointer(change.path)
    if len(segments) != 4 or segments[0] != "tasks" or segments[2:] != ("trigger", "cron"):
        return False
    task = model.tasks.get(segments[1])
    return task is not None and task.trigger.cron == model.trigger.cron


def _for(
    desired: DesiredWorkflow,
    live: LiveWorkflow | None,
    action: ActionKind,
    status: Status,
    *,
    changes: Diff | None = None,
    reason: str = "",
    through_import: bool = False,
) -> Step:
    return Step(
        action=action,
        status=status,
        name=desired.name,
        path=desired.path,
        file=desired.file,
        desired=desired,
        live=live,
        changes=changes if changes is not None else Diff(),
        reason=reason,
        through_import=through_import,
    )


def plan_workflow(
    desired: DesiredWorkflow,
    live: LiveWorkflow | None,
    policy: SourcePolicy,
    *,
    last_applied_hash: str | None,
) -> Step:
    """Decide what to do with one desired workflow."""
    if live is None or live.definition_id is None:
        return _for(desired, live, "create", "OutOfSync", reason="missing in DataWorks")
    if not live.owned:
        return _for(
            desired,
            live,
            "blocked",
            "Failed",
            reason=(
                f"a workflow at {live.path!r} already exists in DataWorks and is not owned by this source; "
                "rename or move the spec, or hand the workflow over by adding the tag "
                f"{OWNERSHIP_TAG}={policy.source or '<source name>'} to it in DataWorks"
            ),
        )
    unpublished = live.workflow_id is None
    if unpublished and policy.publish:
        return _for(desired, live, "deploy", "OutOfSync", reason="defined in DataStudio but not published")
    changes = compare(desired, live, policy)
    if not changes:
        return _for(desired, live, "noop", "Synced")
    new_commit = last_applied_hash != desired.desired_hash
    if policy.self_heal or new_commit:
        reason = "changed in Git" if new_commit else "live drift (self_heal)"
        hidden = [c.path for c in _unobserved(changes, policy)]
        if unpublished:
            reason += "; publish is off, so the definition is imported again and left unpublished"
        elif hidden:
            reason += f"; fields UpdateWorkflow cannot set go through an import ({', '.join(hidden)})"
        return _for(desired, live, "update", "OutOfSync", changes=changes, reason=reason,
                    through_import=unpublished or bool(hidden))
    return _for(
        desired,
        live,
        "report",
        "OutOfSync",
        changes=changes,
        reason="live drift; self_heal is off, so it is reported and not reverted",
    )


def plan_source(
    source: str,
    desired: Sequence[DesiredWorkflow],
    invalid: Sequence[InvalidSpec],
    live: Mapping[str, LiveWorkflow],
    policy: SourcePolicy,
    *,
    last_applied: Mapping[str, str] | None = None,
    owned_total: int | None = None,
) -> Plan:
    """Plan a whole source.

    ``live`` maps identities to live workflows: those matched to a desired identity, plus the owned
    ones no desired workflow claims any more (prune candidates). ``last_applied`` maps identities
    to the desired hash last applied. ``owned_total`` is how many workflows the source owns (for the
    prune share); it defaults to the owned entries of ``live``.
    """
    last_applied = last_applied or {}
    steps: list[Step] = [
        plan_workflow(d, live.get(d.identity), policy, last_applied_hash=last_applied.get(d.identity))
        for d in desired
    ]
    steps += [
        Step(action="invalid", name=bad.name, path="", file=bad.file, status="Failed", reason=bad.message)
        for bad in invalid
    ]
    claimed = {d.identity for d in desired}
    orphans = [lw for ident, lw in live.items() if lw.owned and ident not in claimed]
    refused = _prune_refusal(orphans, invalid, policy, owned_total)
    steps += [_orphan_step(lw, policy, refused) for lw in orphans]
    steps.sort(key=lambda s: (s.path or s.file, s.file))
    return Plan(source=source, steps=tuple(steps), prune_refused=refused)


def _prune_refusal(
    orphans: Sequence[LiveWorkflow],
    invalid: Sequence[InvalidSpec],
    policy: SourcePolicy,
    owned_total: int | None,
) -> str:
    if not orphans or not policy.prune:
        return ""
    if invalid:
        return (
            f"prune refused: {len(invalid)} spec file(s) failed to load, so a missing workflow may only be "
            "broken, not deleted; fix the specs first"
        )
    total = owned_total if owned_total is not None else max(len(orphans), 1)
    share = len(orphans) / max(total, 1)
    if share > policy.prune_max_share:
        return (
            f"prune refused: {len(orphans)} of {total} owned workflows ({share:.0%}) would be deleted, more than "
            f"prune_max_share {policy.prune_max_share:.0%}; raise prune_max_share for this run if that is intended"
        )
    return ""


def _orphan_step(live: LiveWorkflow, policy: SourcePolicy, refused: str) -> Step:
    if policy.prune and not refused:
        action: ActionKind = "prune"
        reason = "removed from Git"
    else:
        action = "report"
        reason = refused or "removed from Git; prune is off for this source, so it stays"
    return Step(action=action, status="OutOfSync", name=live.name, path=live.path, file="", live=live, reason=reason)


def summarise(plans: Iterable[Plan]) -> dict[str, int]:
    """Counts of steps by action across plans, for ``sync_finished`` and the CLI summary."""
    counts: dict[str, int] = {}
    for plan in plans:
        for step in plan.steps:
            counts[step.action] = counts.get(step.action, 0) + 1
    return counts
