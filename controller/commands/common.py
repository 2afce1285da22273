"""What the CLI verbs share: loading the config, building the DataWorks client, printing results.

Pipeline position: the command layer, on top of everything; verbs turn a run's results into text
or JSON and into an exit code, and nothing below them prints.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from controller.config import Config, DataWorksSettings, load_config
from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import resolve_credentials, resolve_endpoint
from controller.dataworks.ratelimit import RateLimiter, TokenBucket
from controller.errors import GitOpsError
from controller.reconcile.results import RunResult, WorkflowResult

_COLOURS = {
    "Synced": "32",
    "OutOfSync": "33",
    "Progressing": "36",
    "Failed": "31",
    "Unknown": "35",
    "Suspended": "90",
    "added": "32",
    "removed": "31",
    "changed": "33",
}


def load(args: argparse.Namespace) -> Config:
    """The config named by ``--config``; a :class:`GitOpsError` carries the readable message."""
    return load_config(args.config)


def limiter_for(settings: DataWorksSettings) -> RateLimiter:
    """Client-side token buckets: one shared ``qps`` bucket, or read/write buckets when set."""
    if settings.read_qps is None and settings.write_qps is None:
        shared = TokenBucket(settings.qps, 1)
        return RateLimiter(shared, shared)
    return RateLimiter.from_qps(settings.read_qps or settings.qps, settings.write_qps or settings.qps)


def make_client(config: Config) -> DataWorksClient:
    """A client for the configured workspace; credentials from the environment or default chain."""
    settings = config.dataworks
    return DataWorksClient(
        endpoint=resolve_endpoint(settings.region, settings.endpoint, settings.protocol),
        credentials=resolve_credentials(),
        project_id=settings.project_id,
        env=settings.env,
        limiter=limiter_for(settings),
    )


def fail(message: str, stream: TextIO | None = None) -> int:
    """Print one clean error line (never a traceback) and return exit code 1."""
    print(f"dataworks-gitops: {message}", file=stream or sys.stderr)
    return 1


def colour(text: str, key: str, stream: TextIO) -> str:
    """Colour ``text`` for a terminal (and only for one; ``NO_COLOR`` turns it off)."""
    if not stream.isatty() or os.environ.get("NO_COLOR") or key not in _COLOURS:
        return text
    return f"\033[{_COLOURS[key]}m{text}\033[0m"


def print_json(document: Any, stream: TextIO | None = None) -> None:
    """Machine output: one JSON document on stdout."""
    print(json.dumps(document, indent=2, ensure_ascii=False, default=str), file=stream or sys.stdout)


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value if "\n" not in value and len(value) <= 80 else json.dumps(value, ensure_ascii=False)[:80] + "…"
    return json.dumps(value, ensure_ascii=False, default=str)


def render_workflow(result: WorkflowResult, stream: TextIO, *, verbose: bool = True) -> Iterable[str]:
    """Lines describing one workflow, Terraform-plan style."""
    marks = {"create": "+", "update": "~", "deploy": "~", "prune": "-", "report": "!", "blocked": "!",
             "invalid": "!", "noop": " "}
    mark = marks.get(result.action, " ")
    where = result.path or result.file
    yield f"{mark} {colour(result.status, result.status, stream):<12} {result.name or '?'}  ({where})"
    if result.message and result.status != "Synced":
        yield f"      {result.message}"
    if not verbose:
        return
    for change in result.changes:
        sign = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
        label = colour(f"{sign} {change.path}", change.kind, stream)
        if change.unified:
            yield f"      {label}"
            for line in change.unified.splitlines():
                yield f"          {line}"
        elif change.kind == "changed":
            yield f"      {label}: {_value(change.before)} -> {_value(change.after)}"
        elif change.kind == "added":
            yield f"      {label}: {_value(change.after)}"
        else:
            yield f"      {label}: {_value(change.before)}"


def render_run(result: RunResult, stream: TextIO, *, title: str) -> None:
    """Human output of ``sync``/``diff``: per source, its workflows, then a summary and the API cost."""
    for source in result.sources:
        head = f"source {source.source} @ {source.commit[:12] if source.commit else '(no commit)'}"
        print(f"{head}: {colour(source.status, source.status, stream)}", file=stream)
        if source.error:
            print(f"  {source.error}", file=stream)
        if source.prune_refused:
            print(f"  {source.prune_refused}", file=stream)
        for wf in source.workflows:
            for line in render_workflow(wf, stream, verbose=wf.status != "Synced"):
                print(f"  {line}", file=stream)
    counts: dict[str, int] = {}
    for wf in result.workflows:
        counts[wf.status] = counts.get(wf.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no workflows"
    calls = sum(result.api_calls.values())
    print(f"{title}: {summary}; {calls} API calls in {result.duration_seconds:.1f}s", file=stream)


def guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Decorator for ``command(args)``: a :class:`GitOpsError` becomes one clean line and exit 1."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except GitOpsError as exc:
            return fail(str(exc))

    return wrapper
