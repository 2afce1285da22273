"""DataWorks cron expressions: six fields, ``ss mm HH dd MM ?`` (Quartz style, no year).

Pipeline position: a pure function used by ``validate`` for workflow and node triggers.

Accepted per field: a number (leading zeros fine: ``00``), ``*``, a range ``a-b`` (a ≤ b), a step
``*/n``, ``a/n`` or ``a-b/n`` (1 ≤ n ≤ the field's span), and comma lists of those. Day-of-month
and day-of-week are exclusive: exactly one of them is ``?`` (``00 00 02 * * ?`` daily,
``00 00 02 ? * 2`` weekly on Monday). Day-of-month also takes ``L`` (last day); months take
``JAN``–``DEC`` and days of week ``SUN``–``SAT`` (1 = Sunday, as in Quartz).
"""

from __future__ import annotations

from typing import NamedTuple


class _Field(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()


_FIELDS = (
    _Field("seconds", 0, 59),
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    _Field("day-of-week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)

#: The shape, for hints.
CRON_FORMAT = "six fields ss mm HH dd MM ?, e.g. 00 30 02 * * ? for 02:30 daily"


def _number(text: str, spec: _Field) -> int:
    upper = text.upper()
    if upper in spec.names:
        return spec.names.index(upper) + spec.low
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"{text!r} is not a number")
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{value} is outside {spec.low}-{spec.high}")
    return value


def _check_item(item: str, spec: _Field) -> None:
    base, slash, step = item.partition("/")
    if slash:
        if not step.isdigit() or not step.isascii():
            raise ValueError(f"step {step!r} in {item!r} is not a number")
        span = spec.high - spec.low + 1
        if not 1 <= int(step) <= span:
            raise ValueError(f"step {step} in {item!r} must be between 1 and {span}")
    if base == "*":
        return
    if base == "":
        raise ValueError(f"{item!r} is missing a value")
    low, dash, high = base.partition("-")
    first = _number(low, spec)
    if dash:
        last = _number(high, spec)
        if first > last:
            raise ValueError(f"range {base!r} runs backwards")


def cron_errors(expression: str) -> list[str]:
    """Problems with a DataWorks cron expression; an empty list means it is valid."""
    fields = expression.split()
    if len(fields) != 6:
        return [f"expected 6 fields, got {len(fields)}"]
    errors: list[str] = []
    for text, spec in zip(fields, _FIELDS, strict=True):
        if text == "?":
            if spec.name not in ("day-of-month", "day-of-week"):
                errors.append(f"{spec.name}: '?' is only allowed in day-of-month or day-of-week")
            continue
        if text == "L" and spec.name == "day-of-month":
            continue
        for item in text.split(","):
            try:
                _check_item(item, spec)
            except ValueError as exc:
                errors.append(f"{spec.name}: {exc}")
    day_of_month, day_of_week = fields[3], fields[5]
    if (day_of_month == "?") == (day_of_week == "?"):
        errors.append("exactly one of day-of-month and day-of-week must be '?'")
    return errors
