"""``dataworks-gitops status``: the store's view — per source and per workflow status, last commit,
last drift and last error — without calling DataWorks or Git."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from controller.commands.common import colour, guarded, load, print_json
from controller.reconcile.status import status_document
from controller.store import Store


def _print(doc: dict[str, Any]) -> None:
    out = sys.stdout
    for src in doc["sources"]:
        commit = (src["last_commit"] or "")[:12] or "-"
        print(f"source {src['name']} ({src['ref']}:{src['path']}) {colour(src['status'], src['status'], out)}"
              f" commit {commit} last sync {src['last_sync'] or '-'}", file=out)
        if src["last_error"]:
            print(f"  error: {src['last_error']}", file=out)
        for wf in (w for w in doc["workflows"] if w["source"] == src["name"]):
            line = f"  {colour(wf['status'], wf['status'], out):<12} {wf['name']}  ({wf['path'] or wf['file']})"
            print(line + f"  commit {(wf['last_commit'] or '-')[:12]}", file=out)
            drift = wf["last_drift"]["changes"]
            if drift and wf["status"] != "Synced":
                print(f"      drift: {', '.join(c.get('path', '?') for c in drift)}", file=out)
            if wf["last_error"]:
                print(f"      error: {wf['last_error']}", file=out)


@guarded
def command(args: argparse.Namespace) -> int:
    """Print the store's status."""
    config = load(args)
    with Store.open(config.state_dir) as store:
        doc = status_document(config, store)
    if args.output == "json":
        print_json(doc)
    else:
        _print(doc)
    return 0
