"""authentik.unquoted-filter-value (scim/authentik_quirks.py, docs/idp/authentik.md §7)."""

from __future__ import annotations

import pytest

from scimdir.scim.authentik_quirks import unquoted_filter_value
from scimdir.scim.dialects import dialect_for
from scimdir.scim.filter import Compare, parse_filter
from scimdir.scim.schema import USER_TYPE


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("userName eq akadmin", 'userName eq "akadmin"'),
        ("userName EQ ada@example.com", 'userName EQ "ada@example.com"'),
        (
            "userName eq akadmin and active eq true",
            'userName eq "akadmin" and active eq true',
        ),
        ("emails[type eq work and value sw ada]", 'emails[type eq "work" and value sw "ada"]'),
        ("(displayName co Lovelace)", '(displayName co "Lovelace")'),
    ],
)
def test_bare_words_are_quoted(sent: str, read: str) -> None:
    """A bare-word comparison value becomes a JSON string, and the quirk says it fired."""
    assert unquoted_filter_value(sent) == (read, True)


@pytest.mark.parametrize(
    "valid",
    [
        'userName eq "akadmin"',
        'userName eq "eq akadmin"',  # an operator inside a quoted string is not looked at
        'title eq "a \\" eq b"',
        "active eq true",
        "active eq False",
        "manager pr",
        "meta.lastModified gt 2026",
        "x eq -1.5e3",
        "x eq null",
    ],
)
def test_valid_filters_are_left_alone(valid: str) -> None:
    """No RFC 7644 filter is changed: quoted strings, true/false/null and numbers stay."""
    assert unquoted_filter_value(valid) == (valid, False)


def test_only_the_authentik_dialect_rewrites_filters() -> None:
    """authentik reads the bare word as a string; generic leaves the text for the parser to
    refuse."""
    text, fired = dialect_for("authentik").normalize_filter("userName eq akadmin")
    assert fired == ["authentik.unquoted-filter-value"]
    expr = parse_filter(USER_TYPE, text)
    assert isinstance(expr, Compare) and expr.value == "akadmin"
    assert dialect_for("generic").normalize_filter("userName eq akadmin") == (
        "userName eq akadmin",
        [],
    )
    assert dialect_for("entra").normalize_filter("userName eq akadmin")[1] == []
