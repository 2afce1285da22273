"""What the scheduler says differently from FlowSpec: words, parameter strings, default outputs, blind spots.

Pipeline position: shared by ``adapters.scheduled`` (read) and ``adapters.update`` (write); pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from controller.dataworks.models import TaskOutput
from controller.model import FrozenMap, is_default_output

__all__ = [
    "SCHEDULER_UNOBSERVED",
    "SCHEDULER_UNREADABLE",
    "SCHEDULER_UNWRITABLE",
    "default_outputs",
    "format_parameters",
    "named_outputs",
    "parse_parameters",
    "rerun_mode_from_scheduler",
    "rerun_mode_to_scheduler",
]

#: Model paths GetWorkflow/GetTask cannot show at all: the adapter fills the documented defaults,
#: so a Git value other than the default would be false drift.
SCHEDULER_UNREADABLE: Final[tuple[str, ...]] = (
    "/trigger/timezone",
    "/trigger/delay_seconds",
    "/strategy",
)
#: Model paths GetTask shows but UpdateWorkflow cannot set (no task ``InstanceMode``, no task
#: ``Trigger.Cron`` in its request): drift there could never be healed by an update, so a source
#: applying through UpdateWorkflow would stay OutOfSync forever. Redeploying the definition
#: (``apply: import``) is what changes them.
SCHEDULER_UNWRITABLE: Final[tuple[str, ...]] = (
    "/tasks/*/instance_mode",
    "/tasks/*/trigger/cron",
)
#: What the reconciler adds to a source's ignore list when the live side is a scheduled workflow.
SCHEDULER_UNOBSERVED: Final[tuple[str, ...]] = SCHEDULER_UNREADABLE + SCHEDULER_UNWRITABLE

_RERUN_FROM_SCHEDULER: Final = {"AllAllowed": "Allowed", "AllDenied": "Denied", "FailureAllowed": "FailureAllowed"}
_RERUN_TO_SCHEDULER: Final = {v: k for k, v in _RERUN_FROM_SCHEDULER.items()}

#: ``name=`` at the start of the string or after whitespace starts a new parameter; anything else
#: (including spaces inside ``$[yyyy-mm-dd hh24:mi:ss]``) belongs to the value before it.
_PARAMETER_START: Final = re.compile(r"(?:^|\s+)([^\s=]+)=")


def rerun_mode_from_scheduler(mode: str | None) -> str:
    """Scheduler words → FlowSpec words; unknown values pass through so they show as drift.

    >>> rerun_mode_from_scheduler("AllAllowed"), rerun_mode_from_scheduler(None)
    ('Allowed', 'Allowed')
    """
    if not mode:
        return "Allowed"
    return _RERUN_FROM_SCHEDULER.get(mode, mode)


def rerun_mode_to_scheduler(mode: str) -> str:
    """FlowSpec words → scheduler words (``Denied`` → ``AllDenied``).

    >>> rerun_mode_to_scheduler("Denied")
    'AllDenied'
    """
    return _RERUN_TO_SCHEDULER.get(mode, mode)


def parse_parameters(text: str | None) -> FrozenMap[str, str]:
    """``"a=$bizdate b=$[yyyymmdd-1]"`` → ``{"a": "$bizdate", "b": "$[yyyymmdd-1]"}``.

    A value may contain spaces (``$[yyyy-mm-dd hh24:mi:ss]``): only ``name=`` after whitespace
    starts the next parameter. Text before the first ``name=`` is not a parameter and is dropped.

    >>> dict(parse_parameters("ds=$[yyyy-mm-dd hh24:mi:ss]  n=3 empty="))
    {'ds': '$[yyyy-mm-dd hh24:mi:ss]', 'n': '3', 'empty': ''}
    """
    if not text:
        return FrozenMap()
    starts = list(_PARAMETER_START.finditer(text))
    pairs: list[tuple[str, str]] = []
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        pairs.append((match.group(1), text[match.end() : end].strip()))
    return FrozenMap(pairs)


def format_parameters(parameters: Mapping[str, str]) -> str:
    """The scheduler's rendering: ``name=value`` pairs joined by one space, in spec order.

    >>> format_parameters({"a": "$bizdate", "b": "1"})
    'a=$bizdate b=1'
    """
    return " ".join(f"{name}={value}" for name, value in parameters.items())


def named_outputs(outputs: Iterable[TaskOutput]) -> frozenset[str]:
    """Output strings minus the default ones (ids), which the model leaves out on every side."""
    return frozenset(o.output for o in outputs if o.output and not is_default_output(o.output))


def default_outputs(outputs: Iterable[TaskOutput]) -> list[str]:
    """The live default outputs (ids) an update must send back so it does not delete them."""
    return [o.output for o in outputs if o.output and is_default_output(o.output)]
