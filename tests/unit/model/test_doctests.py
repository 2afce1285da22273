"""The examples in the docstrings of the model, its adapters, the diff, ignore and masking are true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "controller.model.values",
    "controller.model.normal",
    "controller.reconcile.diff",
    "controller.reconcile.ignore",
    "controller.reconcile.masking",
    "controller.spec.to_model",
    "controller.dataworks.adapters.vocabulary",
    "controller.dataworks.adapters.assigned",
    "controller.scheduling",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
