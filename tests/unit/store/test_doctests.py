"""The example in the store's docstring is true."""

from __future__ import annotations

import doctest

import controller.store


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(controller.store)
    assert result.attempted > 0
    assert result.failed == 0
