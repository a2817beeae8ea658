"""Dates as Entra's expression service reads and writes them (docs/idp/entra-expressions.md §3.2,
§4.5, §4.13).

DateTime values are aware ``datetime`` objects in UTC. Entra renders them as ``M/d/yyyy h:mm:ss tt``
with invariant AM/PM (REF: CDate, DateAdd, Now). Parsing accepts the forms CDate must read: ISO
date with offset (``2020-03-16-07:00``, which ``datetime.fromisoformat`` does not read, hence the
regular expression), ISO date-time with or without offset, and ``M/d/yyyy[ h:mm[:ss] tt]``.
Text without an offset is taken as UTC **[decision]**. Large-integer dates are Windows FILETIME:
100-ns ticks since 1601-01-01 UTC (REF DateFromNum, NumFromDate).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = [
    "FILETIME_EPOCH",
    "format_datetime",
    "from_filetime",
    "parse_date",
    "to_filetime",
]

FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)

_ISO_DATE_OFFSET = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:?\d{2})$")
_US_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?$"
)


def format_datetime(value: datetime) -> str:
    """``M/d/yyyy h:mm:ss tt`` in UTC, e.g. ``3/16/2020 7:00:00 AM``."""
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    hour12 = utc.hour % 12 or 12
    suffix = "AM" if utc.hour < 12 else "PM"
    return (
        f"{utc.month}/{utc.day}/{utc.year:04d} {hour12}:{utc.minute:02d}:{utc.second:02d} {suffix}"
    )


def parse_date(text: str) -> datetime | None:
    """Parse ``text`` by CDate's rules into an aware UTC ``datetime``; ``None`` if it is no date."""
    stripped = text.strip()
    match = _ISO_DATE_OFFSET.match(stripped)
    if match:
        year, month, day, offset = match.groups()
        try:
            naive = datetime(int(year), int(month), int(day))
        except ValueError:
            return None
        return _apply_offset(naive, offset)
    match = _US_DATE.match(stripped)
    if match:
        return _us_date(match)
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _apply_offset(naive: datetime, offset: str) -> datetime | None:
    if offset == "Z":
        return naive.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        return None
    zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return naive.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None


def _us_date(match: re.Match[str]) -> datetime | None:
    month, day, year, hour, minute, second, ampm = match.groups()
    h = int(hour or 0)
    if ampm is not None:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm.upper() == "PM" else 0)
    try:
        return datetime(
            int(year), int(month), int(day), h, int(minute or 0), int(second or 0), tzinfo=UTC
        )
    except ValueError:
        return None


def from_filetime(ticks: int) -> datetime:
    """The UTC instant of a FILETIME (100-ns ticks since 1601-01-01 UTC)."""
    return FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def to_filetime(value: datetime) -> int:
    """The FILETIME of an aware instant."""
    delta = value.astimezone(UTC) - FILETIME_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
