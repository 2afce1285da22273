"""After failures the next run waits a growing backoff, never longer than the source's interval."""

from __future__ import annotations

from controller.scheduling import DEFAULT_BACKOFF, Backoff


def test_default_backoff_doubles_from_five_seconds_like_argo_cd_retries() -> None:
    assert DEFAULT_BACKOFF.schedule(interval=3600, count=6) == (5, 10, 20, 40, 80, 160)


def test_backoff_is_capped_at_the_source_interval() -> None:
    assert DEFAULT_BACKOFF.schedule(interval=30, count=5) == (5, 10, 20, 30, 30)


def test_an_explicit_cap_below_the_interval_wins() -> None:
    self_heal = Backoff(first=2, factor=3, cap=300)
    assert self_heal.schedule(interval=3600, count=7) == (2, 6, 18, 54, 162, 300, 300)


def test_an_interval_shorter_than_the_first_delay_caps_even_the_first_retry() -> None:
    assert DEFAULT_BACKOFF.delay(1, interval=2) == 2


def test_thousands_of_failures_stay_at_the_cap() -> None:
    assert DEFAULT_BACKOFF.delay(100_000, interval=600) == 600
