"""Resolve a parsed spec: JSON-only values, ``${NAME}`` placeholders and ``contentFile`` script files.

Pipeline position: ``loader`` → **resolve** → ``flowspec.parse_flowspec`` → ``validate``. One walk
over the raw document does all of it, so a 5,000-workflow repository is walked once.

Script files (a dataworks-gitops extension, Git only)::

    script:
      runtime: {command: ODPS_SQL}
      contentFile: sql/dwd_sales_clean.sql    # relative to this spec file

The file's text (placeholders filled) becomes ``script.content`` and ``contentFile`` is removed,
so the document sent to DataWorks is plain FlowSpec. The path must be relative, stay inside the
repository root (``..`` is fine while it stays inside), not leave it through a symlink, exist,
be a regular UTF-8 file and be at most ``max_script_bytes`` (1 MiB).
"""

from __future__ import annotations

import hashlib
import math
import os
import posixpath
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.errors import SpecError
from controller.spec.flowspec import json_path
from controller.spec.placeholders import line_at, substitute
from controller.spec.problems import SpecProblem
from controller.spec.safeload import MAX_DEPTH, decode, read_limited

#: Largest script file inlined, in bytes.
MAX_SCRIPT_BYTES = 1024 * 1024

CONTENT_FILE_KEY = "contentFile"


def undefined_hint(name: str) -> str:
    """How to fix an undefined ``${NAME}``."""
    return f"add {name} to the source's vars or pass --var {name}=VALUE; write $${{{name}}} for a literal"


def blob_sha(data: bytes) -> str:
    """Git's blob id of ``data`` (what ``git hash-object`` prints), without running git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class ScriptFile:
    """A script file a spec inlined: repo-relative posix path and its git blob sha."""

    path: str
    sha: str
    #: (size, mtime_ns, inode) taken *before* the read, so the cache can trust the sha for this
    #: stat without reading the file again; not part of equality.
    stat_key: tuple[int, int, int] | None = field(default=None, compare=False)


@dataclass
class Resolved:
    """What :func:`resolve_document` returns: the new document, problems and the files it read."""

    data: Any
    problems: list[SpecProblem] = field(default_factory=list)
    script_files: list[ScriptFile] = field(default_factory=list)
    #: Script files that were missing or refused (re-checked by the cache on the next run).
    missing_files: list[str] = field(default_factory=list)


@dataclass
class _Context:
    root: Path
    real_root: str
    file: str
    spec_dir: str
    variables: Mapping[str, str]
    max_script_bytes: int
    out: Resolved
    stack: list[int | str] = field(default_factory=list)
    #: realpath of each folder script files were read from: a spec's scripts share one or two
    #: folders, and realpath (an lstat per path component) was the loader's biggest cost.
    real_dirs: dict[str, str] = field(default_factory=dict)

    def path(self, *extra: int | str) -> str:
        return json_path([*self.stack, *extra])

    def problem(self, message: str, hint: str | None = None, *extra: int | str) -> None:
        self.out.problems.append(SpecProblem(self.file, self.path(*extra), message, hint))


def resolve_document(
    data: Any,
    *,
    root: Path,
    file: str,
    variables: Mapping[str, str],
    max_script_bytes: int = MAX_SCRIPT_BYTES,
) -> Resolved:
    """Walk ``data`` (parsed from ``root / file``) and return the resolved copy.

    Problems (non-JSON values, nesting, undefined placeholders, script files) are collected, not
    raised; the walk continues so one run reports all of them.
    """
    out = Resolved(data=None)
    ctx = _Context(
        root=root,
        real_root=os.path.realpath(root),
        file=file,
        spec_dir=posixpath.dirname(file),
        variables=variables,
        max_script_bytes=max_script_bytes,
        out=out,
    )
    out.data = _walk(data, ctx, 0)
    return out


_PLAIN = frozenset({int, bool, type(None)})  # exact types: values that need no work


def _walk(value: Any, ctx: _Context, depth: int) -> Any:
    # Dispatch on the exact type and handle scalars inline in the container loops: this walk runs
    # over every value of every spec, so a function call per scalar would dominate a cold load.
    kind = type(value)
    if kind is str:
        return _fill(value, ctx) if "${" in value else value
    if kind is dict:
        return _walk_dict(value, ctx, depth)
    if kind is list:
        return _walk_list(value, ctx, depth)
    if kind in _PLAIN:
        return value
    if kind is float:
        if not math.isfinite(value):
            ctx.problem(f"{value} is not a JSON number", "write a finite number or quote it")
        return value
    ctx.problem(
        f"a YAML {kind.__name__} value is not allowed",
        "FlowSpec holds JSON values only: objects, lists, strings, numbers, true/false, null",
    )
    return None


def _fill(text: str, ctx: _Context) -> str:
    filled, missing = substitute(text, ctx.variables)
    for item in missing:
        ctx.problem(f"${{{item.name}}} is not defined", undefined_hint(item.name))
    return filled


def _too_deep(ctx: _Context, depth: int) -> bool:
    if depth < MAX_DEPTH:
        return False
    ctx.problem(f"refused: nesting deeper than {MAX_DEPTH} levels", "FlowSpec needs only a few levels")
    return True


def _walk_dict(value: dict[Any, Any], ctx: _Context, depth: int) -> dict[str, Any] | None:
    if _too_deep(ctx, depth):
        return None
    result: dict[str, Any] = {}
    stack = ctx.stack
    for key, item in value.items():
        if type(key) is not str:
            ctx.problem(f"key {key!r} is not a string", "quote the key")
            continue
        kind = type(item)
        if kind is str:
            if "${" in item:
                stack.append(key)
                item = _fill(item, ctx)
                stack.pop()
        elif kind not in _PLAIN:
            stack.append(key)
            item = _walk(item, ctx, depth + 1)
            if key == "script" and type(item) is dict and CONTENT_FILE_KEY in item:
                item = _inline_script(item, ctx)
            stack.pop()
        result[key] = item
    return result


def _walk_list(value: list[Any], ctx: _Context, depth: int) -> list[Any] | None:
    if _too_deep(ctx, depth):
        return None
    items: list[Any] = []
    stack = ctx.stack
    for index, item in enumerate(value):
        kind = type(item)
        if kind is str:
            if "${" in item:
                stack.append(index)
                item = _fill(item, ctx)
                stack.pop()
        elif kind not in _PLAIN:
            stack.append(index)
            item = _walk(item, ctx, depth + 1)
            stack.pop()
        items.append(item)
    return items


def _inline_script(script: dict[str, Any], ctx: _Context) -> dict[str, Any]:
    ref = script[CONTENT_FILE_KEY]
    if "content" in script:
        ctx.problem(
            "script has both content and contentFile",
            "keep one: contentFile for a file beside the spec, content for inline text",
            CONTENT_FILE_KEY,
        )
        return script
    if not isinstance(ref, str) or not ref.strip():
        ctx.problem("contentFile must be a relative file path", "e.g. contentFile: sql/my_node.sql", CONTENT_FILE_KEY)
        return script
    try:
        text, script_file = read_script_file(ref, ctx)
    except SpecError as exc:
        ctx.out.problems.append(SpecProblem(ctx.file, ctx.path(CONTENT_FILE_KEY), exc.message, exc.hint))
        ctx.out.missing_files.append(ref)
        return script
    ctx.out.script_files.append(script_file)
    filled, missing = substitute(text, ctx.variables)
    for item in missing:
        ctx.problem(
            f"{script_file.path}:{line_at(text, item.offset)}: ${{{item.name}}} is not defined",
            undefined_hint(item.name),
            CONTENT_FILE_KEY,
        )
    resolved = {k: v for k, v in script.items() if k != CONTENT_FILE_KEY}
    resolved["content"] = filled
    return resolved


def _realpath(target: Path, ctx: _Context) -> str:
    """``os.path.realpath(target)``, with the folder's realpath computed once per folder."""
    folder = str(target.parent)
    real_folder = ctx.real_dirs.get(folder)
    if real_folder is None:
        real_folder = ctx.real_dirs[folder] = os.path.realpath(folder)
    candidate = os.path.join(real_folder, target.name)
    try:
        if stat.S_ISLNK(os.lstat(candidate).st_mode):
            return os.path.realpath(candidate)  # the file itself is a link: follow it all the way
    except OSError:
        pass  # missing: the caller reports it
    return candidate


