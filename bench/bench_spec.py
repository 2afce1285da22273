"""Benchmark: load + validate (+ normalise) a 5,000-workflow repository, then re-run with the cache.

Generates, in a temporary folder, N workflows (default 5,000; half YAML, half JSON) of ~10 nodes
each, every node's SQL in its own file, ``${VAR}`` placeholders, a dependency chain inside each
workflow and one cross-workflow dependency per workflow. Then times:

1. a cold ``load_source`` (discover, read, parse, placeholders, inline SQL, type, validate, cross-file);
2. normalising every spec into the canonical model (``controller.spec.to_model``, when present);
3. a re-run with the same ``SpecCache`` where nothing changed;
4. a re-run after one SQL file changed.

Prints seconds and peak memory (resident set size). Targets: cold < 10 s and < 1 GiB; unchanged
re-run well under 1 s. Asserts nothing about speed.

    .venv/bin/python bench/bench_spec.py [--workflows 5000] [--nodes 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from controller.spec.loader import SpecCache, load_source

VARS = {"OWNER": "1234567890123456", "DW_PROJECT": "bench_dw", "RESOURCE_GROUP": "S_res_group_bench"}


def _peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _workflow(i: int, nodes: int) -> dict[str, Any]:
    name = f"wf_{i:05d}"
    node_list: list[dict[str, Any]] = []
    deps: list[dict[str, Any]] = []
    for n in range(nodes):
        node_name = f"{name}_n{n:02d}"
        node_list.append(
            {
                "name": node_name,
                "owner": "${OWNER}",
                "recurrence": "Normal",
                "rerunMode": "Allowed",
                "rerunTimes": 3,
                "rerunInterval": 180000,
                "timeout": 0,
                "instanceMode": "T+1",
                "script": {
                    "language": "odps-sql",
                    "runtime": {"command": "ODPS_SQL"},
                    "contentFile": f"sql/{node_name}.sql",
                    "parameters": [{"name": "bizdate", "value": "$bizdate", "type": "System"}],
                },
                "runtimeResource": {"resourceGroup": "${RESOURCE_GROUP}"},
                "outputs": {
                    "nodeOutputs": [{"data": f"${{DW_PROJECT}}.{node_name}_out", "artifactType": "NodeOutput"}]
                },
                "tags": [{"key": "layer", "value": "dwd"}],
            }
        )
        if n:
            deps.append(
                {
                    "nodeId": node_name,
                    "depends": [{"type": "Normal", "output": f"${{DW_PROJECT}}.{name}_n{n - 1:02d}_out"}],
                }
            )
    if i:
        # One cross-workflow edge: resolved through the repository-wide output index.
        deps.append(
            {
                "nodeId": f"{name}_n00",
                "depends": [{"type": "Normal", "output": f"${{DW_PROJECT}}.wf_{i - 1:05d}_n{nodes - 1:02d}_out"}],
            }
        )
    return {
        "version": "1.1.0",
        "kind": "CycleWorkflow",
        "spec": {
            "workflows": [
                {
                    "name": name,
                    "owner": "${OWNER}",
                    "script": {"path": f"bench/{name}", "runtime": {"command": "WORKFLOW"}},
                    "trigger": {"type": "Scheduler", "cron": f"00 {i % 60:02d} 02 * * ?", "timezone": "Asia/Shanghai"},
                    "strategy": {
                        "timeout": 0,
                        "instanceMode": "T+1",
                        "rerunMode": "Allowed",
                        "failureStrategy": "Break",
                    },
                    "tags": [{"key": "team", "value": f"team{i % 20}"}],
                    "nodes": node_list,
                    "dependencies": deps,
                }
            ]
        },
    }


def _yaml_dump(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200)


def generate(root: Path, workflows: int, nodes: int) -> tuple[int, int]:
    """Write the repository; return (spec files, script files)."""
    scripts = 0
    for i in range(workflows):
        folder = root / "workflows" / f"team{i % 20:02d}" / f"wf_{i:05d}"
        (folder / "sql").mkdir(parents=True)
        doc = _workflow(i, nodes)
        if i % 2:
            (folder / "workflow.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
        else:
            (folder / "workflow.yaml").write_text(_yaml_dump(doc), encoding="utf-8")
        for node in doc["spec"]["workflows"][0]["nodes"]:
            sql = (
                f"-- {node['name']}\n"
                f"INSERT OVERWRITE TABLE ${{DW_PROJECT}}.{node['name']} PARTITION (ds='${{bizdate}}')\n"
                f"SELECT id, amount, '$[yyyymmdd-1]' AS d FROM ${{DW_PROJECT}}.src WHERE ds = '$bizdate';\n"
            )
            (folder / node["script"]["contentFile"]).write_text(sql, encoding="utf-8")
            scripts += 1
    return workflows, scripts


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = fn()
    print(f"{label:<46} {time.perf_counter() - started:8.2f} s   peak RSS {_peak_rss_mib():7.0f} MiB")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=5000)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="generate here and keep it (default: a temp dir, removed)")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-spec-"))
    try:
        specs, scripts = _timed("generate repository", lambda: generate(root, args.workflows, args.nodes))
        print(f"  {specs} spec files (half YAML, half JSON), {scripts} SQL files, {args.nodes} nodes each")
        print(f"  peak RSS before loading: {_peak_rss_mib():.0f} MiB")
        cache = SpecCache()
        result = _timed("cold load + validate", lambda: load_source(root, "workflows", VARS, cache=cache))
        print(f"  {len(result.specs)} specs valid, {len(result.problems)} problems")
        for problem in result.problems[:5]:
            print(f"    {problem}")
        try:
            from controller.spec import to_model
        except ImportError:
            print("normalise: controller.spec.to_model not present, skipped")
        else:

            def normalise() -> int:
                return sum(1 for s in result.specs if to_model.model_from_flowspec(s.document, file=s.file))

            count = _timed("normalise (to_model.model_from_flowspec)", normalise)
            print(f"  {count} workflow models")
        again = _timed("re-run, nothing changed (cache)", lambda: load_source(root, "workflows", VARS, cache=cache))
        print(f"  cache hits {cache.hits}, misses {cache.misses}; results equal: {again == result}")
        changed = next(root.glob("workflows/team00/wf_00000/sql/*.sql"))
        changed.write_text(changed.read_text(encoding="utf-8") + "-- edited\n", encoding="utf-8")
        hits, misses = cache.hits, cache.misses
        _timed("re-run, one SQL file changed (cache)", lambda: load_source(root, "workflows", VARS, cache=cache))
        print(f"  reloaded {cache.misses - misses} file(s), reused {cache.hits - hits}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
