"""Comparing mapped payloads with the endpoint's resource, per Entra attribute path."""

from __future__ import annotations

from scimdir.simulator.diff import MANAGER, changes, current_value, desired_values

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_payload_flattens_into_entra_paths() -> None:
    """Nested, filtered and extension attributes become Entra's target paths."""
    payload = {
        "schemas": ["x"],
        "userName": "a",
        "name": {"givenName": "A"},
        "emails": [{"type": "work", "value": "a@c.com", "primary": True}],
        ENTERPRISE: {"department": "R&D", "manager": {"value": "m1"}},
    }
    assert desired_values(payload) == {
        "userName": "a",
        "name.givenName": "A",
        'emails[type eq "work"].value': "a@c.com",
        f"{ENTERPRISE}:department": "R&D",
        MANAGER: "m1",
    }


def test_current_values_are_read_case_insensitively() -> None:
    """Attribute names and the type filter value match regardless of case."""
    resource = {
        "Name": {"GivenName": "A"},
        "emails": [{"type": "Work", "value": "a@c.com"}],
        ENTERPRISE: {"manager": {"value": "m1"}},
    }
    assert current_value(resource, "name.givenName") == "A"
    assert current_value(resource, 'emails[type eq "work"].value') == "a@c.com"
    assert current_value(resource, MANAGER) == "m1"
    assert current_value(resource, "title") is None


def test_only_changed_attributes_are_sent_add_when_absent() -> None:
    """Equal values are skipped; a new value is Add, a different one Replace."""
    desired = {"userName": "a", "title": "CTO", "name.familyName": "B", "nickName": None}
    resource = {"userName": "a", "name": {"familyName": "C"}}
    assert changes(desired, resource) == [
        ("Add", "title", "CTO"),
        ("Replace", "name.familyName", "B"),
    ]
