"""Fixtures for the DataWorks client's unit tests."""

from __future__ import annotations

import pytest

from tests.unit.dataworks.scripted import FakeTime


@pytest.fixture
def fake_time() -> FakeTime:
    """A fake monotonic clock whose sleep only advances it."""
    return FakeTime()
