"""Validation of one FlowSpec file: is it syncable, and is its workflow well formed?

Pipeline position: ``loader`` calls :func:`check_syncable` on the raw document (before script
files are read) and :func:`validate_document` on the typed one; ``repository`` then runs the
checks that need every file of a source (identities, output names, cross-workflow dependencies).
Everything here is offline and pure, so results can be cached by the file's content.

Rules (each problem is ``file[:line]: json-path: message (hint)``):

* a syncable file is ``kind: CycleWorkflow|ManualWorkflow`` with exactly one ``spec.workflows[]``;
  node-level specs (``spec.nodes`` + ``spec.flow``) and other kinds are "not syncable";
* workflow ``name``; node ``name`` (tasks are matched by name) and ``script.runtime.command``;
* enums: recurrence, rerunMode, instanceMode, failureStrategy, trigger type, dependency type;
  counters ≥ 0;
* cron (``controller.spec.cron``), ``YYYY-MM-DD HH:MM:SS`` start/end times, time zone names;
* node names and ids unique in the workflow; one dependency entry per node; each ``nodeId``
  names a node (id or name); each ``depends[].output`` is a node id or declared output of this
  workflow — otherwise it is handed to the repository check as an external reference;
* no cycle through ``Normal`` dependencies (cross-cycle types point at the previous cycle);
* tag keys present, unique, and not starting with ``dataworks-gitops`` (the controller's marks);
* no ``{{reference}}`` strings (the templated v1.1.0 shape) in a syncable workflow.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from controller.spec.cron import CRON_FORMAT, cron_errors
from controller.spec.flowspec import (
    FlowSpecDocument,
    FlowSpecNode,
    FlowSpecOutputs,
    FlowSpecScript,
    FlowSpecTag,
    FlowSpecTrigger,
    FlowSpecWorkflow,
)
from controller.spec.problems import Severity, SpecProblem

SYNCABLE_KINDS = ("CycleWorkflow", "ManualWorkflow")
RECURRENCE = ("Normal", "Skip", "Pause")
RERUN_MODE = ("Allowed", "Denied", "FailureAllowed")
INSTANCE_MODE = ("T+1", "Immediately")
#: What a workflow does when a node fails; FlowSpec has it on the workflow's ``strategy`` only.
FAILURE_STRATEGY = ("Break", "Continue")
TRIGGER_TYPE = ("Scheduler", "Manual")
DEPENDENCY_TYPE = ("Normal", "CrossCycleDependsOnChildren", "CrossCycleDependsOnSelf", "CrossCycleDependsOnOtherNode")
#: Dependency types that need an upstream ``output``.
NEEDS_OUTPUT = ("Normal", "CrossCycleDependsOnOtherNode")
RESERVED_TAG_PREFIX = "dataworks-gitops"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_NOT_SYNCABLE = "not syncable: "


@dataclass(frozen=True, slots=True)
class OutputDecl:
    """An output string a workflow declares (node output, workflow output, or a node id)."""

    data: str
    path: str
    is_node_id: bool = False


@dataclass(frozen=True, slots=True)
class ExternalRef:
    """A ``depends[].output`` this workflow does not declare; resolved across the repository."""

    output: str
    path: str


@dataclass
class DocumentFacts:
    """What :func:`validate_document` found: problems, plus facts the repository checks need."""

    problems: list[SpecProblem] = field(default_factory=list)
    outputs: list[OutputDecl] = field(default_factory=list)
    external: list[ExternalRef] = field(default_factory=list)


def check_syncable(data: Mapping[str, Any], *, file: str) -> list[SpecProblem]:
    """Problems that make a (raw) FlowSpec document not a syncable one-workflow file."""
    kind, spec = data.get("kind"), data.get("spec")
    if kind not in SYNCABLE_KINDS:
        return [
            SpecProblem(
                file,
                "$.kind",
                f"{_NOT_SYNCABLE}kind {kind!r} is not a workflow",
                "dataworks-gitops syncs CycleWorkflow and ManualWorkflow files",
            )
        ]
    if not isinstance(spec, Mapping):
        return []  # parse_flowspec reports the type error with its path
    workflows = spec.get("workflows")
    if workflows is None:
        if "nodes" in spec or "flow" in spec:
            shape = "a node-level spec (spec.nodes + spec.flow)"
        else:
            held = ", ".join(sorted(str(k) for k in spec)[:4]) or "nothing"
            shape = f"a spec without workflows (it holds {held})"
        return [
            SpecProblem(
                file,
                "$.spec",
                f"{_NOT_SYNCABLE}{shape}; dataworks-gitops syncs spec.workflows[]",
                "export the workflow itself with DataStudio's 'Show Spec' on the workflow; "
                "its shape is {version, kind, spec: {workflows: [ONE_WORKFLOW]}}",
            )
        ]
    if isinstance(workflows, list) and len(workflows) != 1:
        return [
            SpecProblem(
                file,
                "$.spec.workflows",
                f"{_NOT_SYNCABLE}{len(workflows)} workflows in one file",
                "the syncable unit is one workflow per file; put each workflow in its own file",
            )
        ]
    return []


def is_not_syncable(problem: SpecProblem) -> bool:
    """True for the problems :func:`check_syncable` reports."""
    return problem.message.startswith(_NOT_SYNCABLE)


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.facts = DocumentFacts()

    def add(self, path: str, message: str, hint: str | None = None, severity: Severity = "error") -> None:
        self.facts.problems.append(SpecProblem(self.file, path, message, hint, severity=severity))

    def enum(self, path: str, value: str | None, allowed: tuple[str, ...]) -> None:
        if value is not None and value not in allowed:
            self.add(path, f"{value!r} is not one of {', '.join(allowed)}", "values are case-sensitive")

    def non_negative(self, path: str, value: int | None) -> None:
        if value is not None and value < 0:
            self.add(path, f"{value} is negative", "use 0 or more")

    def object_not_ref(self, path: str, value: object) -> bool:
        if isinstance(value, str):
            self.add(
                path,
                f"{value[:40]!r} is a template reference",
                "{{...}} references belong to the v1.1.0 node-level shape; write the object inline",
            )
            return False
        return True

    def trigger(self, path: str, trigger: FlowSpecTrigger) -> None:
        self.enum(f"{path}.type", trigger.type, TRIGGER_TYPE)
        if trigger.cron is not None:
            for error in cron_errors(trigger.cron):
                self.add(f"{path}.cron", f"invalid cron {trigger.cron!r}: {error}", CRON_FORMAT)
        for name in ("start_time", "end_time"):
            value = getattr(trigger, name)
            if value is not None and not _TIME.fullmatch(value):
                wire = "startTime" if name == "start_time" else "endTime"
                self.add(f"{path}.{wire}", f"{value!r} is not a time", "write YYYY-MM-DD HH:MM:SS")
        if trigger.start_time and trigger.end_time and trigger.start_time > trigger.end_time:
            self.add(f"{path}.endTime", "endTime is before startTime", "swap them or widen the window")
        if trigger.timezone is not None and _known_zones() and trigger.timezone not in _known_zones():
            self.add(f"{path}.timezone", f"unknown time zone {trigger.timezone!r}", "use an IANA name: Asia/Shanghai")
        self.non_negative(f"{path}.delaySeconds", trigger.delay_seconds)

    def tags(self, path: str, tags: Iterable[FlowSpecTag]) -> None:
        seen: set[str] = set()
        for i, tag in enumerate(tags):
            if not tag.key:
                self.add(f"{path}[{i}].key", "tag has no key", "tags are {key, value}")
            elif tag.key.startswith(RESERVED_TAG_PREFIX):
                self.add(f"{path}[{i}].key", f"tag key {tag.key!r} is reserved", "the controller sets these itself")
            elif tag.key in seen:
                self.add(f"{path}[{i}].key", f"tag key {tag.key!r} appears twice", "keep one")
            else:
                seen.add(tag.key)

    def script_parameters(self, path: str, script: FlowSpecScript) -> None:
        seen: set[str] = set()
        for i, param in enumerate(script.parameters or ()):
            if not self.object_not_ref(f"{path}.parameters[{i}]", param) or isinstance(param, str):
                continue
            if not param.name:
                self.add(f"{path}.parameters[{i}].name", "parameter has no name", "parameters are {name, value}")
            elif param.name in seen:
                self.add(f"{path}.parameters[{i}].name", f"parameter {param.name!r} appears twice", "keep one")
            else:
                seen.add(param.name)


@cache
def _known_zones() -> frozenset[str]:
    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # no tz database on this machine: skip the check rather than guess
        return frozenset()


def validate_document(doc: FlowSpecDocument, *, file: str) -> DocumentFacts:
    """Check one syncable document (see the module docstring for the rules)."""
    check = _Checker(file)
    kind = doc.kind
    for w, workflow in enumerate(doc.workflows):
        _workflow(check, workflow, f"$.spec.workflows[{w}]", kind)
    return check.facts


def _workflow(check: _Checker, wf: FlowSpecWorkflow, path: str, kind: str) -> None:
    if not wf.name or not wf.name.strip():
        check.add(f"{path}.name", "workflow has no name", "every workflow needs a name")
    if wf.script is not None:
        command = wf.script.runtime.command if wf.script.runtime else None
        if command is not None and command != "WORKFLOW":
            check.add(f"{path}.script.runtime.command", f"{command!r} on a workflow", "a workflow runs WORKFLOW")
        check.script_parameters(f"{path}.script", wf.script)
    if wf.trigger is not None:
        check.trigger(f"{path}.trigger", wf.trigger)
        expected = "Manual" if kind == "ManualWorkflow" else "Scheduler"
        if wf.trigger.type is not None and wf.trigger.type in TRIGGER_TYPE and wf.trigger.type != expected:
            check.add(f"{path}.trigger.type", f"{wf.trigger.type} trigger on a {kind}", f"use {expected}", "warning")
        if kind == "CycleWorkflow" and wf.trigger.cron is None:
            check.add(f"{path}.trigger.cron", "scheduled workflow has no cron", CRON_FORMAT, "warning")
    if wf.strategy is not None:
        s, sp = wf.strategy, f"{path}.strategy"
        check.enum(f"{sp}.instanceMode", s.instance_mode, INSTANCE_MODE)
        check.enum(f"{sp}.rerunMode", s.rerun_mode, RERUN_MODE)
        check.enum(f"{sp}.failureStrategy", s.failure_strategy, FAILURE_STRATEGY)
        for wire, value in (("timeout", s.timeout), ("rerunTimes", s.rerun_times), ("rerunInterval", s.rerun_interval)):
            check.non_negative(f"{sp}.{wire}", value)
    check.tags(f"{path}.tags", wf.tags or ())
    for data, out_path in _output_paths(wf.outputs, f"{path}.outputs"):
        check.facts.outputs.append(OutputDecl(data, out_path))
    nodes = wf.nodes or []
    resolver = _nodes(check, nodes, path)
    _dependencies(check, wf, path, resolver, nodes)


@dataclass
class _Resolver:
    by_ref: dict[str, int] = field(default_factory=dict)  # node id or name → node index
    by_output: dict[str, int] = field(default_factory=dict)  # node id or declared output → node index


def _nodes(check: _Checker, nodes: list[FlowSpecNode], path: str) -> _Resolver:
    resolver = _Resolver()
    names: dict[str, int] = {}
    ids: dict[str, int] = {}
    for n, node in enumerate(nodes):
        np = f"{path}.nodes[{n}]"
        if not node.name or not node.name.strip():
            check.add(f"{np}.name", "node has no name", "tasks are matched by name; give every node a unique name")
        elif node.name in names:
            check.add(f"{np}.name", f"node name {node.name!r} is also used by nodes[{names[node.name]}]", "rename one")
        else:
            names[node.name] = n
        if node.id:
            if node.id in ids:
                check.add(f"{np}.id", f"node id {node.id!r} is also used by nodes[{ids[node.id]}]", "ids are unique")
            else:
                ids[node.id] = n
                check.facts.outputs.append(OutputDecl(node.id.strip(), f"{np}.id", is_node_id=True))
        _node(check, node, np)
        for data, out_path in _output_paths(node.outputs, f"{np}.outputs"):
            if data in resolver.by_output and resolver.by_output[data] != n:
                other = resolver.by_output[data]
                check.add(out_path, f"output {data!r} is also declared by nodes[{other}]", "outputs are unique")
            resolver.by_output.setdefault(data, n)
            if data != (node.id or "").strip():
                check.facts.outputs.append(OutputDecl(data, out_path))
    for name, n in names.items():
        resolver.by_ref.setdefault(name.strip(), n)
    for node_id, n in ids.items():
        resolver.by_ref[node_id.strip()] = n  # an id wins over a name, as in to_model
        resolver.by_output.setdefault(node_id.strip(), n)
    return resolver


def _node(check: _Checker, node: FlowSpecNode, np: str) -> None:
    if node.script is None:
        check.add(f"{np}.script", "node has no script", "add script: {runtime: {command: ODPS_SQL}, content: ...}")
    elif check.object_not_ref(f"{np}.script", node.script) and isinstance(node.script, FlowSpecScript):
        if not (node.script.runtime and node.script.runtime.command):
            check.add(f"{np}.script.runtime.command", "node has no type", "set script.runtime.command, e.g. ODPS_SQL")
        check.script_parameters(f"{np}.script", node.script)
    if node.trigger is not None and check.object_not_ref(f"{np}.trigger", node.trigger):
        trigger = node.trigger_object()
        if trigger is not None:
            check.trigger(f"{np}.trigger", trigger)
    if node.runtime_resource is not None:
        check.object_not_ref(f"{np}.runtimeResource", node.runtime_resource)
    check.enum(f"{np}.recurrence", node.recurrence, RECURRENCE)
    check.enum(f"{np}.instanceMode", node.instance_mode, INSTANCE_MODE)
    check.enum(f"{np}.rerunMode", node.rerun_mode, RERUN_MODE)
    for wire, value in (("timeout", node.timeout), ("rerunTimes", node.rerun_times)):
        check.non_negative(f"{np}.{wire}", value)
    check.non_negative(f"{np}.rerunInterval", node.rerun_interval)
    check.tags(f"{np}.tags", node.tags or ())


def _dependencies(
    check: _Checker, wf: FlowSpecWorkflow, path: str, resolver: _Resolver, nodes: list[FlowSpecNode]
) -> None:
    edges: dict[int, list[tuple[int, str]]] = {}  # downstream → [(upstream, json path)]
    entries: dict[int, int] = {}
    for d, dep in enumerate(wf.dependencies or ()):
        dp = f"{path}.dependencies[{d}]"
        ref = (dep.node_id or "").strip()
        down = resolver.by_ref.get(ref)
        if not ref:
            check.add(f"{dp}.nodeId", "dependency has no nodeId", "nodeId names the downstream node (id or name)")
        elif down is None:
            check.add(f"{dp}.nodeId", f"no node {ref!r} in this workflow", _names_hint(nodes))
        elif down in entries:
            check.add(f"{dp}.nodeId", f"node {ref!r} already has dependencies[{entries[down]}]", "merge the entries")
        else:
            entries[down] = d
        for u, depend in enumerate(dep.depends or ()):
            up_path = f"{dp}.depends[{u}]"
            check.enum(f"{up_path}.type", depend.type, DEPENDENCY_TYPE)
            dep_type = depend.type or "Normal"
            output = (depend.output or "").strip()
            if not output:
                if dep_type in NEEDS_OUTPUT:
                    check.add(f"{up_path}.output", f"{dep_type} dependency has no output", "output names the upstream")
                continue
            upstream = resolver.by_output.get(output)
            if upstream is None:
                if output in resolver.by_ref:
                    name = nodes[resolver.by_ref[output]].name
                    check.add(
                        f"{up_path}.output",
                        f"{output!r} is a node name, not an output",
                        f"depend on an output of node {name!r}: its id or an outputs.nodeOutputs[].data it declares",
                    )
                else:
                    check.facts.external.append(ExternalRef(output, f"{up_path}.output"))
            elif dep_type == "Normal" and down is not None:
                edges.setdefault(down, []).append((upstream, dp))
    _cycles(check, edges, nodes)


def _names_hint(nodes: list[FlowSpecNode]) -> str:
    names = [n.name for n in nodes if n.name][:8]
    return f"nodeId is a node's id or name; nodes here: {', '.join(names)}" if names else "this workflow has no nodes"


def _cycles(check: _Checker, edges: dict[int, list[tuple[int, str]]], nodes: list[FlowSpecNode]) -> None:
    """Report each cycle of Normal dependencies once, naming its nodes in order."""
    state: dict[int, int] = {}  # 1 on the stack, 2 done
    stack: list[int] = []

    def label(n: int) -> str:
        return nodes[n].name or nodes[n].id or f"nodes[{n}]"

    def visit(start: int) -> None:
        # Iterative DFS: a 10,000-node chain must not hit the recursion limit.
        work: list[tuple[int, int]] = [(start, 0)]
        while work:
            node, index = work.pop()
            if index == 0:
                state[node] = 1
                stack.append(node)
            ups = edges.get(node, [])
            if index < len(ups):
                work.append((node, index + 1))
                up, dep_path = ups[index]
                if state.get(up) == 1:
                    cycle = [*stack[stack.index(up) :], up]
                    check.add(
                        dep_path,
                        "dependency cycle: " + " → ".join(label(n) for n in reversed(cycle)),
                        "a Normal dependency chain must not lead back to itself; remove one edge",
                    )
                elif up not in state:
                    work.append((up, 0))
            else:
                state[node] = 2
                stack.pop()

    for node in sorted(edges):
        if node not in state:
            visit(node)


def _output_paths(outputs: FlowSpecOutputs | None, path: str) -> Iterable[tuple[str, str]]:
    """(stripped output string, JSON path of its ``data``) for every declared output."""
    if outputs is None:
        return
    for wire, items in (("nodeOutputs", outputs.node_outputs), ("outputs", outputs.outputs)):
        for i, item in enumerate(items or ()):
            if item.data and item.data.strip():
                yield item.data.strip(), f"{path}.{wire}[{i}].data"
