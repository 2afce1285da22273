"""Golden messages: each broken spec in tests/fixtures/specs/broken gives exactly its .expected lines.

To change a message on purpose, update the matching ``.expected`` file in the same commit.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from controller.spec.loader import load_paths

from .conftest import FIXTURES

BROKEN = sorted(p for p in (FIXTURES / "broken").iterdir() if p.suffix in (".json", ".yaml"))


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_a_broken_spec_reports_exactly_its_golden_messages(path: Path) -> None:
    started = time.perf_counter()
    result = load_paths(FIXTURES, [f"broken/{path.name}"], {"OWNER": "1"})
    elapsed = time.perf_counter() - started
    expected = path.with_name(path.name + ".expected").read_text(encoding="utf-8").splitlines()
    assert [str(p) for p in result.problems] == expected
    assert not result.valid
    assert elapsed < 1.0  # the alias bomb and friends are refused, not expanded


def test_every_golden_message_has_file_json_path_and_hint() -> None:
    for path in BROKEN:
        for line in path.with_name(path.name + ".expected").read_text(encoding="utf-8").splitlines():
            assert line.startswith(f"broken/{path.name}")
            assert ": $" in line
            assert line.endswith(")")
