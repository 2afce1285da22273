"""Interval runs are jittered ±10% around the interval (Flux's default), never outside it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from controller.scheduling import interval_trigger


def _gaps(interval: float, jitter: float, count: int = 400) -> list[float]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    trigger = interval_trigger(interval, jitter, start=start)
    fire = trigger.get_next_fire_time(None, start)
    gaps = []
    for _ in range(count):
        nxt = trigger.get_next_fire_time(fire, fire)
        gaps.append((nxt - fire).total_seconds())
        fire = nxt
    return gaps


def test_every_gap_stays_within_ten_percent_of_the_interval() -> None:
    random.seed(7)  # apscheduler draws jitter from the global random module
    gaps = _gaps(300.0, 0.1)
    assert min(gaps) >= 270.0 - 1e-6
    assert max(gaps) <= 330.0 + 1e-6


def test_jitter_spreads_runs_both_earlier_and_later_than_the_interval() -> None:
    random.seed(11)
    gaps = _gaps(300.0, 0.1)
    assert min(gaps) < 280.0
    assert max(gaps) > 320.0


def test_jitter_does_not_drift_the_average_period() -> None:
    random.seed(3)
    gaps = _gaps(60.0, 0.1, count=2000)
    assert sum(gaps) / len(gaps) == pytest.approx(60.0, abs=0.5)


def test_zero_jitter_fires_exactly_on_the_interval() -> None:
    assert set(_gaps(60.0, 0.0, count=10)) == {60.0}


def test_the_first_run_comes_one_interval_after_start_not_at_once() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = interval_trigger(60.0, 0.0, start=start).get_next_fire_time(None, start + timedelta(seconds=1))
    assert first == start + timedelta(seconds=60)
