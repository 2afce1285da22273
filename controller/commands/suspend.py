"""``dataworks-gitops suspend SOURCE`` / ``resume SOURCE``: freeze a source during an incident, as
``flux suspend`` does. Kept in the store, so the daemon sees it on its next trigger or interval,
and shown as ``Suspended`` in status and metrics."""

from __future__ import annotations

import argparse

from controller.commands.common import guarded, load
from controller.commands.runner import pick_sources
from controller.store import Store


@guarded
def command(args: argparse.Namespace) -> int:
    """Suspend or resume one source."""
    config = load(args)
    (source,) = pick_sources(config, [args.source])
    suspended = args.verb == "suspend"
    with Store.open(config.state_dir) as store:
        store.set_suspended(source.name, suspended)
    print(f"source {source.name} {'suspended' if suspended else 'resumed'}")
    return 0
