"""What a fetch hands the reconciler: a frozen :class:`Snapshot` of one commit, and how it went.

Pipeline position: the output of ``controller.source`` and the input of the spec loader, which
reads files under ``snapshot.root`` (a checked-out worktree at ``snapshot.commit``) and may key its
cache by ``snapshot.blobs`` (git blob sha per file, for the whole tree).

The worktree is the source's git cache; it stays at this commit until the next successful fetch
of the same source (runs of one source never overlap, so a run's snapshot does not move under it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from controller.errors import SourceError

__all__ = ["FetchError", "FetchResult", "Snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """One commit of one source, checked out at ``root``; ``path`` is the source's folder in it."""

    source: str
    ref: str
    commit: str
    message: str
    author: str
    committed_at: datetime
    root: Path
    path: str = "."
    blobs: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def folder(self) -> Path:
        """The source's folder (or file) inside the worktree."""
        return self.root if self.path == "." else self.root / self.path

    @property
    def short(self) -> str:
        """The abbreviated commit sha people read in logs and status."""
        return self.commit[:12]

    @property
    def subject(self) -> str:
        """The first line of the commit message."""
        return self.message.split("\n", 1)[0]

    def blob_sha(self, file: str) -> str | None:
        """Git blob sha of ``file`` (repo-relative, ``/``-separated) at this commit, or None."""
        return self.blobs.get(file)

    def files(self) -> list[str]:
        """Repo-relative files under the source's ``path`` at this commit, sorted."""
        if self.path == ".":
            return sorted(self.blobs)
        prefix = self.path + "/"
        return sorted(f for f in self.blobs if f == self.path or f.startswith(prefix))


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch: the snapshot, the commit before it, and how long it took."""

    snapshot: Snapshot
    previous_commit: str | None
    duration_seconds: float
    downloaded: bool = True

    @property
    def changed(self) -> bool:
        """True when the commit differs from the one checked out before this fetch."""
        return self.snapshot.commit != self.previous_commit


class FetchError(SourceError):
    """A fetch failed; the cache still holds ``last_good`` (None if there never was one).

    The caller marks the source ``Unknown``, keeps syncing nothing from it, and retries next run.
    The message is scrubbed of credentials.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        source: str,
        duration_seconds: float = 0.0,
        last_good: Snapshot | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.source = source
        self.duration_seconds = duration_seconds
        self.last_good = last_good