def read_script_file(ref: str, ctx: _Context) -> tuple[str, ScriptFile]:
    """Read one ``contentFile`` safely; SpecError says what is wrong and how to fix it."""
    fix = f"put the file inside the repository and refer to it relative to {ctx.file}"
    if "\\" in ref:
        raise SpecError(f"contentFile {ref!r} uses backslashes", file=ctx.file, hint="use forward slashes")
    if ref.startswith(("/", "~")) or (len(ref) > 1 and ref[1] == ":"):
        raise SpecError(f"contentFile {ref!r} is an absolute path", file=ctx.file, hint=fix)
    rel = posixpath.normpath(posixpath.join(ctx.spec_dir, ref))
    if rel == ".." or rel.startswith("../"):
        raise SpecError(f"contentFile {ref!r} escapes the repository root", file=ctx.file, hint=fix)
    real = _realpath(ctx.root / rel, ctx)
    if real != ctx.real_root and not real.startswith(ctx.real_root.rstrip(os.sep) + os.sep):
        raise SpecError(
            f"contentFile {ref!r} is a symlink that leads out of the repository",
            file=ctx.file,
            hint="copy the file into the repository instead of linking to it",
        )
    try:
        info = os.stat(real)
    except OSError:
        raise SpecError(
            f"contentFile {ref!r} not found (looked for {rel})",
            file=ctx.file,
            hint="check the spelling; the path is relative to the spec file's folder",
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise SpecError(f"contentFile {ref!r} is not a regular file", file=ctx.file, hint=fix)
    data = read_limited(Path(real), file=ctx.file, max_bytes=ctx.max_script_bytes, what=f"contentFile {ref!r}")
    try:
        text = decode(data, file=rel)
    except SpecError as exc:
        raise SpecError(f"contentFile {ref!r}: {exc.message}", file=ctx.file, hint=exc.hint) from None
    return text, ScriptFile(rel, blob_sha(data), (info.st_size, info.st_mtime_ns, info.st_ino))
