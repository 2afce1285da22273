"""``dataworks-gitops validate`` as users run it in CI: a real process, exit codes, text and JSON."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import FIXTURES, node, workflow

VARS = ["--var", "OWNER=1234567890123456", "--var", "DW_PROJECT=sales_dw"]


def _run(python_exe: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATAWORKS_GITOPS_", "ALIBABA_CLOUD_"))}
    return subprocess.run(
        [python_exe, "-m", "controller", "validate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def workflows(tmp_path: Path) -> Path:
    """A repo with the daily_sales workflow (YAML + SQL files)."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "workflow", root / "workflows")
    (root / "workflows" / "daily_sales.json").unlink()
    return root


def test_a_valid_repository_exits_0_with_a_summary(python_exe: str, workflows: Path) -> None:
    proc = _run(python_exe, "workflows", *VARS, cwd=workflows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "1 file checked: 1 valid, 0 with errors, 0 errors, 0 warnings\n"


def test_problems_exit_1_one_line_each(python_exe: str, workflows: Path) -> None:
    proc = _run(python_exe, "workflows", "--var", "OWNER=1", cwd=workflows)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == (
        "workflows/daily_sales.yaml:37: $.spec.workflows[0].outputs.nodeOutputs[0].data: ${DW_PROJECT} is not "
        "defined (add DW_PROJECT to the source's vars or pass --var DW_PROJECT=VALUE; write $${DW_PROJECT} "
        "for a literal)"
    )
    assert lines[-1] == "1 file checked: 0 valid, 1 with errors, 6 errors, 0 warnings — FAILED"
    assert "Traceback" not in proc.stderr


def test_json_output_lists_files_problems_and_validity(python_exe: str, workflows: Path) -> None:
    shutil.copy(FIXTURES / "corpus" / "simple.json", workflows / "workflows" / "simple.json")
    proc = _run(python_exe, "workflows", *VARS, "--output", "json", cwd=workflows)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["valid"] is False
    by_file = {f["file"]: f for f in report["files"]}
    assert by_file["workflows/daily_sales.yaml"] == {
        "file": "workflows/daily_sales.yaml",
        "syncable": True,
        "workflow": "daily_sales",
        "identity": "sales/daily_sales",
        "problems": [],
    }
    simple = by_file["workflows/simple.json"]
    assert (simple["syncable"], simple["workflow"]) == (False, None)
    (problem,) = simple["problems"]
    assert set(problem) == {"path", "line", "message", "hint", "severity"}
    assert (problem["path"], problem["line"], problem["severity"]) == ("$.spec", 4, "error")


def test_the_config_sources_are_validated_when_no_path_is_given(python_exe: str, workflows: Path) -> None:
    (workflows / "dataworks-gitops.yaml").write_text(
        "dataworks: {region: cn-shanghai, project_id: 1}\n"
        "sources:\n"
        "  - name: sales\n"
        "    repo: https://example.com/team/flows.git\n"
        "    path: workflows\n"
        "    vars: {OWNER: '1234567890123456', DW_PROJECT: sales_dw}\n",
        encoding="utf-8",
    )
    proc = _run(python_exe, cwd=workflows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _run(python_exe, "--var", "DW_PROJECT=${NOPE}", cwd=workflows)  # --var wins; values are not expanded
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _run(python_exe, "--output", "json", cwd=workflows)
    assert [f["source"] for f in json.loads(proc.stdout)["files"]] == ["sales"]


def test_no_path_and_no_config_explains_what_to_pass(python_exe: str, tmp_path: Path) -> None:
    proc = _run(python_exe, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == (
        "dataworks-gitops validate: no PATH given and no config file dataworks-gitops.yaml "
        "(pass spec files or folders, or --config pointing at dataworks-gitops.yaml)\n"
    )


def test_a_malformed_var_flag_is_refused(python_exe: str, workflows: Path) -> None:
    proc = _run(python_exe, "workflows", "--var", "lower=x", cwd=workflows)
    assert proc.returncode == 1
    assert "--var 'lower=x': expected NAME=VALUE" in proc.stderr


def test_paths_outside_the_root_are_refused(python_exe: str, workflows: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    proc = _run(python_exe, "workflows", str(other), "--root", str(workflows), *VARS, cwd=workflows)
    assert proc.returncode == 1
    assert f"{other}: $: outside the repository root" in proc.stdout


def test_a_directory_of_garbage_never_gives_a_traceback(python_exe: str, tmp_path: Path) -> None:
    root = tmp_path / "garbage"
    root.mkdir()
    rng = random.Random(20240518)
    for i in range(30):
        suffix = [".json", ".yaml", ".yml"][i % 3]
        (root / f"random{i}{suffix}").write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
    (root / "deep.json").write_text("[" * 50_000)
    (root / "deep.yaml").write_text("- " * 50_000 + "x")
    (root / "bomb.yaml").write_text("a: &a [x, x]\n" + "".join(f"b{i}: &b{i} [*a, *a]\n" for i in range(20)))
    (root / "tag.yaml").write_text("version: 1\nkind: CycleWorkflow\nspec: !!python/name:os.system\n")
    (root / "half.json").write_text('{"version": "1.1.0", "kind": "CycleWorkflow", "spec": {"workflows": [{"na')
    (root / "list.json").write_text("[1, 2, 3]")
    (root / "nul.yaml").write_bytes(b"version: 1.1.0\x00\nkind: x\n")
    (root / "weird.json").write_text(json.dumps(workflow("w", [node("n", script={"contentFile": 5})], tags="x")))
    (root / "cyclic").symlink_to(root / "cyclic")
    (root / "dangling.json").symlink_to(root / "missing.json")
    os.mkfifo(root / "fifo.json")
    for output in ("text", "json"):
        proc = _run(python_exe, ".", "--output", output, cwd=root)
        assert proc.returncode == 1
        assert "Traceback" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["valid"] is False
    assert all(f["problems"] for f in report["files"])
