"""Multi-valued built-ins: Split, Item, Count, RemoveDuplicates (docs/idp/entra-expressions.md
§4.9, 4.24, 4.36, 4.40).

A multi-value is a Python ``tuple``. A single string counts as a one-element list where a list is
expected **[decision]** (§4.24).
"""

from __future__ import annotations

from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import Value, to_int, to_string

__all__ = ["SPECS"]


def _as_list(value: Value) -> tuple[Value, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def split(inv: Invocation) -> Value:
    """Split(source, delimiter): the parts of ``source`` as a multi-value; Null -> Null.

    **[doubt]** REF's example output ``["PermissionSetOne", "PermissionSetTwo"]`` from
    ``"PermissionSetOne, PermissionSetTwo"`` has no leading space, so spaces around each part are
    trimmed (with a warning when that changes a part). **[decision]** An empty delimiter is a
    runtime error.
    """
    text = inv.convert(0, to_string)
    delimiter = inv.convert(1, to_string)
    if not delimiter:
        inv.fail('the delimiter cannot be null or empty, e.g. Split([mail], "@").', 1)
    if text is None:
        return None
    raw = text.split(delimiter)
    parts = tuple(part.strip(" ") for part in raw)
    if parts != tuple(raw):
        inv.env.warn(
            "Split: spaces around the parts were trimmed, as in Microsoft's documented example; "
            "Entra's runtime may keep them."
        )
    return parts


def item(inv: Invocation) -> Value:
    """Item(attribute, index): the 1-based index-th value of a multi-value.

    Index 0 and out-of-range indexes are runtime errors (REF, CS). **[decision]** Null -> Null; a
    single value counts as a one-element list.
    """
    value = inv.arg(0)
    index = inv.convert(1, to_int)
    if value is None:
        return None
    values = _as_list(value)
    if index < 1 or index > len(values):
        inv.fail(
            f"index {index} is out of range: the value has {len(values)} element(s) and indexes "
            "start at 1.",
            1,
        )
    return values[index - 1]


def count(inv: Invocation) -> Value:
    """Count(attribute): the number of values. **[decision]** Null -> 0."""
    return len(_as_list(inv.arg(0)))


def remove_duplicates(inv: Invocation) -> Value:
    """RemoveDuplicates(attribute): the multi-value without repeats; Null -> Null.

    **[decision]** The first occurrences are kept in order; comparison is case-sensitive.
    """
    value = inv.arg(0)
    if value is None:
        return None
    kept: list[Value] = []
    for element in _as_list(value):
        if element not in kept:
            kept.append(element)
    return tuple(kept)


SPECS = (
    FunctionSpec("Split", ("source", "delimiter"), 2, 2, split, frozenset({0, 1})),
    FunctionSpec("Item", ("attribute", "index"), 2, 2, item, frozenset({0, 1})),
    FunctionSpec("Count", ("attribute",), 1, 1, count),
    FunctionSpec("RemoveDuplicates", ("attribute",), 1, 1, remove_duplicates),
)
