"""Git sources: clone once into ``<state_dir>/git/<name>``, fetch each run, resolve ``ref`` to a commit.

Pipeline position: the first step of a sync run, under ``reconcile`` and beside ``spec``,
``dataworks`` and ``store`` (it imports none of them). ``GitSource(config, state_dir).fetch()``
returns a :class:`FetchResult` whose :class:`Snapshot` names the commit and the checked-out worktree
the spec loader reads; a :class:`FetchError` (a ``SourceError``) keeps the last good commit.
"""

from controller.source.auth import git_environment
from controller.source.git_source import DEFAULT_GIT_TIMEOUT, GitSource
from controller.source.snapshot import FetchError, FetchResult, Snapshot

__all__ = ["DEFAULT_GIT_TIMEOUT", "FetchError", "FetchResult", "GitSource", "Snapshot", "git_environment"]
