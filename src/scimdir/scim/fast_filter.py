"""The identity providers' matching filter, ``attr eq "value"``, recognised without the grammar.

Before it creates or links anything, Microsoft Entra ID asks ``GET /Users?filter=userName eq
"<value>"`` (and ``externalId eq``, ``displayName eq`` for groups), and Okta does the same
(docs/idp/entra.md §4, docs/idp/okta.md): it is the most frequent filter a SCIM server sees.
scim2-models parses every filter with its LALR grammar (lark), about 45-50 µs of CPU for this
one-comparison text, a large share of a lookup's cost once the rest of the path is lean.

:func:`simple_equality` reads exactly that shape with one regular expression and builds the same
scim2-models :class:`~scim2_models.path.Comparison` node the grammar would, so what follows it
(resolution against the schema, typing of the value, limits:
:func:`scimdir.scim.filter.parse_filter`) is shared and cannot drift. It answers ``None`` for
anything it does not recognise with certainty, and the caller then uses the grammar: the regular
expression is a strict subset of RFC 7644 §3.4.2.2's ABNF as scim2-models implements it (attribute
names per RFC 7643 §2.1 ``ATTRNAME``, an optional sub-attribute, no URN prefix, the ``eq`` operator
in any case, a JSON string literal with JSON escapes, the grammar's whitespace).
``tests/scim/test_fast_filter.py`` proves with hypothesis that whenever it answers, the answer
equals the grammar's.

Written by hand because no library offers a pre-parser for one production of this grammar, and a
regular expression is the cheapest correct recogniser of a regular language.
"""

from __future__ import annotations

import json
import re

from scim2_models.path import AttrPath, CompareOperator, Comparison

__all__ = ["equality_parts", "is_membership_check", "is_simple_equality", "simple_equality"]

_SPACE = r"[ \t\f\r\n]"
_NAME = r"\$?[A-Za-z][A-Za-z0-9$_-]*"
# A JSON string as the grammar's STRING token: no raw control characters, JSON escapes only.
_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4})*"'

_SIMPLE_EQ = re.compile(
    rf"{_SPACE}*(?P<attr>{_NAME})(?:\.(?P<sub>{_NAME}))?{_SPACE}+[eE][qQ]{_SPACE}*"
    rf"(?P<value>{_STRING}){_SPACE}*"
)

# The grammar's keywords. Where a filter starts, its lexer takes ``not`` for the operator rather
# than an attribute name (token priority), so ``not eq "x"`` is a syntax error there; the others
# happen to lex as names in this position. No schema has an attribute of these names, so the
# fast path abstains on all of them rather than depend on the lexer's context rules.
_KEYWORDS = frozenset(
    {"and", "or", "not", "pr", "true", "false", "null"}
    | {"eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"}
)


def is_simple_equality(text: str) -> bool:
    """Whether :func:`simple_equality` recognises ``text`` (without building the node)."""
    match = _SIMPLE_EQ.fullmatch(text)
    return match is not None and match.group("attr").lower() not in _KEYWORDS


def equality_parts(text: str) -> tuple[str, str | None, str] | None:
    """``(attr, sub, value)`` of ``attr eq "value"`` or ``attr.sub eq "value"`` (names as
    written, the value decoded), without building the node; ``None`` for any other text."""
    match = _SIMPLE_EQ.fullmatch(text)
    if match is None:
        return None
    attr, sub = match.group("attr"), match.group("sub")
    if attr.lower() in _KEYWORDS:
        return None
    literal = match.group("value")
    # Without a backslash the JSON string is its content (the pattern admits no raw quote or
    # control character): no decoder needed.
    value: str = literal[1:-1] if "\\" not in literal else json.loads(literal)
    return attr, sub, value


def simple_equality(text: str) -> Comparison | None:
    """The node for ``attr eq "value"`` or ``attr.sub eq "value"``; ``None`` for any other text.

    :rfc: 7644 §3.4.2.2
    """
    parts = equality_parts(text)
    if parts is None:
        return None
    attr, sub, value = parts
    return Comparison(
        attr_path=AttrPath(attr=attr, sub_attr=sub), op=CompareOperator.eq, value=value
    )


_ID_EQ = rf"id{_SPACE}+eq{_SPACE}*{_STRING}"
_MEMBER_EQ = (
    rf"members(?:\[{_SPACE}*value{_SPACE}+eq{_SPACE}*{_STRING}{_SPACE}*\]"
    rf"|\.value{_SPACE}+eq{_SPACE}*{_STRING})"
)
_MEMBERSHIP_CHECK = re.compile(
    rf"{_SPACE}*(?:{_ID_EQ}{_SPACE}+and{_SPACE}+{_MEMBER_EQ}"
    rf"|{_MEMBER_EQ}{_SPACE}+and{_SPACE}+{_ID_EQ}){_SPACE}*",
    re.IGNORECASE,
)


def is_membership_check(text: str) -> bool:
    """Whether ``text`` is Entra's membership check, ``id eq "G" and members[value eq "U"]``
    (either order, or ``members.value eq``; names and operators in any case): two index probes
    whatever the directory's size (``storage/sql/membership_check.py``). For routing only: the
    storage decides from the parsed filter."""
    return _MEMBERSHIP_CHECK.fullmatch(text) is not None
