"""A filter's size checked by a cheap scan of its text, before it is parsed.

Parsing and compiling a filter costs time and stack in proportion to its size: 8,000 ``or``
terms took seconds to parse, and 1,100 exceeded SQLite's expression depth (1,000, see
https://www.sqlite.org/limits.html#max_expr_depth). :func:`check_filter_size` measures the text
in one pass, without parsing it: its length, the number of comparisons (each ``eq``, ``ne``,
``co``, ``sw``, ``ew``, ``gt``, ``ge``, ``lt``, ``le`` and ``pr`` outside string literals) and the
nesting depth of parentheses and brackets. Above a published limit it answers 400
``invalidFilter`` naming the limit (RFC 7644 §3.4.2.2 leaves such limits to the server; §3.12
gives the error). The same check guards PATCH paths, whose brackets hold filters.
"""

from __future__ import annotations

import re

from scimdir.scim.errors import invalid_filter
from scimdir.scim.limits import InputLimits

__all__ = ["check_filter_size"]

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[()\[\]]|[^\s()\[\]"]+')
_COMPARISONS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"})
_OPEN = frozenset("([")
_CLOSE = frozenset(")]")


def check_filter_size(text: str, limits: InputLimits, what: str = "The filter") -> None:
    """Refuse ``text`` when it is longer, has more comparisons or nests deeper than ``limits``.

    Runs in time linear in ``len(text)`` and never parses; a text within the limits may still be
    refused by the parser.

    :raises scim2_models.exceptions.SCIMException: 400 ``invalidFilter`` naming the limit.
    """
    if len(text) > limits.max_filter_length:
        raise invalid_filter(
            f"{what} is {len(text)} characters long; scimdir accepts at most "
            f"{limits.max_filter_length} (a published limit). Split it into several requests."
        )
    comparisons = depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif token in _CLOSE:
            depth = max(0, depth - 1)
        elif token.lower() in _COMPARISONS:
            comparisons += 1
    if comparisons > limits.max_filter_terms:
        raise invalid_filter(
            f"{what} has {comparisons} comparisons; scimdir accepts at most "
            f"{limits.max_filter_terms} per filter (a published limit). Split it into several "
            "requests."
        )
    if deepest > limits.max_filter_depth:
        raise invalid_filter(
            f"{what} nests parentheses and brackets {deepest} deep; scimdir accepts at most "
            f"{limits.max_filter_depth} levels (a published limit). Flatten it."
        )
