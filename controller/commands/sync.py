"""``dataworks-gitops sync``: one run over all sources (or ``--source``), then exit.

Exit 0 when every workflow is Synced, 1 when anything failed or is still out of sync.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from controller.commands.common import guarded, load, print_json, render_run
from controller.commands.runner import pick_sources, source_names, sync_run


async def _sync(args: argparse.Namespace) -> int:
    config = load(args)
    sources = pick_sources(config, source_names(args))
    async with sync_run(config, dry_run=False) as run:
        result = await run.run(sources)
    if args.output == "json":
        print_json(result.to_json())
    else:
        render_run(result, sys.stdout, title="sync")
    return result.sync_exit_code()


@guarded
def command(args: argparse.Namespace) -> int:
    """Run ``sync``."""
    return asyncio.run(_sync(args))
