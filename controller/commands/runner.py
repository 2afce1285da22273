"""Wiring shared by ``sync``, ``diff`` and the daemon: store + git source + client → a SyncRun.

Pipeline position: the command layer. It opens the SQLite store in ``state_dir``, builds the
DataWorks client, and hands the reconciler a ``fetch`` that turns a source into a checked-out
commit.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from controller.commands.common import make_client
from controller.config import Config, SourceConfig
from controller.errors import ConfigError
from controller.reconcile.jobs import PollSchedule
from controller.reconcile.run import Fetch, RunOptions, SyncRun
from controller.reconcile.store_state import StoreRunState
from controller.source import GitSource, Snapshot
from controller.store import Store


def pick_sources(config: Config, names: Sequence[str] | None) -> list[SourceConfig]:
    """The sources named by ``--source`` (all when none); an unknown name is a clear error."""
    if not names:
        return list(config.sources)
    known = {s.name: s for s in config.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"unknown source {', '.join(unknown)}",
            hint=f"sources in the config: {', '.join(known) or 'none'}",
        )
    return [known[n] for n in names]


def poll_schedule(config: Config) -> PollSchedule:
    """Job/publish polling pace: 1 s → 30 s by default (the run applies each source's timeout)."""
    return PollSchedule(initial=config.dataworks.poll_initial, maximum=config.dataworks.poll_max)


class GitSources:
    """One :class:`GitSource` per configured source, kept across runs (the daemon reuses it).

    ``fetch_seconds`` holds the duration of each source's last fetch, for the
    ``dataworks_gitops_git_fetch_duration_seconds`` metric.
    """

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._sources: dict[str, GitSource] = {}
        self.fetch_seconds: dict[str, float] = {}

    def checkout(self, source: SourceConfig) -> Snapshot:
        """Fetch ``source`` and return the checked-out commit (a SourceError keeps the last good one)."""
        git = self._sources.get(source.name)
        if git is None or git.config != source:
            git = self._sources[source.name] = GitSource(source, self.state_dir)
        result = git.fetch()
        self.fetch_seconds[source.name] = result.duration_seconds
        return result.snapshot


@asynccontextmanager
async def sync_run(config: Config, *, dry_run: bool) -> AsyncIterator[SyncRun]:
    """A :class:`SyncRun` with its store, git sources and client, closed afterwards."""
    store = Store.open(config.state_dir)
    try:
        git = GitSources(config.state_dir)
        fetch: Fetch = git.checkout
        async with make_client(config) as client:
            yield SyncRun(
                config, client, StoreRunState(store), fetch,
                options=RunOptions(dry_run=dry_run, poll=poll_schedule(config)),
            )
    finally:
        store.close()


def source_names(args: argparse.Namespace) -> list[str]:
    """``--source`` values (repeatable)."""
    return list(getattr(args, "source", None) or [])
