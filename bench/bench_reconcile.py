"""API calls and wall time of sync runs at N = 100 / 1,000 workflows, at DataWorks' 5 QPS with 50 ms latency.

The issue's question: what does the controller cost against a metered OpenAPI (architecture §4), beside a
naive controller that re-reads every workflow on every run, as Terraform's refresh does? For each N:

1. **cold sync** — an empty workspace, N workflows in the checkout: every one is created (import, job
   polls, publish pipeline, read back);
2. **steady diff** — ``diff`` right after, nothing changed: must cost list pages only, not N;
3. **1 % changed sync** — 1 % of the specs get a new cron, then ``sync``: pages, plus read, update and
   verify of the changed workflows only;
4. **diff after** — ``diff`` again: back to list pages (the verify read recorded the new ``ModifyTime``).

Workflows are two-node CycleWorkflow FlowSpec JSON files (unique DataStudio paths and node outputs) in a
temporary folder. The real reconciler (:class:`~controller.reconcile.run.SyncRun`, ``apply: update``,
in-memory state, a plain folder as the checkout: no git, no SQLite) runs against the simulator as a
child process over real HTTP. "5 QPS" is the Basic-to-Professional limit: the client's shared token
bucket at 5 calls/s, and the simulator refusing more than 5 reads/s or 5 writes/s (any refusal shows in
the ``429`` column). Import jobs and publish stages finish at once (``--job-seconds``,
``--pipeline-seconds``) and job polling starts at 0.2 s, one token's worth, so a cold sync runs close to
the floor the rate limit allows (calls / 5 s): real jobs and publishes take longer and poll more.

A cold sync costs 12 calls a workflow, so at 5 QPS it takes about 2.4 s a workflow (40 min for N = 1,000):
cold syncs larger than ``--timed-cold-max`` (default 100; 0 with ``--quick``) run with latency and limits
off, and their time at 5 QPS is *computed* (calls / QPS, and at the pace of the timed cold sync) and marked
``*``. Every other row is timed under 50 ms / 5 QPS.

Exits 1 when a steady-state ``diff`` costs anything but list pages (``2 * ceil(N / 100) + 1``: definition
pages of CycleWorkflow, one of ManualWorkflow, scheduled-workflow pages), when a run does not leave all N
workflows ``Synced``, or when the 1 % run does not make exactly one ``UpdateWorkflow`` per changed workflow.

    .venv/bin/python bench/bench_reconcile.py [--quick] [--n 100 --n 1000] [--timed-cold-max 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from controller import logs
from controller.commands.common import limiter_for
from controller.commands.runner import poll_schedule
from controller.config import Config, DataWorksSettings, SourceConfig
from controller.dataworks.client import PAGE_SIZE, DataWorksClient
from controller.dataworks.credentials import resolve_credentials, resolve_endpoint
from controller.dataworks.ratelimit import RateLimiter
from controller.reconcile.jobs import PollSchedule
from controller.reconcile.results import RunResult
from controller.reconcile.run import RunOptions, SyncRun
from controller.reconcile.testing import DirectoryCheckout, MemoryState
from controller.simulator.testing import SimulatorProcess, start_simulator_process
from controller.spec.loader import SpecCache

QPS = 5.0
LATENCY_MS = 50.0
TASKS = 2  # nodes per generated workflow
CHANGED_SHARE = 0.01
OWNER = "1234567890123456"
#: UpdateWorkflow requires every task's RuntimeResource.ResourceGroupId (dataworks-api.md, UpdateWorkflow).
RESOURCE_GROUP = "S_res_group_bench"
CRON, NEW_CRON = "00 00 03 * * ?", "00 30 04 * * ?"
SETUP_POLL = PollSchedule(initial=0.01, maximum=0.05, timeout=600)

#: Short names for the calls-by-action column.
SHORT = {
    "ListWorkflowDefinitions": "LWD",
    "ListWorkflows": "LW",
    "GetWorkflowDefinition": "GWD",
    "GetWorkflow": "GW",
    "GetTask": "GT",
    "ImportWorkflowDefinition": "IWD",
    "GetJobStatus": "GJS",
    "CreatePipelineRun": "CPR",
    "GetPipelineRun": "GPR",
    "ExecPipelineRunStage": "EPRS",
    "UpdateWorkflow": "UW",
}


def spec(index: int, cron: str = CRON) -> str:
    """A two-node CycleWorkflow (load → report) at DataStudio path ``bench/wf_NNNNN``, as JSON (the shape
    of ``small_spec`` in tests/e2e/conftest.py, plus a resource group so that updates are accepted)."""
    name = f"wf_{index:05d}"
    load, report = f"{name}_load", f"{name}_report"
    document = {
        "version": "1.1.0",
        "kind": "CycleWorkflow",
        "spec": {"workflows": [{
            "name": name,
            "owner": OWNER,
            "script": {"path": f"bench/{name}", "runtime": {"command": "WORKFLOW"}},
            "trigger": {"type": "Scheduler", "cron": cron},
            "nodes": [
                {"name": load, "script": {"runtime": {"command": "ODPS_SQL"}, "content": f"SELECT 1 AS {load};"},
                 "runtimeResource": {"resourceGroup": RESOURCE_GROUP},
                 "outputs": {"nodeOutputs": [{"data": f"bench.{load}", "artifactType": "NodeOutput",
                                              "refTableName": load}]}},
                {"name": report, "script": {"runtime": {"command": "ODPS_SQL"},
                                            "content": f"-- reads {load}\nSELECT 2;"},
                 "runtimeResource": {"resourceGroup": RESOURCE_GROUP}},
            ],
            "dependencies": [{"nodeId": report, "depends": [{"type": "Normal", "output": f"bench.{load}"}]}],
        }]},
    }
    return json.dumps(document, indent=2) + "\n"


def list_pages(n: int) -> int:
    """What a steady-state run may cost: CycleWorkflow definition pages, one (empty) ManualWorkflow
    page, scheduled-workflow pages — 100 a page, an empty list still one call."""
    pages = max(1, math.ceil(n / PAGE_SIZE))
    return pages + 1 + pages


@dataclass(frozen=True)
class Row:
    """One scenario's figures."""

    n: int
    scenario: str
    seconds: float
    calls: Mapping[str, int]
    throttled: int
    naive: int
    timed: bool  # False: latency and limits were off; ``seconds`` is computed as calls / QPS
    note: str = ""

    @property
    def total(self) -> int:
        """All API calls of the run."""
        return sum(self.calls.values())


