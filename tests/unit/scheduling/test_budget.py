"""The daily API budget spaces runs out so it lasts until the UTC reset, instead of failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller.scheduling import DailyBudget


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_interval_the_budget_can_afford_is_kept() -> None:
    budget = DailyBudget(10_000, now=Clock(NOON))
    budget.spend(3)
    # 12 h left, ~3,332 runs of 3 calls affordable: one every 13 s, so a 3-minute interval stands.
    assert budget.stretch(interval=180, calls_per_run=3, sources=1) is None


def test_the_rest_of_the_day_is_shared_between_active_sources() -> None:
    budget = DailyBudget(100, now=Clock(NOON))
    budget.spend(20)
    alone = budget.stretch(interval=60, calls_per_run=10, sources=1)
    shared = budget.stretch(interval=60, calls_per_run=10, sources=2)
    assert alone == pytest.approx(12 * 3600 / 8)
    assert shared == pytest.approx(12 * 3600 / 4)


def test_a_spent_budget_waits_for_midnight_utc() -> None:
    budget = DailyBudget(100, now=Clock(NOON))
    budget.spend(95)
    assert budget.stretch(interval=60, calls_per_run=10, sources=1) == pytest.approx(12 * 3600)


def test_the_count_starts_afresh_on_a_new_utc_day() -> None:
    clock = Clock(NOON)
    budget = DailyBudget(100, now=clock)
    budget.spend(100)
    clock.at = NOON + timedelta(hours=13)  # 01:00 the next day
    assert budget.used == 0
    assert budget.stretch(interval=3600, calls_per_run=3, sources=1) is None
