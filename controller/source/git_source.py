"""A Git source's local cache: clone once, fetch each run, resolve the ref, check out, snapshot.

Pipeline position: the first step of a sync run. ``reconcile`` calls :meth:`GitSource.fetch` and
hands the :class:`Snapshot` to the spec loader; a :class:`FetchError` means "keep the last good
commit, mark the source Unknown, retry next run".

The cache is ``<state_dir>/git/<source name>``, a normal repository whose ``origin`` is the
configured URL with no credentials in it (auth travels in git's environment, see ``auth``).
Fetches are shallow (``--depth 1``) for branches and tags, forced (``+``) so a force-pushed branch
or a moved tag simply replaces what was there. A ref is tried as a branch, then a tag; a full
commit sha is fetched directly (or not at all when it is already in the cache: commits never
change). ``refs/...`` names are fetched as they are (``refs/pull/42/head``).

One fetch at a time per source: a thread lock, plus ``flock`` on ``<cache>.lock`` for a CLI
running beside the daemon on the same state_dir.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import git

from controller.config import SourceConfig
from controller.errors import SourceError
from controller.logs import get_logger, redact_text
from controller.source.auth import git_environment
from controller.source.failures import explain
from controller.source.snapshot import FetchError, FetchResult, Snapshot

__all__ = ["DEFAULT_GIT_TIMEOUT", "GitSource"]

log = get_logger(__name__)

#: Seconds one git network call may take before it is killed (Flux: 60 s).
DEFAULT_GIT_TIMEOUT = 120.0
_FULL_SHA = re.compile(r"^([0-9a-f]{40}|[0-9a-f]{64})$")
_SHORT_SHA = re.compile(r"^[0-9a-f]{7,39}$")
_REF_KEY = "dataworks-gitops.ref"


class _GitFailed(Exception):
    """A git call failed; ``stderr`` is raw (scrubbed before it reaches any message)."""

    def __init__(self, stderr: str, timed_out: bool = False) -> None:
        super().__init__("git failed")
        self.stderr = stderr
        self.timed_out = timed_out


class GitSource:
    """The git cache of one configured source."""

    def __init__(
        self,
        config: SourceConfig,
        state_dir: str | Path,
        *,
        timeout: float = DEFAULT_GIT_TIMEOUT,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.state_dir = Path(state_dir)
        self.cache_dir = self.state_dir / "git" / config.name
        self.timeout = timeout
        self._environ = environ
        self._lock = threading.Lock()
        self._last_good: Snapshot | None = None

    @property
    def last_good(self) -> Snapshot | None:
        """The last successfully fetched snapshot, also after a restart (read from the cache)."""
        if self._last_good is None:
            try:
                self._last_good = self.snapshot()
            except SourceError:
                return None
        return self._last_good

    def fetch(self) -> FetchResult:
        """Fetch, resolve ``ref``, check it out; raise :class:`FetchError` and keep the cache as it was on failure."""
        started = time.monotonic()
        with self._lock, self._file_lock():
            previous = self.last_good
            try:
                commit, downloaded = self._fetch_and_resolve()
                self._check_path(commit)
                self._git("checkout", "-q", "--force", "--detach", commit)
                self._git("clean", "-q", "-ffdx")
                self._git("config", _REF_KEY, self.config.ref)
                snapshot = self._snapshot(commit)
            except SourceError as exc:
                elapsed = time.monotonic() - started
                log.warning("git_fetch_failed", source=self.config.name, error=str(exc), seconds=round(elapsed, 3))
                raise FetchError(
                    exc.message, hint=exc.hint, source=self.config.name, duration_seconds=elapsed, last_good=previous
                ) from None
            self._last_good = snapshot
        elapsed = time.monotonic() - started
        log.info("git_fetched", source=self.config.name, commit=snapshot.short, seconds=round(elapsed, 3))
        return FetchResult(snapshot, previous.commit if previous else None, elapsed, downloaded)

    def snapshot(self) -> Snapshot:
        """The snapshot checked out in the cache now, without touching the network.

        Raises SourceError when there is none for this source's current repo and ref.
        """
        if not (self.cache_dir / ".git").is_dir():
            raise SourceError(f"source {self.config.name!r}: nothing fetched yet")
        try:
            if self._git("config", "--get", _REF_KEY).strip() != self.config.ref:
                raise SourceError(f"source {self.config.name!r}: the cache holds another ref")
            if self._git("remote", "get-url", "origin").strip() != self.config.repo:
                raise SourceError(f"source {self.config.name!r}: the cache holds another repo")
            return self._snapshot(self._git("rev-parse", "--verify", "HEAD^{commit}").strip())
        except _GitFailed:
            raise SourceError(f"source {self.config.name!r}: the cache has no usable checkout") from None

    # --- steps ------------------------------------------------------------------------------

    def _fetch_and_resolve(self) -> tuple[str, bool]:
        """Bring ``ref`` into the cache; return its commit and whether anything was downloaded."""
        self._ensure_repository()
        ref = self.config.ref
        with git_environment(self.config, self.state_dir, self._environ) as env:
            if _FULL_SHA.match(ref):
                if self._has_commit(ref):
                    return ref, False
                try:
                    self._network(env, "fetch", "--depth=1", "origin", ref)
                except SourceError as exc:
                    if "not a branch, tag or commit" not in exc.message:
                        raise
                    self._fetch_everything(env)  # servers that refuse fetching by sha
                if not self._has_commit(ref):
                    raise self._failure("couldn't find remote ref")
                return ref, True
            for remote, local in self._candidates(ref):
                try:
                    self._network(env, "fetch", "--depth=1", "--no-tags", "origin", f"+{remote}:{local}")
                except SourceError as exc:
                    if "not a branch, tag or commit" in exc.message:
                        continue  # try the ref as the next kind
                    raise
                return self._resolve(local), True
            if _SHORT_SHA.match(ref):
                self._fetch_everything(env)
                if self._has_commit(ref):
                    return self._resolve(ref), True
        raise self._failure("couldn't find remote ref")

    @staticmethod
    def _candidates(ref: str) -> list[tuple[str, str]]:
        if ref.startswith("refs/"):
            return [(ref, f"refs/dataworks-gitops/{ref[5:]}")]
        return [(f"refs/heads/{ref}", f"refs/remotes/origin/{ref}"), (f"refs/tags/{ref}", f"refs/tags/{ref}")]

    def _fetch_everything(self, env: Mapping[str, str]) -> None:
        unshallow = ["--unshallow"] if (self.cache_dir / ".git" / "shallow").exists() else []
        self._network(
            env, "fetch", *unshallow, "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"
        )

    def _ensure_repository(self) -> None:
        """Create the cache on first use; repair it if it is not a repository; follow a changed URL."""
        if (self.cache_dir / ".git").is_dir():
            try:
                if self._git("remote", "get-url", "origin").strip() != self.config.repo:
                    self._git("remote", "set-url", "origin", self.config.repo)
                return
            except _GitFailed:
                log.warning("git_cache_rebuilt", source=self.config.name, path=str(self.cache_dir))
        if self.cache_dir.exists():
            shutil.rmtree(self.cache_dir)
        self.cache_dir.mkdir(parents=True)
        try:
            self._git("init", "-q")
            self._git("remote", "add", "origin", self.config.repo)
            self._git("config", "gc.autoDetach", "false")  # no background gc racing the next fetch
        except _GitFailed as exc:
            raise self._failure(exc.stderr) from None

    def _check_path(self, commit: str) -> None:
        """An empty or wrong checkout must never look like 'every workflow was deleted'."""
        if self.config.path == ".":
            return
        try:
            self._git("cat-file", "-e", f"{commit}:{self.config.path}")
        except _GitFailed:
            raise SourceError(
                f"source {self.config.name!r}: path {self.config.path!r} does not exist at commit {commit[:12]}",
                hint="fix the source's path, or restore the folder in the repository; nothing was synced",
            ) from None

    def _snapshot(self, commit: str) -> Snapshot:
        fields = self._git("log", "-1", "--format=%an <%ae>%x00%cI%x00%B", commit).split("\x00", 2)
        author, when, message = [*fields, "", "", ""][:3]
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", commit)
        blobs: dict[str, str] = {}
        for entry in listing.split("\x00"):
            meta, _, name = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                blobs[name] = parts[2]
        return Snapshot(
            source=self.config.name,
            ref=self.config.ref,
            commit=commit,
            message=message.strip(),
            author=author,
            committed_at=datetime.fromisoformat(when),
            root=self.cache_dir,
            path=self.config.path,
            blobs=blobs,
        )

    # --- running git ------------------------------------------------------------------------

    def _has_commit(self, rev: str) -> bool:
        try:
            self._git("cat-file", "-e", f"{rev}^{{commit}}")
        except _GitFailed:
            return False
        return True

    def _resolve(self, rev: str) -> str:
        try:
            return self._git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}").strip()
        except _GitFailed:
            raise self._failure("couldn't find remote ref") from None

    def _network(self, env: Mapping[str, str], command: str, *args: str) -> None:
        try:
            self._git(command, "--quiet", "--no-recurse-submodules", *args, env=env, timeout=self.timeout)
        except _GitFailed as exc:
            raise self._failure(exc.stderr, timed_out=exc.timed_out) from None

    def _failure(self, stderr: str, *, timed_out: bool = False) -> SourceError:
        repo = self.config.repo
        what, fix = explain(stderr, repo=repo, ref=self.config.ref, timed_out=timed_out, timeout=self.timeout)
        return SourceError(f"source {self.config.name!r}: git fetch from {redact_text(repo)}: {what}", hint=fix)

    def _git(self, *args: str, env: Mapping[str, str] | None = None, timeout: float | None = None) -> str:
        """Run ``git <args>`` in the cache (GitPython; LC_ALL=C) and return stdout."""
        runner = git.Git(str(self.cache_dir))
        started = time.monotonic()
        try:
            out = runner.execute(
                ["git", *args],
                env=dict(env or {}),
                kill_after_timeout=timeout,
                strip_newline_in_stdout=False,
            )
        except git.GitCommandError as exc:
            timed_out = timeout is not None and time.monotonic() - started >= timeout * 0.95
            raise _GitFailed(_stderr_of(exc), timed_out) from None
        except (git.GitCommandNotFound, OSError) as exc:
            raise SourceError(
                f"source {self.config.name!r}: cannot run git ({exc.__class__.__name__})",
                hint="install git (Debian: apt-get install git) and make sure it is on PATH",
            ) from None
        return str(out)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        lock_path = self.cache_dir.with_name(self.cache_dir.name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _stderr_of(exc: git.GitCommandError) -> str:
    text = exc.stderr if isinstance(exc.stderr, str) else str(exc)
    return text.replace("\n  stderr: '", "\n").rstrip("'")
