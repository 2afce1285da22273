"""Store tests use real SQLite files in a temp state_dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store in a temp state_dir, closed after the test."""
    with Store.open(tmp_path) as opened:
        yield opened
