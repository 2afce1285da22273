"""The values of the canonical model: server defaults, ``FrozenMap`` and the frozen dataclasses.

Pipeline position: the bottom of the model package (see ``controller.model``); imported by the
adapters that build models and by the diff that compares them. No behaviour beyond construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final, Generic, Literal, TypeVar

__all__ = [
    "DEFAULT_END_TIME",
    "DEFAULT_FAILURE_STRATEGY",
    "DEFAULT_INSTANCE_MODE",
    "DEFAULT_RECURRENCE",
    "DEFAULT_RERUN_INTERVAL_SECONDS",
    "DEFAULT_RERUN_MODE",
    "DEFAULT_RERUN_TIMES",
    "DEFAULT_START_TIME",
    "DEFAULT_TIMEZONE",
    "OWNERSHIP_TAG_PREFIX",
    "Dependency",
    "FrozenMap",
    "RuntimeResource",
    "Script",
    "Strategy",
    "TaskModel",
    "TaskTrigger",
    "Trigger",
    "Variable",
    "WorkflowKind",
    "WorkflowModel",
]

# --- server defaults (contracts.md, "Server-side defaults") ------------------------------------

DEFAULT_START_TIME: Final = "1970-01-01 00:00:00"
DEFAULT_END_TIME: Final = "9999-01-01 00:00:00"
DEFAULT_TIMEZONE: Final = "Asia/Shanghai"
DEFAULT_INSTANCE_MODE: Final = "T+1"
DEFAULT_RERUN_MODE: Final = "Allowed"
DEFAULT_RERUN_TIMES: Final = 3
DEFAULT_RERUN_INTERVAL_SECONDS: Final = 180
DEFAULT_FAILURE_STRATEGY: Final = "Break"
DEFAULT_RECURRENCE: Final = "Normal"
#: Tag keys with this prefix are the controller's ownership marks: never part of the model.
OWNERSHIP_TAG_PREFIX: Final = "dataworks-gitops"

WorkflowKind = Literal["CycleWorkflow", "ManualWorkflow"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """An immutable, hashable mapping; equal to any mapping with the same items.

    >>> FrozenMap({"b": 1, "a": 2}) == FrozenMap([("a", 2), ("b", 1)])
    True
    >>> hash(FrozenMap({"a": 1})) == hash(FrozenMap({"a": 1}))
    True
    """

    __slots__ = ("_hash", "_items")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._items: dict[K, V] = dict(items)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


# --- the model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    """A workflow's schedule. ``cron`` is DataWorks' 6-field form, rendered by :func:`normalise_cron`."""

    type: str = "Scheduler"
    cron: str = ""
    start_time: str = DEFAULT_START_TIME
    end_time: str = DEFAULT_END_TIME
    timezone: str = DEFAULT_TIMEZONE
    delay_seconds: int = 0


@dataclass(frozen=True)
class Strategy:
    """A workflow's run policy. ``rerun_mode`` uses FlowSpec's words (``Allowed``/``Denied``/``FailureAllowed``)."""

    timeout: int = 0
    instance_mode: str = DEFAULT_INSTANCE_MODE
    rerun_mode: str = DEFAULT_RERUN_MODE
    rerun_times: int = DEFAULT_RERUN_TIMES
    rerun_interval_seconds: int = DEFAULT_RERUN_INTERVAL_SECONDS
    failure_strategy: str = DEFAULT_FAILURE_STRATEGY


@dataclass(frozen=True)
class TaskTrigger:
    """A task's own trigger: its type and cron (the workflow's when the node sets none)."""

    type: str = "Scheduler"
    cron: str = ""


@dataclass(frozen=True)
class RuntimeResource:
    """Where a task runs: resource group identifier, compute units (decimal string) and image id."""

    resource_group: str = ""
    cu: str = ""
    image: str = ""


@dataclass(frozen=True)
class Script:
    """A task's code and its script parameters (name → value)."""

    content: str = ""
    parameters: FrozenMap[str, str] = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class Variable:
    """A context variable of a task (``inputs.variables`` / ``outputs.variables``), keyed by name."""

    type: str = "Constant"
    value: str = ""


@dataclass(frozen=True, order=True)
class Dependency:
    """One upstream of a task: ``(type, upstream)``.

    ``upstream`` is ``task:<name>`` when it resolves to a task of the same workflow, otherwise
    ``output:<output string>`` (an output of another workflow, or one nobody here declares).

    >>> Dependency("Normal", "task:ods_sales")
    Dependency(type='Normal', upstream='task:ods_sales')
    """

    type: str
    upstream: str


@dataclass(frozen=True)
class TaskModel:
    """One task (FlowSpec node) of a workflow, matched by name between Git and DataWorks."""

    type: str
    owner: str = ""
    description: str = ""
    script: Script = field(default_factory=Script)
    rerun_mode: str = DEFAULT_RERUN_MODE
    rerun_times: int = DEFAULT_RERUN_TIMES
    rerun_interval_seconds: int = DEFAULT_RERUN_INTERVAL_SECONDS
    timeout: int = 0
    instance_mode: str = DEFAULT_INSTANCE_MODE
    recurrence: str = DEFAULT_RECURRENCE
    trigger: TaskTrigger = field(default_factory=TaskTrigger)
    runtime_resource: RuntimeResource = field(default_factory=RuntimeResource)
    data_source: str = ""
    dependencies: frozenset[Dependency] = frozenset()
    input_variables: FrozenMap[str, Variable] = field(default_factory=FrozenMap)
    outputs: frozenset[str] = frozenset()
    output_variables: FrozenMap[str, Variable] = field(default_factory=FrozenMap)
    tags: FrozenMap[str, str] = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class WorkflowModel:
    """A whole workflow as the controller compares it: its own fields and its tasks keyed by name.

    >>> wf = WorkflowModel(name="daily_sales", kind="CycleWorkflow", owner="1234567890123456")
    >>> wf.trigger.start_time, wf.strategy.rerun_interval_seconds
    ('1970-01-01 00:00:00', 180)
    """

    name: str
    kind: WorkflowKind = "CycleWorkflow"
    owner: str = ""
    description: str = ""
    trigger: Trigger = field(default_factory=Trigger)
    strategy: Strategy = field(default_factory=Strategy)
    parameters: FrozenMap[str, str] = field(default_factory=FrozenMap)
    tags: FrozenMap[str, str] = field(default_factory=FrozenMap)
    outputs: frozenset[str] = frozenset()
    tasks: FrozenMap[str, TaskModel] = field(default_factory=FrozenMap)
