"""Faults, end to end: the CLI as a process against the simulator process and real git repositories.

A controller killed mid-job, a throttling storm, a job DataWorks fails, a broken spec, a git server
that is down, guarded prune, ``self_heal: false`` and a workflow the controller does not own — each
must leave the workspace correct (one definition and one scheduled workflow per name, never a
duplicate) and say clearly what happened, without a traceback or a leaked secret.
"""

from __future__ import annotations

import base64
import json
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_dataworks_public20240518 import models

from controller.simulator.testing import SimulatorProcess
from tests.e2e.conftest import VARS, Controller, ControllerFactory, SmallRepoFactory, small_spec
from tests.e2e.console import console_edit, sdk
from tests.gitserver import GitDaemon, free_port, make_repo

pytestmark = pytest.mark.slow

WRITES = frozenset(
    {"ImportWorkflowDefinition", "UpdateWorkflow", "CreatePipelineRun", "ExecPipelineRunStage",
     "DeleteWorkflowDefinition", "DeleteWorkflow"}
)
#: Import jobs and pipeline stages finish almost at once: these tests are about faults, not waiting.
FAST = {"job_seconds": 0.05, "pipeline_seconds": 0.05}


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[GitDaemon]:
    """A ``git daemon`` on loopback that a test may stop (tests/gitserver.py)."""
    daemon = GitDaemon(tmp_path / "git-daemon" / "repos")
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["name"]: w for w in doc["workflows"]}


def _statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {w["name"]: w["status"] for w in doc["workflows"]}


def _sync(ctl: Controller) -> tuple[int, dict[str, Any], str]:
    """``sync --output json``: exit code, the document, and stderr (for traceback/secret checks)."""
    done = ctl.run("sync", "--output", "json")
    try:
        doc = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"not JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}") from exc
    return done.returncode, doc, done.stderr


def _status(ctl: Controller) -> dict[str, Any]:
    code, doc = ctl.json("status")
    assert code == 0, doc
    return doc


def _live(simulator: SimulatorProcess) -> tuple[Counter[str], Counter[str]]:
    """Names of the workspace's workflow definitions and of its scheduled workflows, with counts."""
    state = simulator.state()
    definitions = Counter(d["Spec"]["spec"]["workflows"][0]["name"] for d in state["definitions"])
    scheduled = Counter(w["Name"] for w in state["workflows"])
    return definitions, scheduled


def _assert_exactly_once(simulator: SimulatorProcess, names: list[str]) -> None:
    """One definition and one scheduled workflow per name, and nothing else."""
    definitions, scheduled = _live(simulator)
    assert definitions == Counter(names), definitions
    assert scheduled == Counter(names), scheduled


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _events(stderr: str, event: str) -> list[dict[str, Any]]:
    """The JSON log lines of one event (logs are JSON lines on stderr when it is not a terminal)."""
    found = []
    for line in stderr.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("event") == event:
            found.append(record)
    return found


def _scheduled_spec(name: str, **workflow: Any) -> str:
    """``small_spec`` with a resource group on every node: UpdateWorkflow (the console's save and the
    controller's full update) insists on one per task."""
    document = json.loads(small_spec(name, **workflow))
    for node in document["spec"]["workflows"][0]["nodes"]:
        node["runtimeResource"] = {"resourceGroup": VARS["RESOURCE_GROUP"]}
    return json.dumps(document, indent=2) + "\n"


