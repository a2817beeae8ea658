"""What a POST/PUT body holds, gathered in one walk, so that the dialect can skip the rewriting
quirks that provably cannot change it.

Each resource quirk of :mod:`scimdir.scim.quirks` walks the body on its own and rebuilds what it
visits (five walks for Entra's dialect, about a third of normalising a user create). Almost every
body an IdP sends needs none of them: no string ``"True"``, no ``manager``, no typo'd or
Microsoft URN, no extension object echoing its ``schemas``. One walk here records the few facts
each quirk's rewrite depends on; a quirk's ``may_rewrite`` guard reads them and answers False only
when its rewrite would return the body unchanged (it would not fire). When no quirk of the dialect
may fire, :meth:`scimdir.scim.dialects.Dialect.normalize_resource` returns the body as it came,
exactly what running every walk would have returned; otherwise every quirk runs as before, in
order. ``tests/scim/test_body_facts.py`` checks the equivalence on generated bodies.

A body that is not a JSON object, has a non-string key, or has an ``Operations`` member (which the
PATCH-shaped rewrites would read) gets no facts: the quirks always run on it.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

__all__ = ["BodyFacts", "body_facts"]

_BOOLEAN_WORDS = frozenset({"true", "false"})
_SCALARS = frozenset({int, float, bool, type(None)})


@dataclass(frozen=True)
class BodyFacts:
    """Facts about a POST/PUT body (all names lower-cased)."""

    top_keys: AbstractSet[str]
    """The body's own member names."""
    keys: AbstractSet[str]
    """Every member name at any depth (inside arrays too)."""
    schemas: AbstractSet[str]
    """The strings listed by every top-level member named ``schemas`` (in any case)."""
    boolean_strings: bool
    """Some string value, at any depth, reads ``true`` or ``false`` in some case."""
    object_schemas: bool
    """Some top-level member is an object with a member named ``schemas``."""


def body_facts(body: Any) -> BodyFacts | None:
    """The facts of a POST/PUT body, or None when the quirks must run on it anyway (see the
    module docstring). JSON values only (``dict``, ``list``, ``str``, numbers, booleans,
    ``None`` as the JSON parser makes them); anything else gets None."""
    if type(body) is not dict:
        return None
    top: set[str] = set()
    schemas: set[str] = set()
    object_schemas = False
    boolean_strings = False
    stack: list[Any] = []
    for key, value in body.items():
        if type(key) is not str:
            return None
        lowered = key.lower()
        top.add(lowered)
        kind = type(value)
        if kind is str:
            boolean_strings = boolean_strings or _is_boolean_word(value)
        elif kind is list:
            if lowered == "schemas":
                schemas.update(s.lower() for s in value if type(s) is str)
            stack.append(value)
        elif kind is dict:
            object_schemas = object_schemas or any(
                type(k) is str and k.lower() == "schemas" for k in value
            )
            stack.append(value)
        elif kind not in _SCALARS:
            return None
    if "operations" in top:
        return None
    keys = set(top)
    while stack:
        item = stack.pop()
        values = item
        if type(item) is dict:
            for key in item:
                if type(key) is not str:
                    return None
                keys.add(key.lower())
            values = item.values()
        for value in values:
            kind = type(value)
            if kind is str:
                boolean_strings = boolean_strings or _is_boolean_word(value)
            elif kind is dict or kind is list:
                stack.append(value)
            elif kind not in _SCALARS:
                return None
    return BodyFacts(top, keys, schemas, boolean_strings, object_schemas)


def _is_boolean_word(text: str) -> bool:
    # No string longer than five characters lower-cases to "true" or "false" (lower-casing
    # never shortens a string).
    return len(text) <= 5 and text.lower() in _BOOLEAN_WORDS
