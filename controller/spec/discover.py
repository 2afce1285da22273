"""Which files under a source path are spec candidates.

Pipeline position: the first step of ``loader.load_source``. Candidates are ``*.json``,
``*.yaml`` and ``*.yml`` files; the loader then keeps those whose top level is a FlowSpec
(``version``, ``kind``, ``spec``) — SQL, shell, Python, READMEs, ``package.json`` or the
controller config are not specs and are skipped silently.

Skipped while walking: hidden folders and files (``.git``, ``.github``…), the controller config
(``dataworks-gitops.yaml``/``.yml``), and anything matching one of the caller's ``exclude`` globs
(not the source's ``ignore``, which lists diff fields). Globs are ``fnmatch`` style (``*`` also
matches ``/``), matched against the path relative to the source path and relative to the
repository root, so ``drafts/*`` and ``*.draft.yaml`` both work.
Folder symlinks are not followed; a file symlink that leads out of the repository is reported.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import stat as stat_module
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from controller.spec.safeload import FORMATS

CONFIG_NAMES = frozenset({"dataworks-gitops.yaml", "dataworks-gitops.yml"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file that may be a spec: path relative to the root (posix) and its stat."""

    file: str
    size: int
    mtime_ns: int
    inode: int
    explicit: bool = False

    @property
    def stat_key(self) -> tuple[int, int, int]:
        """What the cache compares to skip re-reading an unchanged file."""
        return (self.size, self.mtime_ns, self.inode)


def _excluded(rel_root: str, rel_source: str, exclude: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(rel_source, g) or fnmatch.fnmatchcase(rel_root, g) for g in exclude)


def relative_to_root(root: Path, path: Path) -> str | None:
    """``path`` relative to ``root`` as posix text, or None when it lies outside."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if path.is_absolute() else None
    except ValueError:
        return None


def discover(root: Path, source_path: str, exclude: Sequence[str] = ()) -> Iterator[Candidate]:
    """Yield spec candidates under ``root / source_path`` in a stable (sorted) order.

    ``source_path`` is relative to ``root``; a file path yields just that file (``explicit``).
    Nothing is yielded for a path that does not exist; the caller reports it.
    """
    base = (root / source_path) if source_path not in ("", ".") else root
    source_rel = posixpath.normpath(source_path.replace(os.sep, "/")) if source_path else "."
    if base.is_file():
        stat = base.stat()
        yield Candidate(source_rel, stat.st_size, stat.st_mtime_ns, stat.st_ino, explicit=True)
        return
    root_text = str(root)
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        # String paths, not pathlib: a repo of 5,000 specs has tens of thousands of files to pass.
        rel_dir = os.path.relpath(dirpath, root_text).replace(os.sep, "/")
        for name in sorted(filenames):
            if name.startswith(".") or name in CONFIG_NAMES:
                continue
            if os.path.splitext(name)[1].lower() not in FORMATS:
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            rel_source = posixpath.relpath(rel, source_rel) if source_rel != "." else rel
            if exclude and _excluded(rel, rel_source, exclude):
                continue
            try:
                # Follows a file symlink, so an edit to its target changes the stat key; the loader
                # refuses targets outside the repository.
                stat = os.stat(os.path.join(dirpath, name))
            except OSError:  # a dangling symlink: nothing to load
                continue
            if not stat_module.S_ISREG(stat.st_mode):  # a FIFO or device would block or never end
                continue
            yield Candidate(rel, stat.st_size, stat.st_mtime_ns, stat.st_ino)