def _files_containing(folder: Path, needles: list[str]) -> list[str]:
    """Files under ``folder`` (git cache, SQLite store, logs) whose bytes contain any needle."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n.encode() in data for n in needles):
                found.append(str(path))
    return found


def _sdk_import_and_publish(simulator: SimulatorProcess, name: str) -> tuple[str, int]:
    """Create and publish ``small_spec(name)`` the way a DataWorks user would (official SDK, no
    ownership tag); return the definition id and the scheduled workflow id."""
    client, project = sdk(simulator), simulator.project_id
    job = client.import_workflow_definition(
        models.ImportWorkflowDefinitionRequest(project_id=project, spec=small_spec(name))
    ).body.async_job
    definition_id = str(job.response)

    def job_done() -> bool:
        status = str(client.get_job_status(models.GetJobStatusRequest(job_id=job.id)).body.job_status.status)
        assert status in ("Running", "Success"), status
        return status == "Success"

    _wait_until(job_done, f"import job of {name}")
    run_id = client.create_pipeline_run(
        models.CreatePipelineRunRequest(project_id=project, type="Online", object_ids=[definition_id],
                                        run_mode="Auto")
    ).body.id

    def published() -> bool:
        run = client.get_pipeline_run(models.GetPipelineRunRequest(project_id=project, id=run_id)).body.pipeline
        status = str(run.status)
        assert status in ("Init", "Running", "Success"), status
        return status == "Success"

    _wait_until(published, f"publish of {name}")
    (workflow,) = [w for w in simulator.state()["workflows"] if w["Name"] == name]
    return definition_id, int(workflow["Id"])


# --- 1. kill -9 during an import job -------------------------------------------------------------


def test_kill_9_during_an_import_job_resumes_the_recorded_job(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    repo = small_repo("alpha", "beta")
    ctl = controller(repo=repo.url)
    simulator.configure(job_seconds=5, pipeline_seconds=0.05)
    log_path = tmp_path / "killed-sync.log"
    argv = [sys.executable, "-m", "controller", "--config", str(ctl.config), "--log-format", "json",
            "sync", "--output", "json"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(argv, env=ctl.env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        # In flight on both sides: DataWorks runs the job, and the controller has recorded it and
        # polled once (job_progress is logged after the job id is in the store).
        _wait_until(
            lambda: any(j["Status"] == "Running" for j in simulator.state()["jobs"])
            and '"job_progress"' in log_path.read_text(),
            "the import job to be in flight",
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    state = simulator.state()
    assert [j["Status"] for j in state["jobs"]] == ["Running"], "killed while its one job was running"
    assert state["definitions"] == []

    simulator.configure(job_seconds=0.05)
    code, doc, stderr = _sync(ctl)
    assert code == 0, (doc, stderr)
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}
    # The killed run's job was followed to its end, not submitted again: one import, for beta.
    assert doc["api_calls"]["ImportWorkflowDefinition"] == 1, doc["api_calls"]
    assert next(e["status"] for e in _events(stderr, "job_progress") if e["kind"] == "import_job") == "resuming"
    assert [j["Status"] for j in simulator.state()["jobs"]] == ["Success", "Success"]
    _assert_exactly_once(simulator, ["alpha", "beta"])

    code, doc, _ = _sync(ctl)
    assert code == 0, doc
    assert not WRITES & set(doc["api_calls"]), doc["api_calls"]


def test_a_job_outliving_the_timeout_is_followed_again_not_imported_again(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    ctl = controller(repo=small_repo("alpha").url, timeout="1s")
    simulator.configure(job_seconds=6, pipeline_seconds=0.05)  # outlives two 1 s timeouts
    code, doc, _ = _sync(ctl)
    assert code == 1, doc
    assert _statuses(doc) == {"alpha": "Progressing"}
    assert "next sync resumes it" in _by_name(doc)["alpha"]["message"]

    code, doc, _ = _sync(ctl)  # still running: followed again, and not submitted a second time
    assert code == 1, doc
    assert _statuses(doc) == {"alpha": "Progressing"}
    assert "ImportWorkflowDefinition" not in doc["api_calls"], doc["api_calls"]

    _wait_until(lambda: [j["Status"] for j in simulator.state()["jobs"]] == ["Success"], "the job to end")
    code, doc, _ = _sync(ctl)
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced"}
    assert "ImportWorkflowDefinition" not in doc["api_calls"], doc["api_calls"]
    _assert_exactly_once(simulator, ["alpha"])


# --- 2. throttling storm -------------------------------------------------------------------------


def test_throttling_storm_and_server_errors_still_sync_everything(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    names = ["alpha", "beta", "gamma"]
    ctl = controller(repo=small_repo(*names).url)  # the controller itself allows 500 QPS: it meets 429s
    simulator.configure(read_qps=8, write_qps=3, error_rate=0.1, seed=20240518, **FAST)

    code, doc, stderr = _sync(ctl)
    assert code == 0, (doc, stderr)
    assert _statuses(doc) == dict.fromkeys(names, "Synced")
    errors = simulator.stats()["errors"]
    assert errors.get("Throttling.User", 0) > 0, errors  # the storm happened ...
    assert errors.get("InternalError", 0) + errors.get("ServiceUnavailable", 0) > 0, errors
    assert '"api_retry"' in stderr  # ... and the client retried through it
    assert "Traceback" not in stderr
    _assert_exactly_once(simulator, names)


# --- 3. a job that ends Fail ---------------------------------------------------------------------


def test_a_job_that_ends_fail_marks_only_that_workflow_failed(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    repo = small_repo("alpha", "beta", "gamma")
    ctl = controller(repo=repo.url)
    # gamma is valid offline; only the workspace refuses it, when its import job ends (what a missing
    # resource group or data source does in DataWorks), so offline validation cannot catch it first.
    simulator.configure(**FAST, fail_import_path="small/gamma")
    check = ctl.run("validate", str(repo.path / "workflows" / "gamma.json"))
    assert check.returncode == 0, check.stdout + check.stderr

    code, doc, stderr = _sync(ctl)
    assert code == 1, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced", "gamma": "Failed"}
    message = _by_name(doc)["gamma"]["message"]
    assert "ended Fail" in message
    assert "$.spec.workflows[0].script.path: the workspace refused 'small/gamma'" in message
    assert "Traceback" not in stderr
    _assert_exactly_once(simulator, ["alpha", "beta"])

    stored = {w["name"]: w for w in _status(ctl)["workflows"]}
    assert stored["gamma"]["status"] == "Failed"
    assert "the workspace refused 'small/gamma'" in stored["gamma"]["last_error"]
    assert stored["alpha"]["status"] == "Synced"


# --- 4. a broken spec beside good ones -----------------------------------------------------------


def test_a_broken_spec_fails_alone_and_the_good_ones_sync(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    repo = small_repo("alpha", "beta")
    repo.commit("two broken specs", {
        "workflows/truncated.json": small_spec("truncated")[:120],  # not JSON any more
        "workflows/badcron.json": small_spec("badcron", cron="every day at three"),  # fails validation
    })
    ctl = controller(repo=repo.url)
    simulator.configure(**FAST)

    code, doc, stderr = _sync(ctl)
    assert code == 1, doc
    assert "Traceback" not in stderr
    good = {w["name"]: w["status"] for w in doc["workflows"] if w["action"] != "invalid"}
    assert good == {"alpha": "Synced", "beta": "Synced"}
    broken = {w["file"]: w for w in doc["workflows"] if w["action"] == "invalid"}
    assert set(broken) == {"workflows/truncated.json", "workflows/badcron.json"}, broken
    for file, result in broken.items():
        assert result["status"] == "Failed"
        assert file in result["message"], result
    assert "$.spec.workflows[0].trigger.cron" in broken["workflows/badcron.json"]["message"]
    _assert_exactly_once(simulator, ["alpha", "beta"])

    text = ctl.run("sync")
    assert text.returncode == 1
    assert "workflows/truncated.json" in text.stdout
    assert "workflows/badcron.json" in text.stdout
    assert "Traceback" not in text.stderr


# --- 5. a git server that is down ----------------------------------------------------------------


def test_an_unreachable_git_server_leaves_the_source_unknown_and_the_token_unseen(
    controller: ControllerFactory, tmp_path: Path
) -> None:
    token = "ghp_" + secrets.token_hex(18)
    port = free_port()  # nothing listens there
    ctl = controller(repo=f"https://127.0.0.1:{port}/team/dw.git", https_token_env="DW_GIT_TOKEN")
    ctl.env["DW_GIT_TOKEN"] = token
    secrets_shown = [token, base64.b64encode(f"git:{token}".encode()).decode()]

    code, doc, stderr = _sync(ctl)
    assert code == 1, doc
    (source,) = doc["sources"]
    assert source["status"] == "Unknown"
    assert f"cannot reach the git server (127.0.0.1:{port})" in source["error"]
    assert doc["workflows"] == []
    assert doc["api_calls"] == {}  # nothing to compare against: DataWorks is not even listed
    text = ctl.run("sync")
    assert text.returncode == 1
    assert "cannot reach the git server" in text.stdout
    status = _status(ctl)
    (stored,) = status["sources"]
    assert stored["status"] == "Unknown"
    assert "cannot reach the git server" in stored["last_error"]

    outputs = [json.dumps(doc), stderr, text.stdout, text.stderr, json.dumps(status)]
    assert not [s for s in secrets_shown if any(s in out for out in outputs)]
    assert _files_containing(tmp_path / "state", secrets_shown) == []
    assert "Traceback" not in stderr + text.stderr


def test_a_git_server_going_down_keeps_the_last_good_commit(
    controller: ControllerFactory, simulator: SimulatorProcess, git_server: GitDaemon, tmp_path: Path
) -> None:
    work = make_repo(tmp_path, {f"workflows/{n}.json": small_spec(n) for n in ("alpha", "beta")}, name="served")
    ctl = controller(repo=git_server.publish(work, "team/dw.git"))
    simulator.configure(**FAST)
    code, doc, _ = _sync(ctl)
    assert code == 0, doc
    good = work.head()
    assert doc["sources"][0]["commit"] == good

    git_server.stop()
    code, doc, stderr = _sync(ctl)
    assert code == 1, doc
    (source,) = doc["sources"]
    assert source["status"] == "Unknown"
    assert "cannot reach the git server" in source["error"]
    assert source["commit"] == good  # the last good commit, still what the workspace is synced to
    assert not WRITES & set(doc["api_calls"])
    assert "Traceback" not in stderr

    status = _status(ctl)
    (stored,) = status["sources"]
    assert (stored["status"], stored["last_commit"]) == ("Unknown", good)
    assert "cannot reach the git server" in stored["last_error"]
    assert {w["name"]: (w["status"], w["last_commit"]) for w in status["workflows"]} == {
        "alpha": ("Synced", good), "beta": ("Synced", good)
    }
    _assert_exactly_once(simulator, ["alpha", "beta"])


# --- 6. prune ------------------------------------------------------------------------------------


def test_prune_deletes_one_of_five_but_refuses_three_of_five(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    names = ["orders", "refunds", "stock", "users", "visits"]
    repo = small_repo(*names)
    ctl = controller(repo=repo.url, prune=True)
    simulator.configure(**FAST)
    assert _sync(ctl)[0] == 0

    # Three of five gone at once looks like a broken checkout: nothing is deleted.
    repo.commit("drop three", {f"workflows/{n}.json": None for n in names[:3]})
    code, doc, _ = _sync(ctl)
    assert code == 1, doc
    refused = doc["sources"][0]["prune_refused"]
    assert refused.startswith("prune refused: 3 of 5 owned workflows (60%) would be deleted"), refused
    assert "prune_max_share 30%" in refused
    for name in names[:3]:
        step = _by_name(doc)[name]
        assert (step["action"], step["status"], step["message"]) == ("report", "OutOfSync", refused)
    assert not WRITES & set(doc["api_calls"]), doc["api_calls"]
    _assert_exactly_once(simulator, names)
    assert "prune refused" in ctl.run("diff").stdout

    # One of five (20 %) is within the share: taken offline, then deleted.
    repo.commit("bring two back", {f"workflows/{n}.json": small_spec(n) for n in names[1:3]})
    code, doc, _ = _sync(ctl)
    assert code == 0, doc
    pruned = _by_name(doc)["orders"]
    assert (pruned["action"], pruned["status"]) == ("prune", "Synced")
    assert doc["api_calls"]["DeleteWorkflowDefinition"] == 1
    assert doc["api_calls"]["CreatePipelineRun"] == 1  # the Offline run
    _assert_exactly_once(simulator, names[1:])
    assert "orders" not in {w["name"] for w in _status(ctl)["workflows"]}


def test_without_prune_a_deleted_spec_is_reported_and_left_in_place(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    repo = small_repo("alpha", "beta")
    ctl = controller(repo=repo.url)  # prune is off by default
    simulator.configure(**FAST)
    assert _sync(ctl)[0] == 0

    repo.commit("drop beta", {"workflows/beta.json": None})
    code, doc, _ = _sync(ctl)
    # The orphan is reported, not failed: prune is off by the source's own choice (as in Argo CD).
    assert code == 0, doc
    orphan = _by_name(doc)["beta"]
    assert (orphan["action"], orphan["status"]) == ("report", "OutOfSync")
    assert "prune is off" in orphan["message"]
    assert _by_name(doc)["alpha"]["status"] == "Synced"
    assert not WRITES & set(doc["api_calls"]), doc["api_calls"]
    _assert_exactly_once(simulator, ["alpha", "beta"])


# --- 7. self_heal: false -------------------------------------------------------------------------


def _cron(simulator: SimulatorProcess, name: str) -> str:
    (workflow,) = [w for w in simulator.state()["workflows"] if w["Name"] == name]
    return str(workflow["Trigger"]["Cron"])


def test_self_heal_off_reports_console_drift_but_still_applies_new_commits(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    repo = small_repo("alpha", "beta")
    repo.commit("resource groups", {f"workflows/{n}.json": _scheduled_spec(n) for n in ("alpha", "beta")})
    ctl = controller(repo=repo.url, self_heal=False)
    simulator.configure(**FAST)
    assert _sync(ctl)[0] == 0

    def edit(body: dict[str, Any]) -> None:
        body["Trigger"]["Cron"] = "00 45 07 * * ?"

    console_edit(simulator, "alpha", edit)
    code, doc, _ = _sync(ctl)
    assert code == 0, doc  # held back by self_heal: false, reported, not a failure
    assert _by_name(doc)["alpha"]["drift_detected"]
    drifted = _by_name(doc)["alpha"]
    assert (drifted["action"], drifted["status"]) == ("report", "OutOfSync")
    assert [(c["path"], c["before"], c["after"]) for c in drifted["changes"]] == [
        ("/trigger/cron", "00 45 07 * * ?", "00 00 03 * * ?")
    ]
    assert "self_heal" in drifted["message"]
    assert _by_name(doc)["beta"]["status"] == "Synced"
    assert not WRITES & set(doc["api_calls"]), doc["api_calls"]
    assert _cron(simulator, "alpha") == "00 45 07 * * ?"  # not reverted

    repo.commit("alpha runs at 04:30", {"workflows/alpha.json": _scheduled_spec("alpha", cron="00 30 04 * * ?")})
    code, doc, _ = _sync(ctl)
    assert code == 0, doc
    assert _statuses(doc) == {"alpha": "Synced", "beta": "Synced"}
    assert doc["api_calls"].get("UpdateWorkflow") == 1, doc["api_calls"]
    assert _cron(simulator, "alpha") == "00 30 04 * * ?"
    _assert_exactly_once(simulator, ["alpha", "beta"])


# --- 8. a workflow the controller does not own ----------------------------------------------------


def test_a_workflow_it_does_not_own_is_reported_and_never_touched(
    controller: ControllerFactory, small_repo: SmallRepoFactory, simulator: SimulatorProcess
) -> None:
    simulator.configure(**FAST)
    # Made by hand in DataWorks: alpha at the very DataStudio path the repo's alpha spec names, and
    # legacy, which is in no spec at all.
    _sdk_import_and_publish(simulator, "alpha")
    _sdk_import_and_publish(simulator, "legacy")
    before = simulator.state()
    repo = small_repo("alpha", "beta")
    ctl = controller(repo=repo.url, prune=True)

    code, doc, stderr = _sync(ctl)
    assert code == 1, doc
    blocked = _by_name(doc)["alpha"]
    assert (blocked["action"], blocked["status"]) == ("blocked", "Failed")
    assert "'small/alpha' already exists in DataWorks and is not owned by this source" in blocked["message"]
    assert _by_name(doc)["beta"]["status"] == "Synced"
    assert "legacy" not in _by_name(doc)
    # Only beta was written: one import, no update, nothing deleted.
    assert doc["api_calls"]["ImportWorkflowDefinition"] == 1
    assert not {"UpdateWorkflow", "DeleteWorkflowDefinition", "DeleteWorkflow"} & set(doc["api_calls"])
    assert "Traceback" not in stderr

    # Without alpha's spec, prune (which is on) must still leave both foreign workflows alone.
    repo.commit("drop alpha", {"workflows/alpha.json": None})
    code, doc, _ = _sync(ctl)
    assert code == 0, doc
    assert _statuses(doc) == {"beta": "Synced"}
    assert not WRITES & set(doc["api_calls"]), doc["api_calls"]

    after = simulator.state()
    for name in ("alpha", "legacy"):
        old = [d for d in before["definitions"] if d["Spec"]["spec"]["workflows"][0]["name"] == name]
        new = [d for d in after["definitions"] if d["Spec"]["spec"]["workflows"][0]["name"] == name]
        assert new == old, f"definition {name} changed"
        old_wf = [w for w in before["workflows"] if w["Name"] == name]
        new_wf = [w for w in after["workflows"] if w["Name"] == name]
        assert new_wf == old_wf, f"scheduled workflow {name} changed"
    _assert_exactly_once(simulator, ["alpha", "beta", "legacy"])
