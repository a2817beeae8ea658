"""Value kinds of the expression language and the conversions between them
(docs/idp/entra-expressions.md §3).

Python representation of each kind of §3.1:

* Null -> ``None``; String -> ``str``; Boolean -> ``bool``; Number -> ``int`` (or ``Decimal``
  for a decimal parsed from text); DateTime -> an aware ``datetime`` in UTC;
  Multi-value -> ``tuple`` of values; Reference / Complex -> a ``Mapping`` (e.g. an app role
  assignment ``{"id", "value", "displayName"}``, or a manager ``{"id": ...}``).

Conversions follow .NET invariant culture, as Entra's service does (§3.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from scimdir.mapping.dates import format_datetime, parse_date

__all__ = [
    "Value",
    "from_json",
    "is_null_or_empty",
    "to_bool",
    "to_datetime",
    "to_int",
    "to_json",
    "to_number",
    "to_string",
]

Value: TypeAlias = (
    str | bool | int | Decimal | datetime | tuple["Value", ...] | Mapping[str, Any] | None
)


class ConversionError(ValueError):
    """A value cannot take the kind a function needs; the evaluator adds the position."""


def from_json(raw: Any) -> Value:
    """Turn a JSON attribute value (§9 ``attributes``) into a :data:`Value`.

    Strings, booleans and integers keep their kind, floats become ``Decimal`` (their written form),
    lists become multi-values, objects stay mappings (appRoleAssignments, references).
    """
    if raw is None or isinstance(raw, str | bool | int | Decimal | datetime):
        return raw
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, list | tuple):
        return tuple(from_json(item) for item in raw)
    if isinstance(raw, Mapping):
        return dict(raw)
    raise ConversionError(f"unsupported attribute value of type {type(raw).__name__}")


def to_json(value: Value) -> Any:
    """The JSON form of a result (§9): strings, arrays, true/false, integers, dates as text."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, tuple):
        return [to_json(item) for item in value]
    return dict(value)


def to_string(value: Value) -> str | None:
    """Stringify a value (§3.2); Null stays Null.

    A multi-value with one element is that element; more than one is an error **[decision]**.
    A reference is its ``id`` (or ``value``) (§4.10).
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, tuple):
        if len(value) == 0:
            return None
        if len(value) == 1:
            return to_string(value[0])
        raise ConversionError(
            f"a multi-valued value with {len(value)} values was used where one value is expected; "
            "pick one with Item(..., 1) or combine them with Join"
        )
    for key in ("id", "value"):
        if isinstance(value.get(key), str):
            return str(value[key])
    raise ConversionError("a complex value (such as an app role assignment) has no text form")


def is_null_or_empty(value: Value) -> bool:
    """True for Null, ``""`` and an empty multi-value (IsNullOrEmpty, IgnoreFlowIfNullOrEmpty)."""
    return value is None or value in ("", ())


def to_number(value: Value) -> int | Decimal:
    """Number from a Number, a Boolean (True = 1), an invariant numeral or an ``&H`` hex string."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | Decimal):
        return value
    text = to_string(value)
    if text is None:
        raise ConversionError("a number is needed but the value is null")
    stripped = text.strip()
    if stripped[:2].lower() == "&h":
        try:
            return int(stripped[2:], 16)
        except ValueError:
            pass
    try:
        if stripped.lstrip("+-").isascii() and stripped.lstrip("+-").isdigit():
            return int(stripped)
        number = Decimal(stripped)
    except (InvalidOperation, ValueError):
        raise ConversionError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ConversionError(f"{text!r} is not a number")
    return number


def to_int(value: Value) -> int:
    """An integer (positions, lengths, counts); a decimal with a fraction is an error."""
    number = to_number(value)
    if isinstance(number, Decimal):
        if number != number.to_integral_value():
            raise ConversionError(f"{_decimal_text(number)} is not a whole number")
        return int(number)
    return number


def to_bool(value: Value) -> bool:
    """Boolean from a Boolean, ``"True"``/``"False"`` (any case) or a number (non-zero = True)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if value is None:
        raise ConversionError("a Boolean is needed but the value is null")
    try:
        return to_number(value) != 0
    except ConversionError:
        raise ConversionError(
            f"{to_string(value)!r} is not a Boolean: expected True, False or a number"
        ) from None


def to_datetime(value: Value) -> datetime:
    """DateTime by CDate's rules (§4.5); Null or unparseable text is an error."""
    if isinstance(value, datetime):
        return value
    text = to_string(value)
    if text is None:
        raise ConversionError("a date is needed but the value is null")
    parsed = parse_date(text)
    if parsed is None:
        raise ConversionError(
            f"{text!r} is not a date: use an ISO 8601 date such as 2020-03-16-07:00 or "
            "2009-06-15T01:45:30-07:00, or M/d/yyyy h:mm:ss tt"
        )
    return parsed


def _decimal_text(number: Decimal) -> str:
    """Invariant decimal text without exponent (``42568.75``)."""
    text = format(number, "f")
    return text
