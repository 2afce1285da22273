"""``dataworks-gitops diff``: the plan without writing, like ``terraform plan -detailed-exitcode``.

Exit 0 in sync, 2 drift or pending changes, 1 error. Nothing is written to DataWorks; the store is
read (ownership, cached verdicts) but only sources' observations are not recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from controller.commands.common import guarded, load, print_json, render_run
from controller.commands.runner import pick_sources, source_names, sync_run


async def _diff(args: argparse.Namespace) -> int:
    config = load(args)
    sources = pick_sources(config, source_names(args))
    async with sync_run(config, dry_run=True) as run:
        result = await run.run(sources)
    if args.output == "json":
        print_json(result.to_json())
    else:
        render_run(result, sys.stdout, title="diff")
    return result.diff_exit_code()


@guarded
def command(args: argparse.Namespace) -> int:
    """Run ``diff``."""
    return asyncio.run(_diff(args))
