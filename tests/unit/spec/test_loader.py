"""load_source: discovery, script files, placeholders, cross-file checks and the cache."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from controller.spec.loader import SpecCache, load_paths, load_source

from .conftest import FIXTURES, WriteFile, node, workflow

VARS = {"OWNER": "1234567890123456", "DW_PROJECT": "sales_dw"}


def _messages(result_problems: object) -> list[str]:
    return [str(p) for p in result_problems]  # type: ignore[attr-defined]


def test_the_workflow_fixture_loads_with_sql_inlined_and_placeholders_filled(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "workflow", tmp_path / "wf")
    (tmp_path / "wf" / "daily_sales.json").unlink()  # the pair would (rightly) claim one workflow twice
    result = load_source(tmp_path, "wf", VARS)
    assert result.valid
    assert result.complete
    (spec,) = result.specs
    assert (spec.file, spec.identity, spec.identity_kind, spec.name) == (
        "wf/daily_sales.yaml",
        "sales/daily_sales",
        "path",
        "daily_sales",
    )
    assert [s.path for s in spec.script_files] == ["wf/sql/ods_orders.sql", "wf/sql/dwd_sales_clean.sql"]
    first = spec.workflow.nodes[0].script_object()  # type: ignore[index]
    assert first is not None
    assert first.content == (
        "-- ods_orders: land yesterday's orders\n"
        "INSERT OVERWRITE TABLE sales_dw.ods_orders PARTITION (ds='${bizdate}')\n"
        "SELECT * FROM sales_dw.src_orders WHERE ds = '$[yyyymmdd-1]' AND note <> '${NOT_A_VAR}';\n"
    )
    assert first.content_file is None
    dumped = spec.document.model_dump(by_alias=True, exclude_unset=True)
    assert "contentFile" not in str(dumped)
    assert dumped["spec"]["workflows"][0]["futureWorkflowField"] == {"kept": True, "list": [1, 2]}
    assert dumped["spec"]["workflows"][0]["nodes"][1]["unknownNodeField"] == 42
    assert dumped["spec"]["workflows"][0]["owner"] == "1234567890123456"


def test_the_yaml_and_json_forms_of_one_workflow_load_equal(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "workflow", tmp_path / "wf")
    from_yaml = load_paths(tmp_path, ["wf/daily_sales.yaml"], VARS).files[0].spec
    from_json = load_paths(tmp_path, ["wf/daily_sales.json"], VARS).files[0].spec
    assert from_yaml is not None
    assert from_json is not None
    assert from_yaml.document == from_json.document
    assert from_yaml.digest != from_json.digest  # different files, different blobs


def test_only_flowspec_files_are_specs(repo: Path, write: WriteFile) -> None:
    write("flows/a.json", workflow("a", [node("x")]))
    write("flows/sql/a.sql", "select 1;")
    write("flows/package.json", {"name": "tooling", "version": "1.0.0"})
    write("flows/notes.yaml", "title: not a spec\n")
    write("flows/k8s.yaml", "kind: ConfigMap\n---\nkind: Secret\n")
    write("flows/empty.yml", "")
    write("flows/dataworks-gitops.yaml", "sources: []\n")
    write("flows/.hidden/b.json", workflow("b", [node("y")]))
    write("flows/README.md", "# hi")
    result = load_source(repo, "flows", {})
    assert [f.file for f in result.files] == ["flows/a.json"]
    assert result.valid


def test_excluded_globs_are_skipped(repo: Path, write: WriteFile) -> None:
    write("flows/a.json", workflow("a", [node("x")]))
    write("flows/drafts/b.json", workflow("b", [node("y")]))
    write("flows/c.draft.yaml", "version: 1.1.0\nkind: CycleWorkflow\nspec: {workflows: [{}, {}]}\n")
    result = load_source(repo, "flows", {}, exclude=["drafts/*", "*.draft.yaml"])
    assert [f.file for f in result.files] == ["flows/a.json"]


def test_one_bad_file_never_stops_the_others(repo: Path, write: WriteFile) -> None:
    write("flows/good.json", workflow("good", [node("x")]))
    write("flows/broken.json", '{"version": "1.1.0", "kind": "CycleWorkflow", "spec": {')
    write("flows/invalid.yaml", "version: 1.1.0\nkind: CycleWorkflow\nspec: {workflows: [{nodes: []}]}\n")
    result = load_source(repo, "flows", {})
    assert [s.file for s in result.specs] == ["flows/good.json"]
    assert [f.file for f in result.failed] == ["flows/broken.json", "flows/invalid.yaml"]
    assert not result.valid
    assert not result.complete  # broken.json could be any workflow: prune must wait


def test_a_file_that_is_not_a_workflow_keeps_the_result_complete(repo: Path, write: WriteFile) -> None:
    shutil.copy(FIXTURES / "corpus" / "simple.json", repo / "simple.json")
    result = load_source(repo, ".", {})
    assert result.files[0].syncable is False
    assert result.complete


def test_an_identity_is_the_workflow_id_else_its_path_else_its_name(repo: Path, write: WriteFile) -> None:
    write("a.json", workflow("a", [node("x")], id=7429810016123250001))
    write("b.json", workflow("b", [node("y")], script={"path": "team/b", "runtime": {"command": "WORKFLOW"}}))
    write("c.json", workflow("c", [node("z")]))
    specs = load_source(repo, ".", {}).specs
    assert [(s.identity, s.identity_kind, s.path) for s in specs] == [
        ("7429810016123250001", "id", "a"),
        ("team/b", "path", "team/b"),
        ("c", "path", "c"),
    ]


def test_two_files_claiming_one_workflow_are_both_errors(repo: Path, write: WriteFile) -> None:
    write("a.json", workflow("same", [node("x")], id="1"))
    write("b.json", workflow("other", [node("y")], id="1"))
    write("c.json", workflow("same", [node("z")]))
    result = load_source(repo, ".", {})
    hint = "(one file per workflow: delete the copy, or give one of them another script.path or name)"
    assert _messages(result.problems) == [
        f"a.json:6: $.spec.workflows[0]: DataStudio path 'same' is also claimed by c.json {hint}",
        f"a.json:19: $.spec.workflows[0].id: workflow id '1' is also claimed by b.json {hint}",
        f"b.json:19: $.spec.workflows[0].id: workflow id '1' is also claimed by a.json {hint}",
        f"c.json:6: $.spec.workflows[0]: DataStudio path 'same' is also claimed by a.json {hint}",
    ]
    assert result.specs == ()


def test_output_names_are_unique_across_the_repository(repo: Path, write: WriteFile) -> None:
    out = {"nodeOutputs": [{"data": "p.shared_out"}]}
    write("a.json", workflow("a", [node("x", outputs=out)]))
    write("b.json", workflow("b", [node("y", outputs=out)]))
    messages = _messages(load_source(repo, ".", {}).problems)
    assert [m.split(" (")[0] for m in messages] == [
        "a.json:20: $.spec.workflows[0].nodes[0].outputs.nodeOutputs[0].data: output 'p.shared_out' is also "
        "declared in b.json",
        "b.json:20: $.spec.workflows[0].nodes[0].outputs.nodeOutputs[0].data: output 'p.shared_out' is also "
        "declared in a.json",
    ]


def test_cross_workflow_dependencies_resolve_in_the_repository(repo: Path, write: WriteFile) -> None:
    write("up.json", workflow("up", [node("x", outputs={"nodeOutputs": [{"data": "p.up_out"}]})]))

    def downstream(output: str) -> dict[str, object]:
        return workflow("down", [node("y")], dependencies=[{"nodeId": "y", "depends": [{"output": output}]}])

    write("down.json", downstream("p.up_out"))
    assert load_source(repo, ".", {}).valid
    write("down.json", downstream("up_out"))
    assert [p.message for p in load_source(repo, ".", {}).problems] == [
        "depends on 'up_out', which no node or workflow declares"
    ]
    write("down.json", downstream("elsewhere.some_node_out"))
    assert load_source(repo, ".", {}).problems == ()
    write("down.json", downstream("p.up_uot"))
    (warning,) = load_source(repo, ".", {}).problems
    assert (warning.severity, warning.message) == ("warning", "no workflow in this repository declares 'p.up_uot'")


def test_script_files_resolve_relative_to_the_spec_and_may_use_dotdot_inside(
    repo: Path, write: WriteFile
) -> None:
    write("shared/sql/common.sql", "select '${ENV}';\n")
    write("flows/team/a.json", workflow("a", [node("x", script={"contentFile": "../../shared/sql/common.sql"})]))
    (spec,) = load_source(repo, "flows", {"ENV": "prod"}).specs
    script = spec.workflow.nodes[0].script_object()  # type: ignore[index]
    assert script is not None
    assert script.content == "select 'prod';\n"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("../../../etc/passwd", "contentFile '../../../etc/passwd' escapes the repository root"),
        ("/etc/passwd", "contentFile '/etc/passwd' is an absolute path"),
        ("sql\\x.sql", "contentFile 'sql\\\\x.sql' uses backslashes"),
        ("sql/missing.sql", "contentFile 'sql/missing.sql' not found (looked for flows/sql/missing.sql)"),
        ("sql", "contentFile 'sql' is not a regular file"),
        ("", "contentFile must be a relative file path"),
    ],
)
def test_unsafe_or_missing_script_files_are_refused(repo: Path, write: WriteFile, ref: str, message: str) -> None:
    write("flows/sql/ok.sql", "select 1;")
    write("flows/a.json", workflow("a", [node("x", script={"contentFile": ref})]))
    (problem,) = load_source(repo, "flows", {}).problems
    assert problem.message == message
    assert problem.path == "$.spec.workflows[0].nodes[0].script.contentFile"
    assert problem.line == 15


def test_a_symlink_out_of_the_repository_is_refused(repo: Path, write: WriteFile, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    write("flows/a.json", workflow("a", [node("x", script={"contentFile": "sql/link.sql"})]))
    (repo / "flows" / "sql").mkdir()
    os.symlink(secret, repo / "flows" / "sql" / "link.sql")
    (problem,) = load_source(repo, "flows", {}).problems
    assert problem.message == "contentFile 'sql/link.sql' is a symlink that leads out of the repository"
    assert "top secret" not in str(problem)


def test_a_symlink_inside_the_repository_is_fine(repo: Path, write: WriteFile) -> None:
    write("shared/real.sql", "select 2;")
    write("flows/a.json", workflow("a", [node("x", script={"contentFile": "link.sql"})]))
    os.symlink(repo / "shared" / "real.sql", repo / "flows" / "link.sql")
    assert load_source(repo, "flows", {}).valid


def test_a_spec_file_symlinked_from_outside_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text('{"version": "1.1.0", "kind": "CycleWorkflow", "spec": {"workflows": [{"name": "x"}]}}')
    os.symlink(outside, repo / "a.json")
    (problem,) = load_source(repo, ".", {}).problems
    assert problem.message == "symlink leads out of the repository"


def test_oversized_script_and_spec_files_are_refused(repo: Path, write: WriteFile) -> None:
    write("flows/big.sql", b"-" * (1024 * 1024 + 1))
    write("flows/a.json", workflow("a", [node("x", script={"contentFile": "big.sql"})]))
    write("flows/huge.json", b" " * (2 * 1024 * 1024 + 1))
    started = time.perf_counter()
    result = load_source(repo, "flows", {})
    assert time.perf_counter() - started < 2
    assert _messages(result.problems) == [
        "flows/a.json:15: $.spec.workflows[0].nodes[0].script.contentFile: contentFile 'big.sql' is larger than "
        "the limit of 1048576 bytes (split it, or raise the limit if this is really one workflow)",
        "flows/huge.json: $: spec file is larger than the limit of 2097152 bytes "
        "(split it, or raise the limit if this is really one workflow)",
    ]


def test_script_files_must_be_utf8(repo: Path, write: WriteFile) -> None:
    write("a.sql", b"select '\xff';")
    write("a.json", workflow("a", [node("x", script={"contentFile": "a.sql"})]))
    (problem,) = load_source(repo, ".", {}).problems
    assert problem.message == "contentFile 'a.sql': not UTF-8 text (byte 8)"


def test_content_and_content_file_together_are_ambiguous(repo: Path, write: WriteFile) -> None:
    write("a.sql", "select 1;")
    data = workflow("a", [node("x", script={"contentFile": "a.sql"})])
    data["spec"]["workflows"][0]["nodes"][0]["script"]["content"] = "select 2;"
    write("a.json", data)
    (problem,) = load_source(repo, ".", {}).problems
    assert problem.message == "script has both content and contentFile"


def test_undefined_placeholders_in_script_files_name_the_script_line(repo: Path, write: WriteFile) -> None:
    write("sql/a.sql", "select 1;\nselect '${MISSING}';\n")
    write("a.json", workflow("a", [node("x", script={"contentFile": "sql/a.sql"})]))
    (problem,) = load_source(repo, ".", {}).problems
    assert problem.message == "sql/a.sql:2: ${MISSING} is not defined"
    assert problem.path == "$.spec.workflows[0].nodes[0].script.contentFile"


def test_yaml_values_that_json_cannot_hold_are_refused(repo: Path, write: WriteFile) -> None:
    write(
        "a.yaml",
        "version: 1.1.0\nkind: CycleWorkflow\nspec:\n  workflows:\n    - name: a\n"
        "      nodes: []\n      blob: !!binary aGVsbG8=\n      x: .inf\n      1: one\n",
    )
    assert _messages(load_source(repo, ".", {}).problems) == [
        "a.yaml:5: $.spec.workflows[0]: key 1 is not a string (quote the key)",
        "a.yaml:7: $.spec.workflows[0].blob: a YAML bytes value is not allowed "
        "(FlowSpec holds JSON values only: objects, lists, strings, numbers, true/false, null)",
        "a.yaml:8: $.spec.workflows[0].x: inf is not a JSON number (write a finite number or quote it)",
    ]


def test_a_missing_source_path_is_reported_and_blocks_pruning(repo: Path) -> None:
    result = load_source(repo, "nowhere", {})
    assert _messages(result.problems) == ["nowhere: $: path not found (check the source's path)"]
    assert not result.complete


class TestCache:
    """A re-run with the same cache re-reads nothing that did not change."""

    def test_an_unchanged_rerun_is_all_hits_with_equal_results(self, repo: Path, write: WriteFile) -> None:
        write("sql/a.sql", "select 1;")
        write("a.json", workflow("a", [node("x", script={"contentFile": "sql/a.sql"})]))
        write("b.json", workflow("b", [node("y")]))
        write("notes.yaml", "not: a spec\n")
        cache = SpecCache()
        first = load_source(repo, ".", {}, cache=cache)
        assert (cache.hits, cache.misses) == (0, 3)
        second = load_source(repo, ".", {}, cache=cache)
        assert (cache.hits, cache.misses) == (3, 3)
        assert second == first

    def test_a_changed_script_file_reloads_its_spec_only(self, repo: Path, write: WriteFile) -> None:
        write("sql/a.sql", "select 1;")
        write("a.json", workflow("a", [node("x", script={"contentFile": "sql/a.sql"})]))
        write("b.json", workflow("b", [node("y")]))
        cache = SpecCache()
        before = load_source(repo, ".", {}, cache=cache).specs[0]
        write("sql/a.sql", "select 2;")
        after = load_source(repo, ".", {}, cache=cache).specs[0]
        assert (cache.hits, cache.misses) == (1, 3)
        assert after.sha == before.sha
        assert after.digest != before.digest
        assert after.workflow.nodes[0].script_object().content == "select 2;"  # type: ignore[index,union-attr]

    def test_changed_vars_reload_everything(self, repo: Path, write: WriteFile) -> None:
        write("a.json", workflow("a", [node("x")], owner="${OWNER}"))
        cache = SpecCache()
        assert load_source(repo, ".", {"OWNER": "1"}, cache=cache).specs[0].workflow.owner == "1"
        assert load_source(repo, ".", {"OWNER": "2"}, cache=cache).specs[0].workflow.owner == "2"
        assert cache.hits == 0

    def test_a_touched_but_unchanged_file_is_rehashed_not_reparsed(self, repo: Path, write: WriteFile) -> None:
        path = write("a.json", workflow("a", [node("x")]))
        cache = SpecCache()
        load_source(repo, ".", {}, cache=cache)
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
        load_source(repo, ".", {}, cache=cache)
        assert (cache.hits, cache.misses) == (1, 1)

    def test_a_script_file_that_appears_later_is_picked_up(self, repo: Path, write: WriteFile) -> None:
        write("a.json", workflow("a", [node("x", script={"contentFile": "a.sql"})]))
        cache = SpecCache()
        assert not load_source(repo, ".", {}, cache=cache).valid
        write("a.sql", "select 3;")
        assert load_source(repo, ".", {}, cache=cache).valid

    def test_a_dependency_fixed_in_another_file_clears_the_error(self, repo: Path, write: WriteFile) -> None:
        write("up.json", workflow("up", [node("x")]))
        write("down.json", workflow("down", [node("y")], dependencies=[{"nodeId": "y", "depends": [{"output": "u"}]}]))
        cache = SpecCache()
        assert not load_source(repo, ".", {}, cache=cache).valid
        write("up.json", workflow("up", [node("x", outputs={"nodeOutputs": [{"data": "u"}]})]))
        assert load_source(repo, ".", {}, cache=cache).valid
