"""Date built-ins: CDate, DateAdd, DateDiff, DateFromNum, NumFromDate, FormatDateTime, Now
(docs/idp/entra-expressions.md §4.5, 4.11-4.13, 4.15, 4.31, 4.32).

DateTime values are aware UTC instants, rendered ``M/d/yyyy h:mm:ss tt``. ``Now()`` reads the
context's clock, never the system's, so previews and tests are reproducible (§4.31).
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

from scimdir.mapping import ast
from scimdir.mapping.dates import from_filetime, to_filetime
from scimdir.mapping.dotnet_format import DateFormatError, format_dotnet, parse_dotnet
from scimdir.mapping.errors import ExpressionSyntaxError
from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import Value, to_datetime, to_int, to_string

__all__ = ["SPECS"]

_INTERVALS = {
    "yyyy": "year",
    "m": "month",
    "d": "day",
    "ww": "week",
    "h": "hour",
    "n": "minute",
    "s": "second",
}
_SECONDS = {"d": 86_400, "h": 3_600, "n": 60, "s": 1}
_DATE_TIME_STYLES = frozenset(
    name.lower()
    for name in [
        "None",
        "AllowLeadingWhite",
        "AllowTrailingWhite",
        "AllowInnerWhite",
        "AllowWhiteSpaces",
        "NoCurrentDateDefault",
        "AdjustToUniversal",
        "AssumeLocal",
        "AssumeUniversal",
        "RoundtripKind",
    ]
)


def _interval(inv: Invocation) -> str:
    interval = inv.convert(0, to_string) or ""
    if interval not in _INTERVALS:
        inv.fail(
            f"unknown interval {interval!r}; use one of "
            + ", ".join(f'"{code}" ({name})' for code, name in _INTERVALS.items())
            + ".",
            0,
        )
    return interval


def cdate(inv: Invocation) -> Value:
    """CDate(expression): the UTC instant of a date string (ISO 8601 with or without offset, or
    ``M/d/yyyy h:mm:ss tt``). **[decision]** No offset means UTC; Null or unparseable -> error."""
    return inv.convert(0, to_datetime)


def _add_months(value: datetime, months: int) -> datetime:
    """.NET ``AddMonths``: the day is clamped to the end of the target month **[decision]**."""
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise OverflowError
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def date_add(inv: Invocation) -> Value:
    """DateAdd(interval, value, dateTime): ``dateTime`` plus ``value`` intervals (may be negative).

    Intervals: ``yyyy m d ww h n s``; an unknown interval is a runtime error.
    """
    interval = _interval(inv)
    amount = inv.convert(1, to_int)
    start = inv.convert(2, to_datetime)
    try:
        if interval == "yyyy":
            return _add_months(start, 12 * amount)
        if interval == "m":
            return _add_months(start, amount)
        seconds = 7 * 86_400 if interval == "ww" else _SECONDS[interval]
        return start + timedelta(seconds=seconds * amount)
    except OverflowError:
        inv.fail("the resulting date is out of range (years 1 to 9999).", 1)


def date_diff(inv: Invocation) -> Value:
    """DateDiff(interval, date1, date2): the number of intervals from date1 to date2.

    Visual Basic semantics (verified against REF's table): ``yyyy`` and ``m`` count calendar
    boundaries; ``d h n s`` are elapsed time truncated toward zero; ``ww`` moves both dates back to
    their Sunday and counts whole weeks.
    """
    interval = _interval(inv)
    first = inv.convert(1, to_datetime).astimezone(UTC)
    second = inv.convert(2, to_datetime).astimezone(UTC)
    if interval == "yyyy":
        return second.year - first.year
    if interval == "m":
        return 12 * (second.year - first.year) + second.month - first.month
    if interval == "ww":
        sunday1 = first.toordinal() - (first.weekday() + 1) % 7
        sunday2 = second.toordinal() - (second.weekday() + 1) % 7
        return (sunday2 - sunday1) // 7
    delta = second - first
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    unit = _SECONDS[interval] * 1_000_000
    return abs(micros) // unit * (1 if micros >= 0 else -1)


def date_from_num(inv: Invocation) -> Value:
    """DateFromNum(value): the instant of an AD large-integer date (FILETIME ticks)."""
    ticks = inv.convert(0, to_int)
    try:
        return from_filetime(ticks)
    except OverflowError:
        inv.fail(f"{ticks} is out of the range of dates.", 0)


def num_from_date(inv: Invocation) -> Value:
    """NumFromDate(value): the AD FILETIME (100-ns ticks since 1601-01-01 UTC) of a date."""
    return to_filetime(inv.convert(0, to_datetime))


def now(inv: Invocation) -> Value:
    """Now(): the current UTC time, taken from the evaluation context (never the system clock)."""
    current = inv.env.context.now
    if current is None:
        inv.fail("no current time is configured: pass context.now (an ISO 8601 instant).")
    return current if current.tzinfo is not None else current.replace(tzinfo=UTC)


def _validate_format_date_time(call: ast.Call) -> None:
    if len(call.args) == 3:
        raise ExpressionSyntaxError(
            "FormatDateTime takes 4 arguments: source, dateTimeStyles (may be left empty), "
            "inputFormat, outputFormat. The 3-argument form of older documents shifts the "
            'arguments; write FormatDateTime([x], , "inputFormat", "outputFormat").',
            call.position,
        )


def format_date_time(inv: Invocation) -> Value:
    """FormatDateTime(source, [dateTimeStyles], inputFormat, outputFormat).

    Parses source with the .NET custom ``inputFormat`` and writes it with ``outputFormat``. With an
    offset in the input the value is converted to UTC, Entra's local time **[doubt]**.
    **[decision]** Null or empty source -> Null (no error); a source that does not match the
    input format -> runtime error; 4 slots required (the 3-argument form is refused with a hint).
    ``dateTimeStyles`` names are checked, but every accepted value behaves as the documented
    default ``RoundtripKind | AllowLeadingWhite | AllowTrailingWhite``.
    """
    if inv.supplied(1):
        styles = inv.convert(1, to_string) or ""
        names = [part.strip().lower() for part in re.split(r"[,|]", styles) if part.strip()]
        if not all(name in _DATE_TIME_STYLES or name.isdigit() for name in names):
            inv.fail(f"{styles!r} is not a .NET DateTimeStyles value (e.g. RoundtripKind).", 1)
    source = inv.convert(0, to_string)
    input_format = inv.convert(2, to_string) or ""
    output_format = inv.convert(3, to_string) or ""
    if not source:
        return None
    try:
        return format_dotnet(parse_dotnet(source, input_format), output_format)
    except DateFormatError as exc:
        inv.fail(f"{exc}; check the source value or the inputFormat.", 0)


SPECS = (
    FunctionSpec("CDate", ("expression",), 1, 1, cdate),
    FunctionSpec(
        "DateAdd", ("interval", "value", "dateTime"), 3, 3, date_add, frozenset({0, 1, 2})
    ),
    FunctionSpec("DateDiff", ("interval", "date1", "date2"), 3, 3, date_diff, frozenset({0, 1, 2})),
    FunctionSpec("DateFromNum", ("value",), 1, 1, date_from_num),
    FunctionSpec("NumFromDate", ("value",), 1, 1, num_from_date),
    FunctionSpec("Now", (), 0, 0, now, frozenset()),
    FunctionSpec(
        "FormatDateTime",
        ("source", "[dateTimeStyles]", "inputFormat", "outputFormat"),
        3,
        4,
        format_date_time,
        frozenset({0, 2, 3}),
        validate=_validate_format_date_time,
    ),
)
