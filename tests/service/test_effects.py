"""A request's effect is described in words from the change the use case made."""

from __future__ import annotations

from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA
from scimdir.service.effects import document_change, join_effects, members_change


def test_updated_attributes_are_named() -> None:
    """Changed attributes are listed by name, the enterprise extension's by their own name."""
    before = {"userName": "a", "displayName": "A", ENTERPRISE_USER_SCHEMA: {"department": "x"}}
    after = {"userName": "a", "displayName": "B", ENTERPRISE_USER_SCHEMA: {"department": "y"}}
    assert document_change(before, after) == "updated displayName and department"


def test_deactivation_is_named_first() -> None:
    """active true -> false reads "deactivated", and other changes follow."""
    assert document_change({"active": True}, {"active": False, "title": "t"}) == (
        "deactivated; updated title"
    )
    assert document_change({"active": False}, {"active": True}) == "reactivated"
    assert document_change({"a": 1}, {"a": 1}) == "no change"


def test_member_counts_read_naturally() -> None:
    """Member changes read "added 3 members, removed 1"."""
    assert members_change(3, 1) == "added 3 members, removed 1"
    assert members_change(1, 0) == "added 1 member"
    assert members_change(0, 2) == "removed 2 members"
    assert members_change(0, 0) is None
    assert join_effects("no change", "added 1 member") == "added 1 member"
