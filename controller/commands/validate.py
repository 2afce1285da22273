"""``dataworks-gitops validate [PATH ...] [--var NAME=VALUE] [--root DIR] [--output json]``.

Pipeline position: the offline front of the pipeline — discover, load, resolve and validate specs
exactly as a sync run would, then stop. No network, no credentials: this is the PR check.

* With PATHs (files or folders): those, with ``--var`` values; ``--root`` (default: the enclosing
  git checkout, else the current folder if it holds every PATH, else the first PATH's folder) is
  the boundary script files may not leave.
* Without PATH: every source of ``--config`` (``sources[].path`` relative to the config file's
  folder, ``sources[].vars``, ``--var`` on top).

Exit 0 when nothing has an error (warnings allowed), 1 otherwise. Text output is one line per
problem (``file[:line]: json-path: message (hint)``) and a summary; ``--output json`` prints
``{"files": [{"file", "syncable", "workflow", "problems": [...]}], "valid": bool}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from controller.errors import GitOpsError
from controller.spec.loader import FileResult, load_paths
from controller.spec.placeholders import is_var_name


@dataclass
class _Target:
    """One load: a root, paths under it, the vars, and the source name when from the config."""

    root: Path
    paths: list[str]
    variables: dict[str, str]
    source: str | None = None
    outside: list[str] = field(default_factory=list)


class _UsageError(GitOpsError):
    """Bad flags or an unreadable config: reported in one line, exit 1."""


def command(args: argparse.Namespace) -> int:
    """Validate, print, and return the exit code (never raises, never prints a traceback)."""
    as_json = getattr(args, "output", "text") == "json"
    try:
        overrides = _parse_vars(getattr(args, "var", None) or [])
        targets = _targets(args, overrides)
        results: list[tuple[str | None, FileResult]] = []
        for target in targets:
            for rel in target.outside:
                results.append((target.source, _outside(rel, target.root)))
            if target.paths:
                loaded = load_paths(target.root, target.paths, target.variables)
                results.extend((target.source, f) for f in loaded.files)
    except GitOpsError as exc:
        return _fail(str(exc), as_json)
    except Exception as exc:  # the PR check must explain itself, never dump a traceback
        return _fail(f"internal error: {type(exc).__name__}: {exc} (please report this)", as_json)
    valid = not any(p.is_error for _, f in results for p in f.problems)
    (_print_json if as_json else _print_text)(results, valid, len(targets) > 1)
    return 0 if valid else 1


def _fail(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"files": [], "valid": False, "error": message}))
    else:
        print(f"dataworks-gitops validate: {message}", file=sys.stderr)
    return 1


def _parse_vars(items: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not is_var_name(name):
            raise _UsageError(
                f"--var {item!r}: expected NAME=VALUE",
                hint="NAME is upper case letters, digits and '_', starting with a letter (e.g. --var ENV=prod)",
            )
        values[name] = value
    return values


def _git_top(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _default_root(paths: Sequence[str], start: Path) -> Path:
    """Outside git: the current folder when every PATH is inside it (paths print as typed), else
    the first PATH's folder."""
    cwd = Path.cwd()
    inside = all(Path(p).absolute() == cwd or cwd in Path(p).absolute().parents for p in paths)
    return cwd if inside else start


def _targets(args: argparse.Namespace, overrides: Mapping[str, str]) -> list[_Target]:
    paths: list[str] = list(getattr(args, "paths", None) or [])
    root_flag = getattr(args, "root", None)
    if paths:
        first = Path(paths[0]).absolute()
        start = first if first.is_dir() else first.parent
        root = Path(root_flag).absolute() if root_flag else (_git_top(start) or _default_root(paths, start))
        target = _Target(root=root, paths=[], variables=dict(overrides))
        for given in paths:
            rel = os.path.relpath(Path(given).absolute(), root)
            if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
                target.outside.append(given)
            else:
                target.paths.append(Path(rel).as_posix())
        return [target]
    return _config_targets(Path(getattr(args, "config", "dataworks-gitops.yaml")), root_flag, overrides)


