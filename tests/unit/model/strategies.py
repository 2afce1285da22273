"""Hypothesis strategies that generate canonical WorkflowModels (and ways to change one field)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

from controller.model import (
    Dependency,
    FrozenMap,
    RuntimeResource,
    Script,
    Strategy,
    TaskModel,
    TaskTrigger,
    Trigger,
    Variable,
    WorkflowModel,
    normalise,
)

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=10)
#: Free text with the whitespace and line endings that normalisation must absorb.
TEXT = st.text(alphabet="ab $[]{}=-/_\t\n\r", max_size=20)
WORDS = st.sampled_from(["", "Normal", "T+1", "Immediately", "Allowed", "Denied", "odps_first", "0.5", "1.0"])
CRONS = st.one_of(
    st.sampled_from(
        ["", "00 00 02 * * ?", "0 0 2 * * ?", " 00  30 03 * * ? ", "00 */30 00-23 * * ?", "0 0 1 1,15 * ?"]
    ),
    st.tuples(st.integers(0, 59), st.integers(0, 59), st.integers(0, 23)).map(lambda t: f"{t[0]} {t[1]} {t[2]} * * ?"),
)
CONTENT = st.one_of(
    st.text(alphabet="SELECT *;\n\r \tfrom_x1", max_size=60),
    st.lists(st.sampled_from(["select 1;", "  where a = 1", "", "-- c", "print('x')  "]), max_size=8).map("\r\n".join),
)
COUNTS = st.integers(min_value=0, max_value=10_000)
DEPENDENCY_TYPES = st.sampled_from(["Normal", "CrossCycleDependsOnSelf"])


def _map(keys: st.SearchStrategy[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[FrozenMap[str, Any]]:
    return st.dictionaries(keys, values, max_size=3).map(FrozenMap)


VARIABLES = _map(NAMES, st.builds(Variable, type=st.sampled_from(["Constant", "System", "NodeOutput"]), value=TEXT))
TAGS = _map(st.one_of(NAMES, st.just("dataworks-gitops.source")), TEXT)


@st.composite
def tasks(draw: st.DrawFn, upstream_names: list[str]) -> TaskModel:
    """One task whose dependencies may point at ``upstream_names`` or at outputs elsewhere."""
    upstreams = st.one_of(
        st.sampled_from(upstream_names).map(lambda n: f"task:{n}") if upstream_names else st.nothing(),
        NAMES.map(lambda o: f"output:crm.{o}_out"),
    )
    return TaskModel(
        type=draw(st.sampled_from(["ODPS_SQL", "DIDE_SHELL", "PYODPS3"])),
        owner=draw(st.sampled_from(["", "200012345678", " 200098765432 "])),
        description=draw(TEXT),
        script=Script(content=draw(CONTENT), parameters=draw(_map(NAMES, TEXT))),
        rerun_mode=draw(st.sampled_from(["Allowed", "Denied", "FailureAllowed"])),
        rerun_times=draw(COUNTS),
        rerun_interval_seconds=draw(COUNTS),
        timeout=draw(COUNTS),
        instance_mode=draw(st.sampled_from(["T+1", "Immediately"])),
        recurrence=draw(st.sampled_from(["Normal", "Skip", "Pause"])),
        trigger=TaskTrigger(type=draw(st.sampled_from(["Scheduler", "Manual"])), cron=draw(CRONS)),
        runtime_resource=RuntimeResource(resource_group=draw(WORDS), cu=draw(WORDS), image=draw(WORDS)),
        data_source=draw(WORDS),
        dependencies=frozenset(
            draw(st.lists(st.builds(Dependency, type=DEPENDENCY_TYPES, upstream=upstreams), max_size=3))
        ),
        input_variables=draw(VARIABLES),
        outputs=frozenset(draw(st.lists(NAMES.map(lambda o: f"sales.{o}_out"), max_size=2))),
        output_variables=draw(VARIABLES),
        tags=draw(TAGS),
    )


@st.composite
def workflow_models(draw: st.DrawFn) -> WorkflowModel:
    """A whole workflow with up to four tasks."""
    names = draw(st.lists(NAMES, max_size=4, unique=True))
    task_map = {name: draw(tasks([n for n in names if n != name])) for name in names}
    return WorkflowModel(
        name=draw(NAMES),
        kind=draw(st.sampled_from(["CycleWorkflow", "ManualWorkflow"])),
        owner=draw(st.sampled_from(["", "200012345678"])),
        description=draw(TEXT),
        trigger=Trigger(
            type=draw(st.sampled_from(["Scheduler", "Manual"])),
            cron=draw(CRONS),
            start_time=draw(st.sampled_from(["1970-01-01 00:00:00", "2024-01-01T00:00:00"])),
            end_time=draw(st.sampled_from(["9999-01-01 00:00:00", "2030-12-31 23:59:59"])),
            timezone=draw(st.sampled_from(["Asia/Shanghai", "UTC"])),
            delay_seconds=draw(COUNTS),
        ),
        strategy=Strategy(
            timeout=draw(COUNTS),
            instance_mode=draw(st.sampled_from(["T+1", "Immediately"])),
            rerun_mode=draw(st.sampled_from(["Allowed", "Denied", "FailureAllowed"])),
            rerun_times=draw(COUNTS),
            rerun_interval_seconds=draw(COUNTS),
            failure_strategy=draw(st.sampled_from(["Break", "Continue"])),
        ),
        parameters=draw(_map(NAMES, TEXT)),
        tags=draw(TAGS),
        outputs=frozenset(draw(st.lists(NAMES.map(lambda o: f"sales.{o}_out"), max_size=2))),
        tasks=FrozenMap(task_map),
    )


# --- changing exactly one field --------------------------------------------------------------------


def replace_at(value: Any, segments: tuple[str, ...], new: Any) -> Any:
    """``value`` with the thing at ``segments`` replaced by ``new`` (dataclasses and FrozenMaps)."""
    if not segments:
        return new
    head, rest = segments[0], segments[1:]
    if isinstance(value, FrozenMap):
        items = dict(value)
        items[head] = replace_at(items[head], rest, new) if head in items else new
        return FrozenMap(items)
    return dataclasses.replace(value, **{head: replace_at(getattr(value, head), rest, new)})


def _changed(value: Any) -> Any:
    """A value that normalises differently from (already normalised) ``value``."""
    if isinstance(value, bool):
        raise TypeError("no booleans in the model")
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return {"CycleWorkflow": "ManualWorkflow", "ManualWorkflow": "CycleWorkflow"}.get(value, value + "Q")
    if isinstance(value, frozenset):
        return value | {"zz.changed_out"}
    raise TypeError(type(value))


def mutations(model: WorkflowModel) -> Iterator[tuple[tuple[str, ...], str, Callable[[], WorkflowModel]]]:
    """Every single-field change of a NORMALISED model: (path segments, change kind, build)."""

    def walk(value: Any, at: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str, Callable[[], WorkflowModel]]]:
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                yield from walk(getattr(value, f.name), (*at, f.name))
        elif isinstance(value, FrozenMap):
            extra: Any = {"tasks": TaskModel(type="ODPS_SQL")}.get(at[-1], "zz")
            if at[-1].endswith("variables"):
                extra = Variable("Constant", "zz")
            yield (*at, "zz_new"), "added", (lambda at=at, extra=extra: replace_at(model, (*at, "zz_new"), extra))
            for key, item in value.items():
                yield from walk(item, (*at, key))
        else:
            leaf = at[-1]
            if leaf == "dependencies":
                new: Any = value | {Dependency("Normal", "output:zz.changed_out")}
            else:
                new = _changed(value)
            yield at, "changed", (lambda at=at, new=new: replace_at(model, at, new))

    yield from walk(model, ())


# --- the same model, rendered differently ----------------------------------------------------------


def _unpad(cron: str) -> str:
    """``00 00 02 * * ?`` → ``0  0 2 * * ?``: the same schedule, written by hand."""
    return "  ".join(re.sub(r"\b0(\d)\b", r"\1", field) for field in cron.split())


def _spaced(value: str) -> str:
    return f"  {value.replace(' ', '   ')} "


def _rerendered_task(task: TaskModel) -> TaskModel:
    resource = task.runtime_resource
    return dataclasses.replace(
        task,
        owner=f" {task.owner}",
        description=task.description + "\n",
        script=Script(
            content="\ufeff" + task.script.content.replace("\n", "\r\n") + "\r\n  \n",
            parameters=FrozenMap({k: _spaced(v) for k, v in task.script.parameters.items()}),
        ),
        trigger=dataclasses.replace(task.trigger, cron=_unpad(task.trigger.cron)),
        runtime_resource=dataclasses.replace(resource, cu=resource.cu + "0" if "." in resource.cu else resource.cu),
        input_variables=FrozenMap(
            {k: dataclasses.replace(v, value=_spaced(v.value)) for k, v in task.input_variables.items()}
        ),
        tags=FrozenMap({**task.tags, "dataworks-gitops.source": "repo"}),
    )


def rerendered(model: WorkflowModel) -> WorkflowModel:
    """``model`` as another side might render it: unpadded crons, CRLF, extra whitespace, ``T`` in
    times, ``0.50`` CUs, ownership tags — every difference normalisation must absorb."""
    base = normalise(model)
    return dataclasses.replace(
        base,
        description=base.description + "\n",
        trigger=dataclasses.replace(
            base.trigger, cron=_unpad(base.trigger.cron), start_time=base.trigger.start_time.replace(" ", "T")
        ),
        parameters=FrozenMap({k: _spaced(v) for k, v in base.parameters.items()}),
        tags=FrozenMap({**base.tags, "dataworks-gitops": "repo"}),
        tasks=FrozenMap({name: _rerendered_task(task) for name, task in base.tasks.items()}),
    )
