"""Recent delivery ids are remembered, within a bound, so retries are not run twice."""

from __future__ import annotations

import pytest

from controller.server.webhooks import DeliveryLog


def test_second_claim_of_an_id_is_a_duplicate() -> None:
    log = DeliveryLog(4)
    assert log.claim("github:a")
    assert not log.claim("github:a")


def test_oldest_ids_are_forgotten_past_capacity() -> None:
    log = DeliveryLog(3)
    for key in "abcd":
        assert log.claim(key)
    assert len(log) == 3
    assert log.claim("a"), "the oldest id was evicted, so it counts as new"
    assert not log.claim("d")


def test_a_duplicate_refreshes_its_id() -> None:
    log = DeliveryLog(2)
    log.claim("a")
    log.claim("b")
    assert not log.claim("a")  # a is now the most recent
    log.claim("c")  # evicts b, not a
    assert not log.claim("a")
    assert log.claim("b")


def test_released_id_can_be_claimed_again() -> None:
    log = DeliveryLog(2)
    log.claim("a")
    log.release("a")
    assert log.claim("a")
    log.release("never-claimed")


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DeliveryLog(0)