def _config_targets(config: Path, root_flag: str | None, overrides: Mapping[str, str]) -> list[_Target]:
    if not config.is_file():
        raise _UsageError(
            f"no PATH given and no config file {config}",
            hint="pass spec files or folders, or --config pointing at dataworks-gitops.yaml",
        )
    base = config.absolute().parent
    root = Path(root_flag).absolute() if root_flag else (_git_top(base) or base)
    targets: list[_Target] = []
    for name, path, variables in _sources(config):
        folder = (base / path).resolve()
        rel = os.path.relpath(folder, root.resolve())
        target = _Target(root=root, paths=[], variables={**variables, **overrides}, source=name)
        if rel == ".." or rel.startswith(".." + os.sep):
            target.outside.append(str(folder))
        else:
            target.paths.append(Path(rel).as_posix())
        targets.append(target)
    if not targets:
        raise _UsageError(f"{config}: no sources", hint="add sources: [{name, repo, path, vars}] or pass PATHs")
    return targets


def _sources(config: Path) -> list[tuple[str | None, str, dict[str, str]]]:
    """``(name, path, vars)`` per source: through ``controller.config`` when it is available (it
    validates the whole file), else a minimal safe read of ``sources[].path`` and ``vars``."""
    try:
        module: Any = importlib.import_module("controller.config")
        load_config = module.load_config
    except Exception:  # not built yet, or broken mid-edit: the minimal reader is enough here
        load_config = None
    if load_config is not None:
        loaded = load_config(config)  # ConfigError is a GitOpsError: reported as one line
        return [(s.name, str(s.path), {str(k): str(v) for k, v in s.vars.items()}) for s in loaded.sources]
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _UsageError(f"{config}: cannot read: {exc}") from None
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, list):
        raise _UsageError(f"{config}: sources must be a list", hint="sources: [{name, repo, path, vars}]")
    out: list[tuple[str | None, str, dict[str, str]]] = []
    for i, source in enumerate(sources):
        if not isinstance(source, dict):
            raise _UsageError(f"{config}: sources[{i}] must be a mapping")
        raw_vars = source.get("vars") or {}
        if not isinstance(raw_vars, dict):
            raise _UsageError(f"{config}: sources[{i}].vars must be a mapping of NAME: value")
        variables = {str(k): _text(v) for k, v in raw_vars.items()}
        name = source.get("name")
        out.append((str(name) if name is not None else None, str(source.get("path") or "."), variables))
    return out


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _outside(given: str, root: Path) -> FileResult:
    from controller.spec.problems import SpecProblem

    hint = f"paths must be inside the repository root {root} (set --root)"
    return FileResult(given, syncable=None, problems=(SpecProblem(given, "$", "outside the repository root", hint),))


def _print_text(results: list[tuple[str | None, FileResult]], valid: bool, by_source: bool) -> None:
    errors = warnings = failed = 0
    for source, result in results:
        for problem in result.problems:
            prefix = f"[{source}] " if by_source and source else ""
            print(prefix + str(problem))
            errors += problem.is_error
            warnings += not problem.is_error
        failed += any(p.is_error for p in result.problems)
    files = len(results)
    summary = (
        f"{files} file{'s' if files != 1 else ''} checked: {files - failed} valid, {failed} with errors, "
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    )
    if files == 0:
        summary = "no FlowSpec files found"
    print(summary if valid else f"{summary} — FAILED")


def _print_json(results: list[tuple[str | None, FileResult]], valid: bool, by_source: bool) -> None:
    files: list[dict[str, Any]] = []
    for source, result in results:
        item: dict[str, Any] = {
            "file": result.file,
            "syncable": result.syncable,
            "workflow": result.workflow,
            "identity": result.identity,
            "problems": [p.as_dict() for p in result.problems],
        }
        if by_source or source is not None:
            item["source"] = source
        files.append(item)
    print(json.dumps({"files": files, "valid": valid}, ensure_ascii=False, indent=2))
