"""What an operation is to the simulator: its name, HTTP method, where its fields go, its handler.

``definitions.py``, ``deploy.py``, ``scheduler.py`` and ``workspace.py`` each export ``OPERATIONS``;
``app.py`` dispatches on ``x-acs-action`` through the union of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from controller.simulator.knobs import Knobs
from controller.simulator.state import World
from controller.simulator.wire import Params


@dataclass(frozen=True)
class Call:
    """One admitted, decoded API call as a handler sees it."""

    world: World
    params: Params
    knobs: Knobs
    now: float


Handler = Callable[[Call], dict[str, Any]]


class Operation(NamedTuple):
    """An API operation: GET reads every field from the query; POST reads the form body except
    ``query_fields`` (e.g. ``DeleteWorkflow.Id``), exactly as SDK 9.11.0 places them."""

    name: str
    method: str
    handler: Handler
    query_fields: frozenset[str] = frozenset()
