"""The live side of a sync run: a cheap inventory from list pages, then reads only where needed.

Pipeline position: ``run`` takes one :class:`Inventory` per run (``ListWorkflowDefinitions`` for
both types and ``ListWorkflows``, 100 a page — architecture §4: steady state costs pages, not
workflows), matches desired identities against it, and calls :func:`read_scheduled` or
:func:`read_definition` only for the workflows whose live ``ModifyTime`` or desired spec moved.
The adapters turn what is read into the canonical model.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from controller.dataworks.adapters import model_from_scheduled
from controller.dataworks.client import DataWorksClient
from controller.dataworks.models import Task, Workflow, WorkflowDefinition, WorkflowDefinitionSummary, WorkflowSummary
from controller.model import OWNERSHIP_TAG_PREFIX, WorkflowKind, WorkflowModel
from controller.spec.flowspec import FlowSpecDocument, parse_flowspec
from controller.spec.to_model import model_from_flowspec

#: The tag the controller puts on every scheduled workflow it owns; its value is the source name.
OWNERSHIP_TAG = OWNERSHIP_TAG_PREFIX


@dataclass(frozen=True)
class Inventory:
    """What exists in the workspace, from list pages only."""

    definitions: tuple[WorkflowDefinitionSummary, ...] = ()
    workflows: tuple[WorkflowSummary, ...] = ()
    by_definition_id: Mapping[str, WorkflowDefinitionSummary] = field(default_factory=dict)
    by_path: Mapping[str, WorkflowDefinitionSummary] = field(default_factory=dict)
    by_workflow_id: Mapping[int, WorkflowSummary] = field(default_factory=dict)

    @classmethod
    def of(cls, definitions: list[WorkflowDefinitionSummary], workflows: list[WorkflowSummary]) -> Inventory:
        """Index list results by definition id, DataStudio path and scheduled workflow id."""
        return cls(
            definitions=tuple(definitions),
            workflows=tuple(workflows),
            by_definition_id={d.id: d for d in definitions},
            by_path={d.script.path: d for d in definitions if d.script and d.script.path},
            by_workflow_id={w.id: w for w in workflows},
        )

    def find(self, spec_id: str | None, path: str) -> WorkflowDefinitionSummary | None:
        """The live definition a desired workflow maps to: by spec id when it exists, else by path."""
        if spec_id and spec_id in self.by_definition_id:
            return self.by_definition_id[spec_id]
        return self.by_path.get(path)

    def owner_of(self, workflow_id: int | None) -> str | None:
        """The source named by the ownership tag of a scheduled workflow, if it carries one."""
        summary = self.by_workflow_id.get(workflow_id) if workflow_id is not None else None
        if summary is None:
            return None
        for tag in summary.tags:
            if tag.key == OWNERSHIP_TAG:
                return tag.value or ""
        return None


async def take_inventory(client: DataWorksClient) -> Inventory:
    """List definitions of both types and all scheduled workflows (pages only)."""
    cycle = await client.list_all_workflow_definitions("CycleWorkflow")
    manual = await client.list_all_workflow_definitions("ManualWorkflow")
    workflows = await client.list_all_workflows()
    return Inventory.of([*cycle, *manual], workflows)


@dataclass(frozen=True)
class ScheduledRead:
    """A scheduled workflow read in full: the raw workflow, its tasks, and the canonical model."""

    workflow: Workflow
    tasks: Mapping[int, Task]
    model: WorkflowModel

    @property
    def task_ids(self) -> dict[str, int]:
        """Live task ids by task name: what a full update must send back."""
        return {t.name: t.id for t in self.workflow.tasks if t.name}


async def read_scheduled(client: DataWorksClient, workflow_id: int, kind: WorkflowKind) -> ScheduledRead:
    """``GetWorkflow`` + ``GetTask`` for each task (GetWorkflow's tasks are summaries, §8.3)."""
    workflow = await client.get_workflow(workflow_id)
    tasks: dict[int, Task] = {}
    for summary in workflow.tasks:
        tasks[summary.id] = await client.get_task(summary.id)
    return ScheduledRead(workflow=workflow, tasks=tasks, model=model_from_scheduled(workflow, tasks, kind))


@dataclass(frozen=True)
class DefinitionRead:
    """A workflow definition read with its script content, parsed by the same code as Git specs."""

    definition: WorkflowDefinition
    document: FlowSpecDocument
    model: WorkflowModel

    @property
    def node_ids(self) -> dict[str, str]:
        """Live node ids by node name: injected into an import so nodes are updated, not duplicated."""
        workflows = self.document.workflows
        if not workflows:
            return {}
        return {n.name: n.id for n in workflows[0].nodes or [] if n.name and n.id}


async def read_definition(client: DataWorksClient, definition_id: str) -> DefinitionRead:
    """``GetWorkflowDefinition(IncludeScriptContent=true)`` → FlowSpec → model."""
    definition = await client.get_workflow_definition(definition_id, include_script_content=True)
    data = json.loads(definition.spec or "{}")
    file = f"<DataWorks definition {definition_id}>"
    # Parsing is CPU work on a possibly large document: keep the event loop responsive.
    document = await asyncio.to_thread(parse_flowspec, data, file=file)
    return DefinitionRead(definition=definition, document=document, model=model_from_flowspec(document, file=file))
