"""Every real FlowSpec file gets a verdict — loaded, or "not syncable" with why — never a traceback.

Runs over the shared corpus (``../shared/flowspec-corpus`` beside the checkout) when it is there,
and always over the copies in tests/fixtures/specs/corpus.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from controller.spec.flowspec import parse_flowspec
from controller.spec.loader import load_paths
from controller.spec.safeload import format_of, parse_text

from .conftest import FIXTURES, SHARED_CORPUS


def _spec_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if format_of(p.name)) if folder.is_dir() else []


SHARED = _spec_files(SHARED_CORPUS)
COPIES = _spec_files(FIXTURES / "corpus")
ALL = [pytest.param(p, id=f"shared/{p.name}") for p in SHARED] + [pytest.param(p, id=f"copy/{p.name}") for p in COPIES]


@pytest.mark.parametrize("source", ALL)
def test_every_corpus_file_gets_a_verdict_with_file_and_path(source: Path, tmp_path: Path) -> None:
    shutil.copy(source, tmp_path / source.name)
    result = load_paths(tmp_path, [source.name], {})
    (verdict,) = result.files
    assert verdict.file == source.name
    if verdict.ok:
        assert verdict.spec is not None
    else:
        assert verdict.problems
        for problem in verdict.problems:
            assert str(problem).startswith(f"{source.name}:")
            assert problem.path.startswith("$")


@pytest.mark.parametrize("source", ALL)
def test_every_corpus_document_fits_the_models(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    data = parse_text(text, file=source.name, fmt=format_of(source.name) or "json")
    doc = parse_flowspec(data, file=source.name)
    assert doc.kind in ("CycleWorkflow", "ManualWorkflow")


def test_the_node_level_corpus_is_not_syncable_and_says_how_to_export_a_workflow(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "corpus" / "node-dide_shell.json", tmp_path / "n.json")
    (verdict,) = load_paths(tmp_path, ["n.json"], {}).files
    assert verdict.syncable is False
    assert [str(p) for p in verdict.problems] == [
        "n.json:4: $.spec: not syncable: a node-level spec (spec.nodes + spec.flow); dataworks-gitops syncs "
        "spec.workflows[] (export the workflow itself with DataStudio's 'Show Spec' on the workflow; its shape "
        "is {version, kind, spec: {workflows: [ONE_WORKFLOW]}})"
    ]


def test_the_import_api_seed_is_syncable_as_it_is(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "corpus" / "seed_import_workflow_definition.json", tmp_path / "seed.json")
    result = load_paths(tmp_path, ["seed.json"], {})
    assert result.valid
    (spec,) = result.specs
    assert (spec.identity, spec.identity_kind, spec.kind) == ("632647691239009XXXX", "id", "CycleWorkflow")
    assert spec.path == "XX/OpenAPI_Test/Workflow_Test/Asynchronous_Workflow_Creation_Test"
    original = json.loads((tmp_path / "seed.json").read_text(encoding="utf-8"))
    assert spec.document.model_dump(by_alias=True, exclude_unset=True) == original
