"""One source within a sync run: match identities, read what moved, plan, apply, verify, record.

Pipeline position: created by :class:`~controller.reconcile.run.SyncRun` per source and commit.

Reads follow architecture §4: a workflow is re-read (``GetWorkflow`` + ``GetTask``, or
``GetWorkflowDefinition`` with ``apply: import``) only when its live ``ModifyTime`` moved, its
desired spec changed, its last verdict was not a clean comparison, or ``full_resync`` is due;
otherwise the last comparison stands. After every write the workflow is read back once: that
verifies the write and records the new ``ModifyTime``, so the next run costs list pages only.

Two reads of the definition go beyond that, each only where it is the one live object that can
answer: with ``apply: update`` and a Git change not yet applied, the definition is read beside the
scheduled workflow, because only it shows the fields UpdateWorkflow cannot set (a change there goes
through an import instead of being lost); and with ``dataworks.publish`` off, an unpublished
definition is what is compared (its ``ModifyTime`` keeps steady state at list pages).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, get_args

from controller.config import Config, SourceConfig
from controller.dataworks.client import DataWorksClient
from controller.dataworks.errors import NotFoundError
from controller.dataworks.models import WorkflowDefinitionSummary
from controller.errors import GitOpsError
from controller.logs import get_logger
from controller.model import WorkflowKind
from controller.reconcile.apply import Applier, Published
from controller.reconcile.diff import Change, ChangeKind, Diff
from controller.reconcile.jobs import AsyncWorkTimedOut
from controller.reconcile.live import DefinitionRead, Inventory, ScheduledRead, read_definition, read_scheduled
from controller.reconcile.plan import (
    CachedComparison,
    DesiredWorkflow,
    InvalidSpec,
    LiveWorkflow,
    Plan,
    SourcePolicy,
    Status,
    Step,
    compare,
    plan_source,
)
from controller.reconcile.results import WorkflowResult
from controller.reconcile.state import RunState, WorkflowRecord
from controller.spec.loader import LoadedSpec, LoadResult
from controller.spec.to_model import model_from_flowspec

log = get_logger(__name__)

#: Verdicts that came from a clean comparison and may be reused while nothing moved.
_REUSABLE: frozenset[Status] = frozenset({"Synced", "OutOfSync"})


def changes_from_json(items: Sequence[dict[str, Any]]) -> Diff:
    """Rebuild a stored drift (already masked) as a :class:`Diff`."""
    kinds = get_args(ChangeKind)
    return Diff(
        [
            Change(
                path=str(i.get("path", "")),
                kind=i["kind"] if i.get("kind") in kinds else "changed",
                before=i.get("before"),
                after=i.get("after"),
                unified=i["unified"] if isinstance(i.get("unified"), str) else None,
            )
            for i in items
        ]
    )


def desired_from(spec: LoadedSpec) -> DesiredWorkflow:
    """A loaded spec as the plan sees it."""
    kind: WorkflowKind = "ManualWorkflow" if spec.kind == "ManualWorkflow" else "CycleWorkflow"
    return DesiredWorkflow(
        file=spec.file,
        name=spec.name,
        path=spec.path,
        kind=kind,
        desired_hash=spec.digest,
        model=model_from_flowspec(spec.document, file=spec.file),
        spec_id=spec.identity if spec.identity_kind == "id" else None,
    )


class SourceRun:
    """The work of one source at one commit."""

    def __init__(
        self,
        *,
        source: SourceConfig,
        commit: str,
        config: Config,
        client: DataWorksClient,
        state: RunState,
        policy: SourcePolicy,
        applier: Applier,
        dry_run: bool,
    ) -> None:
        self.source = source
        self.commit = commit
        self.config = config
        self.client = client
        self.state = state
        self.policy = policy
        self.applier = applier
        self.dry_run = dry_run
        self.update_mode = source.apply == "update"
        self._specs: dict[str, LoadedSpec] = {}
        self._scheduled: dict[str, ScheduledRead] = {}
        self._definitions: dict[str, DefinitionRead] = {}
        #: ModifyTime of the object last compared per identity: the one ``_live_modify_time`` lists.
        self._modify_times: dict[str, int | None] = {}
        #: Names of the scheduled workflows listed this run: a hint that a definition got published.
        self._scheduled_names: frozenset[str] = frozenset()
        self._errors: dict[str, str] = {}
        #: Identities whose recorded job or publish is still running after this run's resume.
        self._still_running: set[str] = set()
        #: Identities whose drift this run found (and logged): the drift metric counts these, not
        #: what is left after a heal.
        self._drifted: set[str] = set()

    # --- resume ---------------------------------------------------------------------------------

    async def resume_inflight(self) -> None:
        """Finish async work a previous (crashed or stopped) run left recorded, before planning."""
        for item in self.state.inflight(self.source.name):
            record = self.state.workflow(self.source.name, item.identity)
            name = record.name if record else item.identity
            path = record.path if record else item.detail
            log.info("job_progress", source=self.source.name, kind=item.kind, id=item.work_id,
                     workflow=name, status="resuming")
            try:
                if item.kind == "import_job":
                    published = await self.applier.resume_import(
                        item.identity, item.work_id, path=path, name=name, publish=self.config.dataworks.publish
                    )
                else:
                    published = await self.applier.resume_publish(
                        item.identity, item.work_id, item.detail, name=name
                    )
            except AsyncWorkTimedOut as exc:
                self._errors[item.identity] = str(exc)
                self._still_running.add(item.identity)
                continue
            except (GitOpsError, LookupError) as exc:
                self.state.end_inflight(self.source.name, item.identity, item.kind)
                self._errors[item.identity] = str(exc)
                continue
            self._remember_published(item.identity, name, path, record, published)

    def _remember_published(
        self, identity: str, name: str, path: str, record: WorkflowRecord | None, published: Published
    ) -> None:
        base = record or WorkflowRecord(source=self.source.name, identity=identity, name=name, path=path)
        self.state.put_workflow(
            replace(base, owned=True, definition_id=published.definition_id,
                    workflow_id=published.workflow_id, status="Progressing")
        )

    # --- plan -----------------------------------------------------------------------------------

    async def plan(self, loaded: LoadResult, inventory: Inventory) -> Plan:
        """Match desired to live, read what moved, and plan."""
        desired = [desired_from(spec) for spec in loaded.specs]
        self._specs = {spec.identity: spec for spec in loaded.specs}
        self._scheduled_names = frozenset(w.name for w in inventory.workflows if w.name)
        invalid = [
            InvalidSpec(file=r.file, name=r.workflow or "", message="; ".join(str(p) for p in r.problems if p.is_error))
            for r in loaded.failed
        ]
        live: dict[str, LiveWorkflow] = {}
        last_applied: dict[str, str] = {}
        for d in desired:
            record = self.state.workflow(self.source.name, d.identity)
            if record and record.applied_hash:
                last_applied[d.identity] = record.applied_hash
            found = await self._live_for(d, record, inventory)
            if found is not None:
                live[d.identity] = found
        owned_records = [r for r in self.state.workflows(self.source.name) if r.owned]
        claimed = {d.identity for d in desired}
        for record in owned_records:
            if record.identity in claimed:
                continue
            if record.definition_id and record.definition_id in inventory.by_definition_id:
                live[record.identity] = LiveWorkflow(
                    identity=record.identity, name=record.name, path=record.path,
                    definition_id=record.definition_id, workflow_id=record.workflow_id, owned=True,
                )
            elif not self.dry_run:
                self.state.forget_workflow(self.source.name, record.identity)  # gone from DataWorks too
        return plan_source(
            self.source.name, desired, invalid, live, self.policy,
            last_applied=last_applied, owned_total=len(owned_records),
        )

    async def _live_for(
        self, desired: DesiredWorkflow, record: WorkflowRecord | None, inventory: Inventory
    ) -> LiveWorkflow | None:
        summary = inventory.find(desired.spec_id, desired.path)
        if summary is None:
            return None
        definition_id = summary.id
        known = record if record is not None and record.definition_id == definition_id else None
        workflow_id = await self._workflow_id(summary, known, inventory)
        owned = (known is not None and known.owned) or inventory.owner_of(workflow_id) == self.source.name
        live = LiveWorkflow(identity=desired.identity, name=summary.name or desired.name, path=desired.path,
                            definition_id=definition_id, workflow_id=workflow_id, owned=owned)
        if not owned or (workflow_id is None and self.policy.publish):
            return live  # blocked, or to be deployed: nothing to compare
        modify_time = self._live_modify_time(inventory, definition_id, workflow_id)
        if known is not None and not self._must_read(known, desired, modify_time):
            return replace(live, cached=CachedComparison(known.status, changes_from_json(known.last_drift)))
        git_changed = record is None or record.applied_hash != desired.desired_hash
        try:
            return await self._read(desired, live, with_definition=git_changed)
        except NotFoundError:
            # The scheduled workflow went between the list and the read: the definition is all there is.
            live = replace(live, workflow_id=None)
            return live if self.policy.publish else await self._read(desired, live, with_definition=True)

    async def _workflow_id(
        self, summary: WorkflowDefinitionSummary, record: WorkflowRecord | None, inventory: Inventory
    ) -> int | None:
        """The definition's scheduled workflow: the recorded one while it is listed, else asked for."""
        if record is not None and record.workflow_id is not None and record.workflow_id in inventory.by_workflow_id:
            return record.workflow_id
        if record is not None and self._still_unpublished(record, summary):
            return None
        return await self._published_id(summary.id)

    def _still_unpublished(self, record: WorkflowRecord, summary: WorkflowDefinitionSummary) -> bool:
        """With publish off, a definition the controller left unpublished is taken to stay so while
        its ModifyTime has not moved, no scheduled workflow carries its name and no full resync is
        due: that saves one GetWorkflowDefinition per workflow and run (architecture §4)."""
        return (
            not self.policy.publish
            and record.workflow_id is None
            and record.live_modify_time is not None
            and record.live_modify_time == summary.modify_time
            and (summary.name or record.name) not in self._scheduled_names
            and not self._resync_due(record)
        )

    async def _published_id(self, definition_id: str) -> int | None:
        definition = await self.client.get_workflow_definition(definition_id, include_script_content=False)
        return definition.workflow_id or None

    def _live_modify_time(self, inventory: Inventory, definition_id: str, workflow_id: int | None) -> int | None:
        if self.update_mode and workflow_id is not None:
            wf = inventory.by_workflow_id.get(workflow_id)
            return wf.modify_time if wf else None
        d = inventory.by_definition_id.get(definition_id)
        return d.modify_time if d else None

    def _must_read(self, record: WorkflowRecord, desired: DesiredWorkflow, modify_time: int | None) -> bool:
        return (
            record.status not in _REUSABLE
            or record.live_modify_time != modify_time
            or record.compared_hash != desired.desired_hash
            # A Git change not applied yet is looked at afresh (with the definition, in update mode):
            # a verdict reached without it (an older version's) must not keep the change out.
            or record.applied_hash != desired.desired_hash
            or self._resync_due(record)
        )

    def _resync_due(self, record: WorkflowRecord) -> bool:
        resync = self.source.full_resync.total_seconds()
        return record.last_full_read is None or time.time() - record.last_full_read > resync

    async def _read(self, desired: DesiredWorkflow, live: LiveWorkflow, *, with_definition: bool) -> LiveWorkflow:
        """Read the live side: what the source writes through, and the definition where it shows more.

        ``with_definition`` (a Git change not applied yet) adds the definition beside a scheduled
        workflow: only it shows the fields UpdateWorkflow cannot set. Unpublished, the definition is
        all there is.
        """
        identity, definition_id = desired.identity, live.definition_id
        assert definition_id is not None  # a live workflow is found through its definition
        if live.workflow_id is None:
            definition = await self._read_definition(identity, definition_id)
            self._modify_times[identity] = definition.definition.modify_time
            return replace(live, model=None, definition=definition.model)
        if not self.update_mode:
            definition = await self._read_definition(identity, definition_id)
            self._modify_times[identity] = definition.definition.modify_time
            return replace(live, model=definition.model, definition=None)
        scheduled = await read_scheduled(self.client, live.workflow_id, desired.kind)
        self._scheduled[identity] = scheduled
        self._modify_times[identity] = scheduled.workflow.modify_time
        live = replace(live, model=scheduled.model, definition=None)
        if with_definition and self.policy.unobserved:
            definition = await self._read_definition(identity, definition_id)
            live = replace(live, definition=definition.model)
        return live

    async def _read_definition(self, identity: str, definition_id: str) -> DefinitionRead:
        definition = await read_definition(self.client, definition_id)
        self._definitions[identity] = definition
        return definition

    # --- execute --------------------------------------------------------------------------------

    def preview(self, plan: Plan) -> list[WorkflowResult]:
        """``diff``: the plan as results, nothing written (observations are not stored either)."""
        results = []
        for step in plan.steps:
            self._log_drift(step)
            results.append(self._result(step, step.status, self._errors.get(self._identity(step), step.reason)))
        return results

    async def execute(self, plan: Plan) -> list[WorkflowResult]:
        """``sync``: apply every writing step (one failure never stops the others), record all."""
        results: dict[str, WorkflowResult] = {}
        for step in plan.steps:
            self._log_drift(step)
            if not step.writes:
                results[self._key(step)] = self._record(step, step.status, step.reason)
        for step in plan.writes():
            if self.applier.stop is not None and self.applier.stop.is_set():
                # Shutting down: what has not started stays as planned, for the next start.
                results[self._key(step)] = self._result(step, step.status, "not applied: controller stopping")
                continue
            if self._identity(step) in self._still_running:
                # Its import or publish from an earlier run is still going: a write now would start a
                # second one (a duplicate import). It stays recorded; the next run follows it again.
                results[self._key(step)] = self._record(step, "Progressing", self._errors[self._identity(step)])
                continue
            results[self._key(step)] = await self._apply(step)
        return [results[self._key(s)] for s in plan.steps if self._key(s) in results]

    async def _apply(self, step: Step) -> WorkflowResult:
        self._identity(step)
        try:
            if step.action == "prune":
                return await self._prune(step)
            published = await self._write(step)
            status, changes = await self._verify(step, published)
        except AsyncWorkTimedOut as exc:
            return self._record(step, "Progressing", str(exc))
        except (GitOpsError, LookupError) as exc:
            log.error("sync_failed", source=self.source.name, workflow=step.name, path=step.path,
                      file=step.file, action=step.action, error=str(exc))
            return self._record(step, "Failed", str(exc))
        event = "workflow_created" if step.action == "create" else "workflow_updated"
        log.info(event, source=self.source.name, workflow=step.name, path=step.path, file=step.file,
                 commit=self.commit, definition_id=published.definition_id, workflow_id=published.workflow_id)
        message = "" if status == "Synced" else "still differs after apply: " + ", ".join(c.path for c in changes)
        return self._record(replace(step, changes=changes), status, message, published=published, applied=True)

    async def _write(self, step: Step) -> Published:
        assert step.desired is not None  # writing steps other than prune always carry the desired side
        identity = step.desired.identity
        spec = self._specs[identity]
        live = step.live
        if (
            step.action == "update" and self.update_mode and not step.through_import
            and live is not None and live.workflow_id is not None
        ):
            scheduled = self._scheduled.get(identity) or await read_scheduled(
                self.client, live.workflow_id, step.desired.kind
            )
            await self.applier.update(step.desired.model, scheduled)
            return Published(definition_id=live.definition_id or "", workflow_id=live.workflow_id)
        node_ids: dict[str, str] = {}
        definition_id = live.definition_id if live else None
        if definition_id:
            definition = self._definitions.get(identity) or await read_definition(self.client, definition_id)
            node_ids = definition.node_ids
        return await self.applier.import_and_publish(
            identity, spec.document, path=step.path, name=step.name,
            definition_id=definition_id, node_ids=node_ids, publish=self.config.dataworks.publish,
        )

    async def _verify(self, step: Step, published: Published) -> tuple[Status, Diff]:
        assert step.desired is not None
        if published.workflow_id is None and self.policy.publish:
            return "Progressing", Diff()
        live = LiveWorkflow(identity=step.desired.identity, name=step.name, path=step.path, owned=True,
                            definition_id=published.definition_id, workflow_id=published.workflow_id)
        # An update that went through an import for fields the scheduler cannot show is checked
        # where they are visible: in the definition.
        live = await self._read(step.desired, live, with_definition=step.through_import)
        changes = compare(step.desired, live, self.policy)
        return ("Synced" if not changes else "OutOfSync"), changes

    async def _prune(self, step: Step) -> WorkflowResult:
        live = step.live
        assert live is not None
        assert live.definition_id is not None
        await self.applier.prune(live.identity, live.definition_id, name=step.name,
                                 published=live.workflow_id is not None)
        self.state.forget_workflow(self.source.name, live.identity)
        log.info("workflow_pruned", source=self.source.name, workflow=step.name, path=step.path,
                 definition_id=live.definition_id, commit=self.commit)
        return self._result(step, "Synced", "pruned")

    # --- record ---------------------------------------------------------------------------------

    def _log_drift(self, step: Step) -> None:
        if not step.changes or step.live is None or not step.live.fresh:
            return  # only a fresh comparison reports drift; a reused verdict was reported when found
        self._drifted.add(self._identity(step))
        log.warning(
            "drift_detected", source=self.source.name, workflow=step.name, path=step.path, file=step.file,
            fields=[c.path for c in step.changes], changes=step.changes.to_json(), action=step.action,
        )

    def _record(
        self,
        step: Step,
        status: Status,
        message: str,
        *,
        published: Published | None = None,
        applied: bool = False,
    ) -> WorkflowResult:
        identity = self._identity(step)
        message = self._errors.get(identity, message) if status != "Synced" else message
        result = self._result(step, status, message)
        if step.action == "invalid" or not identity:
            return result
        old = self.state.workflow(self.source.name, identity)
        base = old or WorkflowRecord(source=self.source.name, identity=identity, name=step.name, path=step.path)
        live = step.live
        observed = bool(live and live.fresh) or applied
        # A fresh comparison that found nothing to do means Git's spec is in effect, just as after a
        # write: remembered, so the next run neither re-reads nor treats it as a new commit.
        in_effect = applied or (step.action == "noop" and observed)
        record = replace(
            base,
            name=step.name,
            path=step.path,
            file=step.file,
            status=status,
            owned=base.owned or applied or bool(live and live.owned),
            definition_id=(published.definition_id if published else None) or (live.definition_id if live else None)
            or base.definition_id,
            workflow_id=(published.workflow_id if published else None) or (live.workflow_id if live else None)
            or base.workflow_id,
            last_error=message if status in ("Failed", "Unknown", "Progressing") else "",
            last_commit=self.commit if applied else base.last_commit,
        )
        if step.desired is not None and observed:
            record = replace(
                record,
                compared_hash=step.desired.desired_hash,
                live_modify_time=self._modify_times.get(identity),
                last_full_read=time.time(),
            )
        if in_effect and step.desired is not None:
            record = replace(record, applied_hash=step.desired.desired_hash)
        if step.changes and observed:
            record = replace(record, last_drift=tuple(step.changes.to_json()), last_drift_at=time.time())
        elif observed and not step.changes:
            record = replace(record, last_drift=())
        self.state.put_workflow(record)
        return result

    def _result(self, step: Step, status: Status, message: str) -> WorkflowResult:
        return WorkflowResult(source=self.source.name, name=step.name, path=step.path, file=step.file,
                              status=status, action=step.action, changes=step.changes, message=message,
                              drift_detected=self._identity(step) in self._drifted)

    @staticmethod
    def _identity(step: Step) -> str:
        if step.desired is not None:
            return step.desired.identity
        return step.live.identity if step.live is not None else ""

    @staticmethod
    def _key(step: Step) -> str:
        return SourceRun._identity(step) or f"file:{step.file}"


__all__ = ["SourceRun", "changes_from_json", "desired_from"]
