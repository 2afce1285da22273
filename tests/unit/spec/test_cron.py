"""DataWorks cron expressions are checked field by field: ``ss mm HH dd MM ?``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.spec.cron import cron_errors

VALID = [
    "00 00 00 * * ?",
    "00 */30 00-23 * * ?",
    "00 03 00 * * ?",
    "00 00 02 ? * 2",
    "00 00 02 ? * MON-FRI",
    "00 00 00 L * ?",
    "00 00 00 1-31/2 JAN-DEC ?",
    "00 05,35 8-18/2 1,15 * ?",
    "0 0 0 * * ?",
    "00 00 02 ? * 1,7",
]

INVALID = {
    "0 0 24 * * ?": ["hours: 24 is outside 0-23"],
    "00 00 00 * *": ["expected 6 fields, got 5"],
    "00 00 00 * * * 2024": ["expected 6 fields, got 7"],
    "00 00 00 * * *": ["exactly one of day-of-month and day-of-week must be '?'"],
    "00 00 00 ? * ?": ["exactly one of day-of-month and day-of-week must be '?'"],
    "00 5-1 * * * ?": ["minutes: range '5-1' runs backwards"],
    "00 */0 * * * ?": ["minutes: step 0 in '*/0' must be between 1 and 60"],
    "00 1,,2 * * * ?": ["minutes: '' is missing a value"],
    "? 00 00 * * ?": ["seconds: '?' is only allowed in day-of-month or day-of-week"],
    "00 00 00 0 * ?": ["day-of-month: 0 is outside 1-31"],
    "00 00 00 * 13 ?": ["month: 13 is outside 1-12"],
    "00 00 00 ? * 8": ["day-of-week: 8 is outside 1-7"],
    "00 00 00 * * L": ["day-of-week: 'L' is not a number", "exactly one of day-of-month and day-of-week must be '?'"],
    "00 00 ２ * * ?": ["hours: '２' is not a number"],
    "00 */x * * * ?": ["minutes: step 'x' in '*/x' is not a number"],
}


@pytest.mark.parametrize("expression", VALID)
def test_dataworks_cron_expressions_are_accepted(expression: str) -> None:
    assert cron_errors(expression) == []


@pytest.mark.parametrize(("expression", "errors"), INVALID.items(), ids=list(INVALID))
def test_broken_cron_expressions_name_the_field_and_the_problem(expression: str, errors: list[str]) -> None:
    assert cron_errors(expression) == errors


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    number = st.integers(low, high)
    single = number.map(lambda n: f"{n:02d}")
    span = st.tuples(number, number).map(sorted).map(lambda ab: f"{ab[0]}-{ab[1]}")
    step = st.integers(1, high - low + 1)
    stepped = st.one_of(
        step.map(lambda s: f"*/{s}"),
        st.tuples(span, step).map(lambda t: f"{t[0]}/{t[1]}"),
        st.tuples(single, step).map(lambda t: f"{t[0]}/{t[1]}"),
    )
    item = st.one_of(single, span, stepped)
    return st.one_of(st.just("*"), st.lists(item, min_size=1, max_size=3).map(",".join))


@given(
    seconds=_field(0, 59),
    minutes=_field(0, 59),
    hours=_field(0, 23),
    day=_field(1, 31),
    month=_field(1, 12),
    weekday=_field(1, 7),
    weekly=st.booleans(),
)
def test_every_well_formed_expression_is_accepted(
    seconds: str, minutes: str, hours: str, day: str, month: str, weekday: str, weekly: bool
) -> None:
    dom, dow = ("?", weekday) if weekly else (day, "?")
    assert cron_errors(f"{seconds} {minutes} {hours} {dom} {month} {dow}") == []


@given(st.integers(60, 10_000), st.integers(0, 5))
def test_an_out_of_range_number_in_any_field_is_an_error(value: int, position: int) -> None:
    fields = ["00", "00", "00", "*", "*", "?"]
    fields[position] = str(value)
    if position == 5:
        fields[3] = "?"
    assert any("is outside" in e for e in cron_errors(" ".join(fields)))


@given(st.text(max_size=40))
def test_any_text_gets_a_list_of_errors_never_an_exception(text: str) -> None:
    assert isinstance(cron_errors(text), list)
