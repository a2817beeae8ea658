"""Attribute values checked against the schema table and put in canonical form.

RFC 7643 §2.1-2.4 (names are case-insensitive; data types; complex and multi-valued attributes),
§2.5 (``null`` and ``[]`` mean "unassigned") and RFC 7644 §3.3 (readOnly values sent by a client
are ignored). Used by both :mod:`scimdir.scim.resource` (POST/PUT bodies) and
:mod:`scimdir.scim.patch` (PATCH values), so the two accept exactly the same values.

Canonical form: sub-attribute names spelt as in the schema (Entra sends ``"Manager": {"Value":
...}``), unassigned values dropped, readOnly sub-attributes dropped. Every refusal is a 400
``invalidValue`` whose detail names the attribute, what was sent and what to send.

Hand-written rather than scim2-models' pydantic validation: we keep and serve the JSON document as
stored (docs/architecture.md, rule 4) and need details that name the fix.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any, cast

from scimdir.scim.characters import check_storable
from scimdir.scim.errors import invalid_value, shorten
from scimdir.scim.schema import Attribute, AttrType, Mutability

__all__ = [
    "canonical_complex",
    "canonical_single",
    "canonical_value",
    "describe",
    "frozen",
    "is_unassigned",
    "unique_values",
]

_EXPECTED = {
    AttrType.STRING: 'a JSON string, e.g. "text"',
    AttrType.REFERENCE: 'a JSON string holding a URI or an id, e.g. "2819c223"',
    AttrType.BINARY: "a JSON string holding base64 data",
    AttrType.BOOLEAN: "a JSON boolean, true or false",
    AttrType.INTEGER: "a JSON integer, e.g. 42",
    AttrType.DECIMAL: "a JSON number, e.g. 4.2",
    AttrType.DATETIME: 'an ISO 8601 dateTime string, e.g. "2026-01-31T12:00:00Z"',
    AttrType.COMPLEX: "a JSON object of sub-attributes",
}


def describe(value: Any) -> str:
    """A short, safe description of a client value for error details."""
    kind = {
        bool: "the boolean",
        int: "the number",
        float: "the number",
        str: "the string",
        list: "an array",
        dict: "an object",
    }.get(type(value), "a value")
    if isinstance(value, list | dict):
        return kind
    if isinstance(value, str):
        return f"{kind} {shorten(value, 40)}"
    text = str(value).lower()
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


def is_unassigned(value: Any) -> bool:
    """RFC 7643 §2.5: ``null``, an empty array and an empty object mean "no value"."""
    return value is None or (isinstance(value, list | dict) and not value)


def _refuse(shown: str, value: Any, attr: Attribute) -> Exception:
    expected = _EXPECTED[attr.type]
    if attr.multi_valued:
        expected = f"a JSON array whose items are each {expected}"
    return invalid_value(f"{shown} must be {expected}; got {describe(value)}.")


def canonical_single(attr: Attribute, value: Any, shown: str) -> Any:
    """Check one value of a non-complex attribute (or one item of a multi-valued one).

    Returns the value to store, or ``None`` when it is unassigned.
    """
    if value is None:
        return None
    kind = attr.type
    if kind in (AttrType.STRING, AttrType.REFERENCE, AttrType.BINARY):
        ok = isinstance(value, str)
    elif kind == AttrType.BOOLEAN:
        ok = isinstance(value, bool)
    elif kind == AttrType.INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == AttrType.DECIMAL:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == AttrType.DATETIME:
        ok = isinstance(value, str) and _is_datetime(value)
    else:
        return canonical_complex(attr, value, shown)
    if not ok:
        single = Attribute(attr.name, attr.type)
        raise _refuse(shown, value, single)
    if isinstance(value, str):
        check_storable(value, shown)
    return value


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


def canonical_complex(attr: Attribute, value: Any, shown: str) -> dict[str, Any] | None:
    """Check a complex value: known sub-attributes only, names canonicalised, readOnly dropped."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_value(
            f"{shown} must be a JSON object of sub-attributes "
            f"({', '.join(s.name for s in attr.sub_attributes)}); got {describe(value)}."
        )
    out: dict[str, Any] = {}
    for key, sub_value in value.items():
        sub = attr.sub(key) if isinstance(key, str) else None
        if sub is None:
            raise invalid_value(
                f"{shown} has no sub-attribute {shorten(key)}; "
                f"use {', '.join(s.name for s in attr.sub_attributes)}."
            )
        if sub.mutability == Mutability.READ_ONLY:
            continue  # RFC 7644 §3.3: readOnly values sent by a client are ignored.
        checked = canonical_single(sub, sub_value, f"{shown}.{sub.name}")
        if checked is not None:
            out[sub.name] = checked
    return out or None


def canonical_value(attr: Attribute, value: Any, shown: str) -> Any:
    """Check a whole attribute value; multi-valued attributes need an array.

    Returns the value to store, or ``None`` when it is unassigned (``null``, ``[]``, ``{}``, or
    an array whose items are all unassigned).
    """
    if value is None:
        return None
    if not attr.multi_valued:
        return canonical_single(attr, value, shown)
    if not isinstance(value, list):
        raise _refuse(shown, value, attr)
    items = [canonical_single(attr, item, f"{shown}[{i}]") for i, item in enumerate(value)]
    return unique_values(item for item in items if item is not None) or None


def frozen(value: Any) -> Hashable:
    """A hashable form of a JSON value, equal exactly when the values are equal (``==``)."""
    if isinstance(value, dict):
        return frozenset((key, frozen(item)) for key, item in value.items())
    if isinstance(value, list):
        return tuple(frozen(item) for item in value)
    return cast(Hashable, value)


def unique_values(items: Iterable[Any], already: Iterable[Any] = ()) -> list[Any]:
    """``items`` without repeats and without those in ``already``, first occurrence kept.

    One pass over hashes (:func:`frozen`), so de-duplicating n values costs O(n), not the n²
    comparisons of ``item not in list``: a PATCH adding 16,000 e-mails took seconds that way.
    """
    seen = {frozen(item) for item in already}
    kept: list[Any] = []
    for item in items:
        key = frozen(item)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept
