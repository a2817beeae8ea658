"""Replace's five modes (docs/idp/entra-expressions.md §4.37), with REF's examples re-derived."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mapping.helpers import value

CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    (
        "literal",
        'Replace([t],"Product Developer", , , "Software Engineer", , )',
        {"t": "Product Developer"},
        "Software Engineer",
    ),
    (
        "template",
        'Replace([UserID],"<username>", , , , , "<username>@contoso.com")',
        {"UserID": "jsmith"},
        "jsmith@contoso.com",
    ),
    (
        "regex-substitution",
        'Replace([p], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , '
        '"${phoneNumber}", , )',
        {"p": "+91 9998887777"},
        "9998887777",
    ),
    (
        "regex-class",
        'Replace([mobile], , "[()\\\\s-]+", , "", , )',
        {"mobile": "+1 (999) 888-7777"},
        "+19998887777",
    ),
    (
        "regex-group",
        'Replace([a], ,"(?<streetNumber>^\\\\d*)","streetNumber", "888", , )',
        {"a": "545 Tremont Street"},
        "888 Tremont Street",
    ),
    (
        "regex-group-suffix",
        'Replace([u], , "(?<Suffix>@(.)*)", "Suffix", "", , )',
        {"u": "jsmith@contoso.com"},
        "jsmith",
    ),
    (
        "attribute-fallback",
        'Replace([t], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", '
        '"phoneNumber" , , [mobile], )',
        {"t": "", "mobile": "+91 8887779999"},
        "8887779999",
    ),
    (
        "attribute-fallback-source-wins",
        'Replace([t], , "(?<d>\\\\d+)", "d" , , [mobile], )',
        {"t": "keep", "mobile": "1"},
        "keep",
    ),
    (
        "attribute-name-constant",
        'Replace([t], , "(?<d>\\\\d+)", "d" , , "mobile", )',
        {"mobile": "ab12"},
        "12",
    ),
    ("empty-matches", 'Replace([m], , "[a-zA-Z_]*", , "", , )', {"m": "john_doe72"}, "72"),
    (
        "trailing-slots",
        'Replace([mail], "@contoso.com", , ,"", ,)',
        {"mail": "john.doe@contoso.com"},
        "john.doe",
    ),
    (
        "graph-parse",
        'Replace([preferredLanguage], "-", , , "_", ,  )',
        {"preferredLanguage": "EN-US"},
        "EN_US",
    ),
    ("numbered-group", 'Replace([a], , "(\\\\w+)@(\\\\w+)", , "$2/$1", , )', {"a": "x@y"}, "y/x"),
    ("null-source", 'Replace([a], "x", , , "y", , )', {}, None),
    ("case-sensitive", 'Replace([a], "X", , , "y", , )', {"a": "x"}, "x"),
]


@pytest.mark.parametrize(
    ("expression", "attributes", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_replace(expression: str, attributes: dict[str, Any], expected: Any) -> None:
    """Replace picks its mode from the supplied slots and gives the documented result."""
    assert value(expression, attributes) == expected
