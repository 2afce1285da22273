"""Load a source's specs: discover → read → parse → resolve → type → validate, one result per file.

Pipeline position: the reconciler calls :func:`load_source` on a checked-out commit and gets the
*desired* side (``LoadResult.specs``) plus every problem; ``dataworks-gitops validate`` calls the
same function offline. One bad file never stops the others: it becomes a :class:`FileResult` with
problems, and the reconciler marks that workflow ``Failed`` instead of syncing it.

Re-runs are cheap: pass the same :class:`SpecCache` each time. A file whose stat (size, mtime,
inode) and therefore git blob sha did not change, with unchanged script files and vars, is not
read, parsed or validated again; only the cross-file checks rerun.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from controller.errors import SpecError
from controller.spec.discover import Candidate, discover
from controller.spec.flowspec import FlowSpecDocument, FlowSpecWorkflow, parse_flowspec
from controller.spec.lines import line_of
from controller.spec.problems import SpecProblem, has_errors
from controller.spec.repository import RepoEntry, check_repository
from controller.spec.resolve import MAX_SCRIPT_BYTES, ScriptFile, blob_sha, resolve_document
from controller.spec.safeload import MAX_SPEC_BYTES, MultipleDocumentsError, decode, format_of, parse_text, read_limited
from controller.spec.validate import SYNCABLE_KINDS, DocumentFacts, check_syncable, validate_document

IdentityKind = Literal["id", "path"]


@dataclass(frozen=True, slots=True)
class LoadedSpec:
    """One workflow spec file, loaded and resolved (placeholders filled, script files inlined).

    ``identity`` is how the workflow is recognised in DataWorks: its definition id when the spec
    has one (``identity_kind == "id"``), else its DataStudio path (``script.path``, else the
    workflow name). ``sha`` is the spec file's git blob sha; ``digest`` also covers the script
    files and the vars, so the desired state changed exactly when ``digest`` changed.
    """

    file: str
    sha: str
    digest: str
    document: FlowSpecDocument
    kind: str
    identity: str
    identity_kind: IdentityKind
    path: str
    name: str
    script_files: tuple[ScriptFile, ...] = ()

    @property
    def workflow(self) -> FlowSpecWorkflow:
        """The file's one workflow."""
        return self.document.workflows[0]


