""".NET custom date and time format strings, for FormatDateTime (docs/idp/entra-expressions.md
§4.15).

FormatDateTime parses its source with a .NET ``inputFormat`` (``yyyyMMddHHmmss.fZ``, ``M/d/yyyy
hh:mm:ss tt``, ``yyyy-MM-ddzzz``) and writes it with an ``outputFormat``, in the invariant culture.
``strptime``/``strftime`` use different tokens and cannot express .NET's fixed-width compact forms
or ``zzz``, so the tokens are translated here, as the spec's implementation note asks: ``y M d H h m
s f F t z K g``, quoted literals (``'...'``, ``"..."``), ``\\x`` escapes and ``%x``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["DateFormatError", "format_dotnet", "parse_dotnet"]

_SPECIFIERS = frozenset("yMdHhmsfFtzKg")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class DateFormatError(ValueError):
    """A value does not match a format, or a format cannot be used."""


@dataclass(frozen=True)
class _Token:
    letter: str  # "" for a literal
    count: int
    literal: str = ""


def _tokens(fmt: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch in "'\"":
            end = fmt.find(ch, i + 1)
            if end == -1:
                raise DateFormatError(f"the format {fmt!r} has an unterminated quoted literal")
            out.append(_Token("", 0, fmt[i + 1 : end]))
            i = end + 1
        elif ch == "\\" and i + 1 < len(fmt):
            out.append(_Token("", 0, fmt[i + 1]))
            i += 2
        elif ch == "%" and i + 1 < len(fmt) and fmt[i + 1] in _SPECIFIERS:
            out.append(_Token(fmt[i + 1], 1))
            i += 2
        elif ch in _SPECIFIERS:
            j = i
            while j < len(fmt) and fmt[j] == ch:
                j += 1
            out.append(_Token(ch, j - i))
            i = j
        else:
            out.append(_Token("", 0, ch))
            i += 1
    return out


def format_dotnet(value: datetime, fmt: str) -> str:
    """Write ``value`` with the .NET custom format ``fmt`` (invariant culture)."""
    parts: list[str] = []
    for token in _tokens(fmt):
        parts.append(token.literal if not token.letter else _format_one(value, token))
    return "".join(parts)


def _format_one(value: datetime, token: _Token) -> str:
    letter, n = token.letter, token.count
    if letter == "y":
        return f"{value.year % 100:0{n}d}" if n <= 2 else f"{value.year:0{n}d}"
    if letter == "M":
        return (
            _MONTHS[value.month - 1][: 3 if n == 3 else None] if n >= 3 else f"{value.month:0{n}d}"
        )
    if letter == "d":
        if n >= 3:
            return _DAYS[value.weekday()][: 3 if n == 3 else None]
        return f"{value.day:0{n}d}"
    numbers = {"H": value.hour, "h": value.hour % 12 or 12, "m": value.minute, "s": value.second}
    if letter in numbers:
        return f"{numbers[letter]:0{min(n, 2)}d}"
    if letter in "fF":
        digits = f"{value.microsecond:06d}0"[: min(n, 7)]
        return digits.rstrip("0") if letter == "F" else digits
    if letter == "t":
        return ("AM" if value.hour < 12 else "PM")[: 1 if n == 1 else 2]
    if letter == "z":
        return _offset_text(value, n)
    if letter == "K":
        return "Z" if value.tzinfo is not None else ""
    return "A.D."  # g: the era


def _offset_text(value: datetime, n: int) -> str:
    delta = value.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    if n == 1:
        return f"{sign}{hours}"
    if n == 2:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}:{rest:02d}"


def _pattern(token: _Token) -> str:
    letter, n = token.letter, token.count
    if not letter:
        return re.escape(token.literal)
    if letter == "y":
        return r"(?P<y>\d{1,2})" if n <= 2 else rf"(?P<Y>\d{{{n}}})"
    if letter == "M" and n >= 3:
        return r"(?P<MMM>[A-Za-z]+)"
    if letter == "d" and n >= 3:
        return r"[A-Za-z]+"
    if letter in "MdHhms":
        group = {"M": "M", "d": "d", "H": "H", "h": "h", "m": "mi", "s": "s"}[letter]
        return rf"(?P<{group}>\d{{1,2}})" if n == 1 else rf"(?P<{group}>\d{{2}})"
    if letter == "f":
        return rf"(?P<f>\d{{{min(n, 7)}}})"
    if letter == "F":
        return rf"(?P<f>\d{{0,{min(n, 7)}}})"
    if letter == "t":
        return r"(?P<t>[AaPp][Mm]?)"
    if letter == "z":
        return r"(?P<z>[+-]\d{1,2}(?::?\d{2})?)"
    if letter == "K":
        return r"(?P<z>Z|[+-]\d{2}:\d{2})?"
    return r"(?:A\.D\.|AD)"


def parse_dotnet(text: str, fmt: str) -> datetime:
    """Read ``text`` with the .NET custom format ``fmt``.

    Leading and trailing white space is allowed (the default ``dateTimeStyles``). A value with an
    offset is converted to UTC, Entra's local time (``RoundtripKind``, **[doubt]**); one without
    stays without time zone. Parts missing from the format default to 1/1/0001 00:00:00.

    :raises DateFormatError: when ``text`` does not match ``fmt`` or names an impossible date.
    """
    tokens = _tokens(fmt)
    letters = [t.letter for t in tokens if t.letter]
    if len(set(letters)) != len(letters):
        raise DateFormatError(f"the format {fmt!r} repeats a date or time part")
    match = re.fullmatch("".join(_pattern(t) for t in tokens), text.strip())
    if match is None:
        raise DateFormatError(f"{text!r} does not match the input format {fmt!r}")
    parts = {key: val for key, val in match.groupdict().items() if val is not None}
    try:
        return _build(parts)
    except (ValueError, OverflowError):
        raise DateFormatError(f"{text!r} is not a valid date for the format {fmt!r}") from None


def _build(parts: dict[str, str]) -> datetime:
    if "Y" in parts:
        year = int(parts["Y"])
    elif "y" in parts:
        short = int(parts["y"])
        year = 2000 + short if short <= 49 else 1900 + short  # .NET TwoDigitYearMax = 2049
    else:
        year = 1
    if "MMM" in parts:
        names = [m.lower() for m in _MONTHS]
        word = parts["MMM"].lower()
        found = [i + 1 for i, name in enumerate(names) if word in (name, name[:3])]
        if not found:
            raise ValueError("unknown month name")
        month = found[0]
    else:
        month = int(parts.get("M", "1"))
    hour = int(parts.get("H", "0"))
    if "h" in parts:
        hour = int(parts["h"])
        if not 1 <= hour <= 12:
            raise ValueError("12-hour clock out of range")
        hour %= 12
    if parts.get("t", "").upper().startswith("P"):
        hour = hour % 12 + 12
    fraction = parts.get("f", "")
    micro = int((fraction + "000000")[:6]) if fraction else 0
    value = datetime(
        year,
        month,
        int(parts.get("d", "1")),
        hour,
        int(parts.get("mi", "0")),
        int(parts.get("s", "0")),
        micro,
    )
    offset = parts.get("z")
    if offset is None:
        return value
    if offset == "Z":
        return value.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours = int(digits[:-2]) if len(digits) > 2 else int(digits)
    minutes = int(digits[-2:]) if len(digits) > 2 else 0
    zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return value.replace(tzinfo=zone).astimezone(UTC)