def naive_calls(calls: Mapping[str, int], known: int, changed: int) -> int:
    """A refresh-every-run controller: ``(2 + T) * known`` reads (GetWorkflowDefinition, GetWorkflow and
    T GetTask per workflow in its state) instead of our list pages, then the same apply work as ours —
    minus our targeted pre-update reads (``(1 + T) * changed``), which its refresh already made."""
    listed = sum(n for action, n in calls.items() if action.startswith("List"))
    return (2 + TASKS) * known + sum(calls.values()) - listed - (1 + TASKS) * changed


def compact(calls: Mapping[str, int]) -> str:
    """``LWD 11 LW 10 ...`` in a fixed order."""
    order = {a: i for i, a in enumerate(SHORT)}
    items = sorted(calls.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    return " ".join(f"{SHORT.get(a, a)} {n}" for a, n in items)


class Bench:
    """One N: a folder of specs, the run state carried between runs, and the simulator."""

    def __init__(self, sim: SimulatorProcess, n: int, root: Path, args: argparse.Namespace) -> None:
        self.sim = sim
        self.n = n
        self.root = root
        self.args = args
        self.state = MemoryState()
        self.cache = SpecCache()  # kept across runs, as the daemon keeps it
        self.commit = 0
        (root / "workflows").mkdir(parents=True)
        for i in range(n):
            (root / "workflows" / f"wf_{i:05d}.json").write_text(spec(i))
        self.config = Config(
            dataworks=DataWorksSettings(
                endpoint=sim.endpoint, protocol="http", project_id=sim.project_id, qps=QPS,
                poll_initial=1 / QPS, poll_max=30,
            ),
            state_dir=root / "state",
            sources=(SourceConfig(name="bench", repo=str(root), path="workflows"),),
        )

    def limited(self, on: bool) -> None:
        """Simulator latency and QPS limits on (50 ms, 5 QPS) or off."""
        if on:
            self.sim.configure(latency_ms=LATENCY_MS, read_qps=QPS, write_qps=QPS)
        else:
            self.sim.configure(latency_ms=0, read_qps=0, write_qps=0)

    async def run(self, *, dry_run: bool, limited: bool) -> tuple[RunResult, float, int]:
        """One sync (or diff) run: its result, wall seconds and throttled (429) attempts."""
        self.limited(limited)
        self.commit += 1
        checkout = DirectoryCheckout(self.root, commit=f"{self.commit:040x}")
        limiter = limiter_for(self.config.dataworks) if limited else RateLimiter.unlimited()
        async with DataWorksClient(
            endpoint=resolve_endpoint(endpoint=self.sim.endpoint, protocol="http"),
            credentials=resolve_credentials(self.sim.access_key_id, self.sim.access_key_secret),
            project_id=self.sim.project_id,
            env=self.config.dataworks.env,
            limiter=limiter,
        ) as client:
            # Unthrottled setup polls fast: with instant jobs and stages (the default) that leaves the
            # number of polls unchanged, so its call counts are those of a run at 5 QPS.
            poll = poll_schedule(self.config) if limited else SETUP_POLL
            options = RunOptions(dry_run=dry_run, poll=poll)
            run = SyncRun(self.config, client, self.state, lambda _source: checkout, options=options,
                          spec_cache=self.cache)
            started = time.perf_counter()
            result = await run.run()
            seconds = time.perf_counter() - started
            throttled = sum(n for (_, code), n in client.calls.by_code().items() if code.startswith("Throttling"))
        return result, seconds, throttled

    def change(self, share: float) -> int:
        """Give ``share`` of the specs (at least one, spread evenly) a new cron; how many changed."""
        count = max(1, round(self.n * share))
        step = self.n / count
        for k in range(count):
            i = int(k * step)
            (self.root / "workflows" / f"wf_{i:05d}.json").write_text(spec(i, cron=NEW_CRON))
        return count

    async def scenarios(self) -> tuple[list[Row], list[str]]:
        """Run the four scenarios; the rows and every broken expectation."""
        rows: list[Row] = []
        problems: list[str] = []
        n = self.n

        timed_cold = n <= self.args.timed_cold_max
        result, seconds, throttled = await self.run(dry_run=False, limited=timed_cold)
        calls = result.api_calls
        note = "" if timed_cold else f"latency/QPS off for setup: ran in {seconds:.0f} s; time = calls / {QPS:g} QPS"
        cold_seconds = seconds if timed_cold else sum(calls.values()) / QPS
        rows.append(Row(n, "cold sync", cold_seconds, calls, throttled, naive_calls(calls, 0, 0), timed_cold, note))
        problems += _expect_synced(result, n, "cold sync")

        result, seconds, throttled = await self.run(dry_run=True, limited=True)
        rows.append(Row(n, "steady diff", seconds, result.api_calls, throttled,
                        naive_calls(result.api_calls, n, 0), True))
        problems += _expect_synced(result, n, "steady diff") + _expect_pages(result, n, "steady diff")

        changed = self.change(CHANGED_SHARE)
        result, seconds, throttled = await self.run(dry_run=False, limited=True)
        calls = result.api_calls
        rows.append(Row(n, f"{CHANGED_SHARE:.0%} changed sync", seconds, calls, throttled,
                        naive_calls(calls, n, changed), True, f"{changed} of {n} specs changed"))
        problems += _expect_synced(result, n, "1% changed sync")
        if calls.get("UpdateWorkflow", 0) != changed:
            problems.append(f"N={n} 1% changed sync: {calls.get('UpdateWorkflow', 0)} UpdateWorkflow, "
                            f"expected {changed}")

        result, seconds, throttled = await self.run(dry_run=True, limited=True)
        rows.append(Row(n, "diff after", seconds, result.api_calls, throttled,
                        naive_calls(result.api_calls, n, 0), True))
        problems += _expect_synced(result, n, "diff after") + _expect_pages(result, n, "diff after")
        return rows, problems


def _expect_synced(result: RunResult, n: int, scenario: str) -> list[str]:
    counts: dict[str, int] = {}
    for wf in result.workflows:
        counts[wf.status] = counts.get(wf.status, 0) + 1
    if counts != {"Synced": n}:
        return [f"N={n} {scenario}: expected {n} Synced, got {counts or 'no workflows'}"]
    return []


def _expect_pages(result: RunResult, n: int, scenario: str) -> list[str]:
    calls = result.api_calls
    expected = list_pages(n)
    others = {a: c for a, c in calls.items() if not a.startswith("List")}
    if sum(calls.values()) != expected or others:
        return [f"N={n} {scenario}: {sum(calls.values())} calls ({compact(calls)}), expected list pages only: "
                f"{expected} = 2 * ceil({n}/{PAGE_SIZE}) + 1"]
    return []


def with_pace(rows: list[Row]) -> list[Row]:
    """Untimed cold syncs get a second estimate beside calls / QPS: the pace (seconds per call, poll
    pauses and latency included) of the largest cold sync that was timed."""
    timed = [r for r in rows if r.scenario == "cold sync" and r.timed]
    if not timed:
        return rows
    pace_row = max(timed, key=lambda r: r.n)
    pace = pace_row.seconds / pace_row.total
    return [
        replace(r, note=f"{r.note}; at the timed N={pace_row.n} cold pace ({pace:.3f} s/call): "
                        f"{r.total * pace:.0f} s")
        if r.scenario == "cold sync" and not r.timed else r
        for r in rows
    ]


def print_table(rows: list[Row]) -> None:
    """The figures, one line per scenario."""
    head = (f"{'N':>5}  {'scenario':<18} {'wall s':>8}  {'calls':>6} {'429s':>5} {'naive':>6} {'naive s':>8}  "
            "calls by action")
    print(head)
    print("-" * len(head))
    for row in rows:
        wall = f"{row.seconds:.1f}" + ("" if row.timed else "*")
        naive_wall = f"{row.naive / QPS:.0f}*"
        print(f"{row.n:>5}  {row.scenario:<18} {wall:>8}  {row.total:>6} {row.throttled:>5} {row.naive:>6} "
              f"{naive_wall:>8}  {compact(row.calls)}")
        if row.note:
            print(f"{'':>7}{'':<18} {row.note}")


async def main_async(args: argparse.Namespace) -> int:
    """Run every N against one simulator process, print the table; 1 when an expectation broke."""
    sizes = [100] if args.quick else (args.n or [100, 1000])
    rows: list[Row] = []
    problems: list[str] = []
    started = time.perf_counter()
    with start_simulator_process(job_seconds=args.job_seconds, pipeline_seconds=args.pipeline_seconds,
                                 seed=1) as sim:
        for n in sizes:
            sim.reset()
            sim.configure(job_seconds=args.job_seconds, pipeline_seconds=args.pipeline_seconds)
            with tempfile.TemporaryDirectory(prefix=f"bench-reconcile-{n}-") as tmp:
                bench_rows, bench_problems = await Bench(sim, n, Path(tmp), args).scenarios()
            rows += bench_rows
            problems += bench_problems
            print(f"-- N={n} done ({time.perf_counter() - started:.0f} s so far)", file=sys.stderr, flush=True)
    rows = with_pace(rows)
    print(f"sync runs against the simulator: {LATENCY_MS:g} ms latency, {QPS:g} QPS (client bucket shared by reads "
          f"and writes; simulator {QPS:g} reads/s + {QPS:g} writes/s); {TASKS}-node workflows; import jobs "
          f"{args.job_seconds:g} s, publish stages {args.pipeline_seconds:g} s")
    print_table(rows)
    untimed = "every cold sync" if args.timed_cold_max <= 0 else f"cold syncs above N={args.timed_cold_max}"
    print(f"* computed, not timed: calls / {QPS:g} QPS, the floor the rate limit allows (naive s always; {untimed} "
          "ran with latency and limits off, --timed-cold-max raises that)")
    print(f"naive = (2 + T) * N_known + (our calls - our list pages - (1 + T) * changed), T = {TASKS}: a controller "
          "that refreshes every workflow it knows each run (GetWorkflowDefinition + GetWorkflow + T x GetTask), "
          "then applies like us; N_known = 0 for the cold sync, N after")
    print("calls by action: " + ", ".join(f"{short} {action}" for action, short in SHORT.items()))
    pages = ", ".join(f"N={n}: {list_pages(n)}" for n in sizes)
    print(f"steady state must be list pages, 2 * ceil(N / {PAGE_SIZE}) + 1 ({pages})")
    print(f"total bench time {time.perf_counter() - started:.0f} s")
    if problems:
        for problem in problems:
            print(f"FAIL: {problem}")
        return 1
    print("OK: every steady-state diff cost list pages only, and every run ended with all workflows Synced")
    return 0


def main() -> None:
    """Parse flags, run, exit 1 when a key property failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="N = 100 only, its cold sync set up unthrottled (about 10 s instead of 5 min)")
    parser.add_argument("--n", type=int, action="append", help="workflow count (repeatable; default 100 and 1000)")
    parser.add_argument("--timed-cold-max", type=int,
                        help="time cold syncs up to this N at 5 QPS, larger ones are set up unthrottled "
                             "(default 100; 0 with --quick)")
    parser.add_argument("--job-seconds", type=float, default=0.0, help="simulated import job duration")
    parser.add_argument("--pipeline-seconds", type=float, default=0.0, help="simulated publish stage duration")
    args = parser.parse_args()
    if args.timed_cold_max is None:
        args.timed_cold_max = 0 if args.quick else 100
    logs.configure("error")  # the runs' event logs would drown the table
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
