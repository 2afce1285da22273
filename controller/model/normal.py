"""Canonical renderings of the model: ``normalise`` and the per-field rules it applies.

Pipeline position: inside the model package (see ``controller.model``); every adapter ends with
:func:`normalise`, and ``reconcile.diff`` applies it again to both sides before comparing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from controller.model.values import (
    OWNERSHIP_TAG_PREFIX,
    Dependency,
    FrozenMap,
    RuntimeResource,
    Script,
    TaskModel,
    TaskTrigger,
    Variable,
    WorkflowModel,
)

__all__ = [
    "is_default_output",
    "normalise",
    "normalise_content",
    "normalise_cron",
    "normalise_text",
    "normalise_time",
    "with_default_owner",
]


# --- default outputs ---------------------------------------------------------------------------

#: A DataWorks object id: 16+ decimal digits (definition and node ids are 19-digit strings).
_DATAWORKS_ID = re.compile(r"\d{16,}")


def is_default_output(output: str, own_id: str | None = None) -> bool:
    """True for an output string that is a node's (or workflow's) *default* output: its own id.

    DataWorks gives every node an output equal to its id and rewrites ids it does not know on
    import, so Git (placeholder or stale ids), the definition (server ids) and the scheduler (which
    cannot say which id is whose) would never agree on these strings. They are implied by the
    node's existence, so the model leaves them out on every side: an output equal to ``own_id``
    (where the adapter knows it) or shaped like a DataWorks id. Outputs users name
    (``project.table_out``) stay. ``UpdateWorkflow`` requests echo the live default outputs back.

    >>> is_default_output("7429810016123251234"), is_default_output("742981001612325XXXX", "742981001612325XXXX")
    (True, True)
    >>> is_default_output("sales.dwd_orders_out")
    False
    """
    text = output.strip()
    return (own_id is not None and text == own_id.strip()) or _DATAWORKS_ID.fullmatch(text) is not None


# --- canonical renderings ----------------------------------------------------------------------

_DIGITS = re.compile(r"(/?)(\d+)")


def _cron_field(text: str, *, two_digit: bool) -> str:
    def render(match: re.Match[str]) -> str:
        slash, digits = match.group(1), int(match.group(2))
        # Step increments ("*/5") are counts, not clock values: never padded.
        if two_digit and not slash:
            return f"{digits:02d}"
        return f"{slash}{digits}"

    return _DIGITS.sub(render, text.upper())


def normalise_cron(cron: str) -> str:
    """DataWorks' rendering of a cron: single spaces, clock fields two-digit, other numbers plain.

    Numbers are compared as numbers, so ``0 0 2 * * ?`` and ``00 00 02 * * ?`` are one schedule. In
    the 6/7-field Quartz form DataWorks writes (``ss mm HH dd MM ? [yyyy]``) seconds, minutes and
    hours are padded to two digits as the console does; day, month, weekday, year and step
    increments are plain integers. Names (``MON``, ``L``, ``W``) are upper-cased.

    >>> normalise_cron(" 0  0 2 * * ? ")
    '00 00 02 * * ?'
    >>> normalise_cron("00 */30 0-23 01 * ?")
    '00 */30 00-23 1 * ?'
    """
    fields = cron.split()
    quartz = len(fields) >= 6
    return " ".join(_cron_field(f, two_digit=quartz and i < 3) for i, f in enumerate(fields))


def normalise_text(value: str) -> str:
    """Whitespace-normalise a parameter value: trimmed, runs of whitespace become one space.

    DataWorks stores workflow and script parameters as one space-joined ``name=value`` string, so
    whitespace inside a value cannot survive a round trip anyway.

    >>> normalise_text("  $[yyyymmdd   -1] ")
    '$[yyyymmdd -1]'
    """
    return " ".join(value.split())


def normalise_time(value: str) -> str:
    """``2023-01-01T00:00:00`` → ``2023-01-01 00:00:00`` (DataWorks' wall-clock form), trimmed.

    >>> normalise_time("2023-01-01T00:00:00")
    '2023-01-01 00:00:00'
    """
    return " ".join(value.replace("T", " ").split())


def normalise_content(content: str) -> str:
    """Script bodies: line endings become LF, a leading BOM and trailing whitespace at EOF go.

    Why only these: they are what editors, Git (``core.autocrlf``) and the DataWorks console change
    without anyone meaning to — a Windows checkout turns LF into CRLF, an editor adds or drops the
    final newline, the console trims it. Everything *inside* the body is kept byte for byte:
    indentation is syntax in Python, trailing spaces can sit inside SQL string literals or shell
    heredocs, and a diff that hides a real edit is worse than one that shows a dull one.

    >>> normalise_content("select 1;\\r\\nselect 2;  \\r\\n\\r\\n")
    'select 1;\\nselect 2;'
    """
    return content.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").rstrip()


def _text_map(values: Mapping[str, str]) -> FrozenMap[str, str]:
    return FrozenMap((name.strip(), normalise_text(value)) for name, value in values.items())


def _tags(values: Mapping[str, str]) -> FrozenMap[str, str]:
    return FrozenMap(
        (key.strip(), value.strip())
        for key, value in values.items()
        if not key.strip().startswith(OWNERSHIP_TAG_PREFIX)
    )


def _variables(values: Mapping[str, Variable]) -> FrozenMap[str, Variable]:
    return FrozenMap(
        (name.strip(), Variable(type=var.type.strip(), value=normalise_text(var.value)))
        for name, var in values.items()
    )


def _task(task: TaskModel) -> TaskModel:
    return dataclasses.replace(
        task,
        type=task.type.strip(),
        owner=task.owner.strip(),
        description=task.description.strip(),
        script=Script(content=normalise_content(task.script.content), parameters=_text_map(task.script.parameters)),
        trigger=TaskTrigger(type=task.trigger.type.strip(), cron=normalise_cron(task.trigger.cron)),
        runtime_resource=RuntimeResource(
            resource_group=task.runtime_resource.resource_group.strip(),
            cu=_decimal(task.runtime_resource.cu),
            image=task.runtime_resource.image.strip(),
        ),
        data_source=task.data_source.strip(),
        dependencies=frozenset(Dependency(d.type.strip(), d.upstream.strip()) for d in task.dependencies),
        input_variables=_variables(task.input_variables),
        outputs=frozenset(o.strip() for o in task.outputs),
        output_variables=_variables(task.output_variables),
        tags=_tags(task.tags),
    )


def _decimal(value: str) -> str:
    """Compute units as a plain decimal: ``"1.0"``, ``"1"`` and ``1`` are the same size."""
    text = value.strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return format(number.normalize(), "f")


def normalise(model: WorkflowModel) -> WorkflowModel:
    """The canonical rendering of ``model``; idempotent (``normalise(normalise(m)) == normalise(m)``).

    Crons via :func:`normalise_cron`, times via :func:`normalise_time`, parameter and variable
    values via :func:`normalise_text`, script bodies via :func:`normalise_content`, compute units
    as plain decimals, names and free text trimmed, ownership tags dropped.

    >>> from controller.model import Trigger
    >>> a = WorkflowModel(name="wf", trigger=Trigger(cron="0 0 2 * * ?"))
    >>> b = WorkflowModel(name="wf", trigger=Trigger(cron="00 00 02 * * ?"))
    >>> normalise(a) == normalise(b)
    True
    """
    trigger = model.trigger
    return dataclasses.replace(
        model,
        name=model.name.strip(),
        owner=model.owner.strip(),
        description=model.description.strip(),
        trigger=dataclasses.replace(
            trigger,
            type=trigger.type.strip(),
            cron=normalise_cron(trigger.cron),
            start_time=normalise_time(trigger.start_time),
            end_time=normalise_time(trigger.end_time),
            timezone=trigger.timezone.strip(),
        ),
        parameters=_text_map(model.parameters),
        tags=_tags(model.tags),
        outputs=frozenset(o.strip() for o in model.outputs),
        tasks=FrozenMap((name.strip(), _task(task)) for name, task in model.tasks.items()),
    )


def with_default_owner(model: WorkflowModel, owner: str) -> WorkflowModel:
    """``model`` with every owner Git left unset (``""``) given ``owner`` — DataWorks' default.

    DataWorks makes the calling account the owner of a workflow whose spec names none, and a node
    without an owner inherits the workflow's. Git cannot know that account, so the reconciler
    passes the live workflow's owner here (the same as ``model_from_flowspec(default_owner=…)``)
    and an absent owner never shows as drift. Owners Git does name are kept.

    >>> wf = WorkflowModel(name="wf", tasks=FrozenMap({"a": TaskModel(type="X"), "b": TaskModel(type="X", owner="7")}))
    >>> filled = with_default_owner(wf, "42")
    >>> filled.owner, filled.tasks["a"].owner, filled.tasks["b"].owner
    ('42', '42', '7')
    """
    effective = model.owner.strip() or owner
    return dataclasses.replace(
        model,
        owner=effective,
        tasks=FrozenMap(
            (name, task if task.owner.strip() else dataclasses.replace(task, owner=effective))
            for name, task in model.tasks.items()
        ),
    )