@dataclass(frozen=True, slots=True)
class FileResult:
    """The verdict on one spec file: loaded (``spec``) and/or its problems.

    ``syncable`` is True for a one-workflow CycleWorkflow/ManualWorkflow file (even with errors),
    False when it is a FlowSpec of another shape, None when it could not be read or parsed.
    """

    file: str
    syncable: bool | None
    spec: LoadedSpec | None = None
    problems: tuple[SpecProblem, ...] = ()
    sha: str | None = None

    @property
    def ok(self) -> bool:
        """Loaded and free of errors (warnings allowed): safe to sync."""
        return self.spec is not None and not has_errors(self.problems)

    @property
    def workflow(self) -> str | None:
        """Workflow name, when the file got that far."""
        return self.spec.name if self.spec else None

    @property
    def identity(self) -> str | None:
        """Workflow identity, when known (a broken file may still name its workflow)."""
        return self.spec.identity if self.spec else None


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Every spec file of a source with its verdict."""

    files: tuple[FileResult, ...] = ()

    @property
    def specs(self) -> tuple[LoadedSpec, ...]:
        """Specs safe to sync (no errors)."""
        return tuple(f.spec for f in self.files if f.ok and f.spec is not None)

    @property
    def failed(self) -> tuple[FileResult, ...]:
        """Files with at least one error."""
        return tuple(f for f in self.files if not f.ok)

    @property
    def problems(self) -> tuple[SpecProblem, ...]:
        """All problems (errors and warnings) of all files, in file order."""
        return tuple(p for f in self.files for p in f.problems)

    @property
    def valid(self) -> bool:
        """No errors anywhere."""
        return not any(has_errors(f.problems) for f in self.files)

    @property
    def complete(self) -> bool:
        """Every failed file still names its workflow (or is known not to be one). When False, some
        file could not even be identified — a reconciler must not prune: it cannot tell which
        workflow that file keeps."""
        return all(f.identity is not None or f.syncable is False for f in self.failed)


@dataclass
class _Entry:
    sha: str
    key: tuple[str, int, int]
    result: FileResult | None  # None: the file is not a FlowSpec
    facts: DocumentFacts | None
    scripts: tuple[ScriptFile, ...]
    explicit: bool = False
    # False when a script file was missing or refused: the fix may be a new file the spec's sha
    # does not reflect, so the file is loaded again on every run.
    cacheable: bool = True


@dataclass
class SpecCache:
    """Per-source memory of loaded files, keyed by blob sha (keep one per source, reuse it)."""

    entries: dict[str, _Entry] = field(default_factory=dict)
    shas: dict[str, tuple[tuple[int, int, int], str]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def sha_of(self, root: Path, rel: str, max_bytes: int = MAX_SPEC_BYTES) -> str | None:
        """Blob sha of ``root / rel`` without reading it when its stat is unchanged.

        None when the file is missing or larger than ``max_bytes`` (never hashed: the load that
        follows reports it).
        """
        path = os.path.join(root, rel)  # not root / rel: pathlib costs more than the stat here
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        known = self.shas.get(rel)
        if known and known[0] == key:
            return known[1]
        if stat.st_size > max_bytes:
            return None
        try:
            with open(path, "rb") as handle:
                sha = blob_sha(handle.read())
        except OSError:
            return None
        self.shas[rel] = (key, sha)
        return sha


def _fingerprint(variables: Mapping[str, str], *limits: int) -> str:
    text = json.dumps([sorted(variables.items()), limits], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def looks_like_flowspec(data: Any) -> bool:
    """A top-level mapping with ``version``, ``kind`` and ``spec`` — or clearly meant to be one
    (``spec`` plus one of the others, or a workflow ``kind``), so a broken spec is reported
    instead of skipped."""
    if not isinstance(data, Mapping):
        return False
    keys = {"version", "kind", "spec"} & set(data)
    return len(keys) == 3 or (len(keys) == 2 and "spec" in keys) or data.get("kind") in SYNCABLE_KINDS


def load_source(
    root: Path,
    path: str,
    vars: Mapping[str, str],
    *,
    cache: SpecCache | None = None,
    exclude: Sequence[str] = (),
    max_spec_bytes: int = MAX_SPEC_BYTES,
    max_script_bytes: int = MAX_SCRIPT_BYTES,
) -> LoadResult:
    """Load every spec under ``root / path`` (a folder or one file), validate, check across files.

    ``root`` is the repository checkout (script files may not leave it); ``path`` is relative to
    it. Never raises for bad content: every problem is in the result.
    """
    limits = {"max_spec_bytes": max_spec_bytes, "max_script_bytes": max_script_bytes}
    return load_paths(root, [path], vars, cache=cache, exclude=exclude, **limits)


def load_paths(
    root: Path,
    paths: Sequence[str],
    variables: Mapping[str, str],
    *,
    cache: SpecCache | None = None,
    exclude: Sequence[str] = (),
    max_spec_bytes: int = MAX_SPEC_BYTES,
    max_script_bytes: int = MAX_SCRIPT_BYTES,
) -> LoadResult:
    """:func:`load_source` over several paths (duplicates loaded once); cross-file checks span all."""
    with _gc_paused():
        return _load_paths(root, paths, variables, cache, exclude, max_spec_bytes, max_script_bytes)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # A load builds a large tree of long-lived objects and frees few cycles; the cyclic collector
    # rescanned that growing tree at every pass (a third of a cold 5,000-spec load), finding nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_paths(
    root: Path,
    paths: Sequence[str],
    variables: Mapping[str, str],
    cache: SpecCache | None,
    exclude: Sequence[str],
    max_spec_bytes: int,
    max_script_bytes: int,
) -> LoadResult:
    root = Path(os.path.realpath(root))
    cache = cache if cache is not None else SpecCache()
    key = (_fingerprint(variables, max_spec_bytes, max_script_bytes), max_spec_bytes, max_script_bytes)
    results: list[FileResult] = []
    facts: dict[str, DocumentFacts] = {}
    seen: set[str] = set()
    for source_path in paths:
        rel_path = posixpath.normpath(source_path.replace(os.sep, "/")) if source_path else "."
        if rel_path == ".." or rel_path.startswith("../") or Path(source_path).is_absolute():
            results.append(_path_problem(rel_path, "is outside the repository root", "paths are relative to the root"))
            continue
        if not (root / rel_path).exists():
            results.append(_path_problem(rel_path, "not found", "check the source's path"))
            continue
        for candidate in discover(root, rel_path, exclude):
            if candidate.file in seen:
                continue
            seen.add(candidate.file)
            entry = _cached_or_load(root, candidate, variables, key, cache)
            if entry.result is not None:
                results.append(entry.result)
                if entry.facts is not None:
                    facts[candidate.file] = entry.facts
    return LoadResult(tuple(_with_repository_problems(root, results, facts)))


def _path_problem(rel: str, message: str, hint: str) -> FileResult:
    return FileResult(rel, syncable=None, problems=(SpecProblem(rel, "$", f"path {message}", hint),))


def _cached_or_load(
    root: Path, candidate: Candidate, variables: Mapping[str, str], key: tuple[str, int, int], cache: SpecCache
) -> _Entry:
    entry = cache.entries.get(candidate.file)
    # Same stat: the remembered sha; another stat (a touch, a checkout): hash it, maybe still equal.
    if (
        entry
        and entry.key == key
        and entry.sha == cache.sha_of(root, candidate.file, key[1])
        and entry.explicit == candidate.explicit
        and all(cache.sha_of(root, s.path, key[2]) == s.sha for s in entry.scripts)
    ):
        cache.hits += 1
        return entry
    cache.misses += 1
    try:
        entry = _load_file(root, candidate, variables, key)
    except Exception as exc:  # a bug here must cost one file, not the whole source
        problem = SpecProblem(candidate.file, "$", f"internal error while loading: {type(exc).__name__}: {exc}")
        return _Entry("", key, FileResult(candidate.file, syncable=None, problems=(problem,)), None, ())
    entry.explicit = candidate.explicit
    if entry.sha:
        cache.shas[candidate.file] = (candidate.stat_key, entry.sha)
    for script in entry.scripts:
        if script.stat_key is not None:  # hashed while loading: no second read
            cache.shas[script.path] = (script.stat_key, script.sha)
        else:
            cache.sha_of(root, script.path, key[2])
    if entry.cacheable and entry.sha:
        cache.entries[candidate.file] = entry
    else:
        cache.entries.pop(candidate.file, None)
    return entry


def _load_file(root: Path, candidate: Candidate, variables: Mapping[str, str], key: tuple[str, int, int]) -> _Entry:
    file, fmt = candidate.file, format_of(candidate.file) or "json"

    def failed(
        problems: list[SpecProblem], sha: str = "", text: str | None = None, syncable: bool | None = None
    ) -> _Entry:
        lined = tuple(_lines(problems, text, fmt))
        return _Entry(sha, key, FileResult(file, syncable=syncable, problems=lined, sha=sha or None), None, ())

    real = os.path.realpath(root / file)
    if not real.startswith(str(root).rstrip(os.sep) + os.sep):
        return failed([SpecProblem(file, "$", "symlink leads out of the repository", "copy the file in instead")])
    try:
        data = read_limited(Path(real), file=file, max_bytes=key[1], what="spec file")
    except SpecError as exc:
        return failed([SpecProblem.from_error(exc)])
    sha = blob_sha(data)
    text: str | None = None
    try:
        text = decode(data, file=file)
        raw = parse_text(text, file=file, fmt=fmt)
    except MultipleDocumentsError as exc:
        if not any(looks_like_flowspec(d) for d in exc.documents):
            return _Entry(sha, key, None, None, ())
        return failed([SpecProblem.from_error(exc)], sha)
    except SpecError as exc:
        return failed([SpecProblem.from_error(exc)], sha)
    if not looks_like_flowspec(raw):
        if not candidate.explicit:
            return _Entry(sha, key, None, None, ())
        hint = "a FlowSpec file has top-level keys version, kind and spec"
        return failed([SpecProblem(file, "$", "not a FlowSpec file", hint)], sha)
    not_syncable = check_syncable(raw, file=file)
    if not_syncable:
        return failed(not_syncable, sha, text, syncable=False)
    resolved = resolve_document(raw, root=root, file=file, variables=variables, max_script_bytes=key[2])
    problems = list(resolved.problems)
    try:
        doc = parse_flowspec(resolved.data, file=file)
    except SpecError as exc:
        extra = getattr(exc, "problems", (exc,))
        entry = failed([*problems, *(SpecProblem.from_error(e) for e in extra)], sha, text, syncable=True)
        entry.cacheable = not resolved.missing_files
        return entry
    facts = validate_document(doc, file=file)
    problems.extend(facts.problems)
    scripts = tuple(resolved.script_files)
    spec = _loaded_spec(file, sha, doc, scripts, key[0])
    if spec is None:
        problems.append(SpecProblem(file, "$.spec.workflows[0]", "workflow has no id, script.path or name"))
    result = FileResult(file, syncable=True, spec=spec, problems=tuple(_lines(problems, text, fmt)), sha=sha)
    return _Entry(sha, key, result, facts, scripts, cacheable=not resolved.missing_files)


def _loaded_spec(
    file: str, sha: str, doc: FlowSpecDocument, scripts: tuple[ScriptFile, ...], fingerprint: str
) -> LoadedSpec | None:
    workflow = doc.workflows[0]
    name = (workflow.name or "").strip()
    path = ((workflow.script.path if workflow.script else None) or "").strip() or name
    workflow_id = (workflow.id or "").strip()
    if not workflow_id and not path:
        return None
    digest = hashlib.sha256("\n".join([sha, fingerprint, *(f"{s.path}:{s.sha}" for s in scripts)]).encode())
    return LoadedSpec(
        file=file,
        sha=sha,
        digest=digest.hexdigest(),
        document=doc,
        kind=doc.kind,
        identity=workflow_id or path,
        identity_kind="id" if workflow_id else "path",
        path=path,
        name=name,
        script_files=scripts,
    )


def _lines(problems: list[SpecProblem], text: str | None, fmt: Literal["json", "yaml"]) -> list[SpecProblem]:
    """Problems with lines filled in where the text tells, in line order (unknown lines first)."""
    if text is not None:
        problems = [p if p.line is not None else p.with_line(line_of(text, fmt, p.path)) for p in problems]
    return sorted(problems, key=lambda p: p.line or 0)


def _with_repository_problems(
    root: Path, results: list[FileResult], facts: Mapping[str, DocumentFacts]
) -> list[FileResult]:
    entries = [
        RepoEntry(r.file, r.spec.identity, r.spec.identity_kind, r.spec.path, facts[r.file])
        for r in results
        if r.spec is not None and r.file in facts
    ]
    found = check_repository(entries)
    if not found:
        return results
    out: list[FileResult] = []
    for result in results:
        extra = found.get(result.file)
        if extra:
            text = _reread(root, result.file)
            fmt = format_of(result.file) or "json"
            merged = sorted((*result.problems, *_lines(extra, text, fmt)), key=lambda p: p.line or 0)
            result = replace(result, problems=tuple(merged))
        out.append(result)
    return out


def _reread(root: Path, file: str) -> str | None:
    try:
        return (root / file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
