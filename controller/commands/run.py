"""``dataworks-gitops run``: the controller as a long-running service (a pod, or a systemd unit).

Logging follows the config's ``log`` section unless ``--log-level``/``--log-format`` are given.
Exit 0 after a clean SIGTERM/SIGINT; 1 when the config is invalid or the port cannot be bound.
"""

from __future__ import annotations

import argparse
import asyncio

from controller import logs
from controller.commands.common import guarded, load, make_client
from controller.commands.runner import GitSources
from controller.config import Config
from controller.daemon import Daemon, Wiring
from controller.store import Store


async def serve(config: Config) -> int:
    """Build the daemon from the config and serve until stopped."""
    store = Store.open(config.state_dir)
    try:
        git = GitSources(config.state_dir)
        async with make_client(config) as client:
            daemon = Daemon(Wiring(config=config, client=client, store=store, fetch=git.checkout,
                                   fetch_seconds=git.fetch_seconds))
            return await daemon.serve()
    finally:
        store.close()


@guarded
def command(args: argparse.Namespace) -> int:
    """Run the daemon."""
    config = load(args)
    level = args.log_level if args.log_level != "info" else config.log.level
    fmt = args.log_format if args.log_format != "auto" else config.log.format
    logs.configure(level, fmt)
    return asyncio.run(serve(config))
