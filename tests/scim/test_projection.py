"""attributes / excludedAttributes projection (RFC 7644 §3.4.2.5, §3.9)."""

from __future__ import annotations

from typing import Any

from scimdir.scim.projection import parse_attribute_list, project, wants_attribute
from scimdir.scim.schema import GROUP_SCHEMA, GROUP_TYPE, USER_SCHEMA, USER_TYPE

from .helpers import ENT, scim_error

META = {"resourceType": "User", "created": "2026-01-01T00:00:00Z", "version": 'W/"1"'}
USER: dict[str, Any] = {
    "schemas": [USER_SCHEMA, ENT],
    "id": "u1",
    "userName": "bjensen",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "b@x", "type": "work"}, {"value": "h@x", "type": "home"}],
    ENT: {"department": "Sales", "manager": {"value": "m1", "displayName": "Boss"}},
    "meta": META,
}
GROUP: dict[str, Any] = {
    "schemas": [GROUP_SCHEMA],
    "id": "g1",
    "displayName": "Admins",
    "members": [{"value": "u1"}],
    "meta": META,
}


def test_parse_canonicalises_names_and_urns() -> None:
    """Names are case-insensitive; output is the schema spelling, URN-qualified for extensions."""
    raw = f" USERNAME, name.GIVENNAME ,{ENT}:Manager.value,{ENT.upper()},userName"
    assert parse_attribute_list(USER_TYPE, raw) == (
        "userName",
        "name.givenName",
        f"{ENT}:manager.value",
        ENT,
    )


def test_parse_of_absent_or_blank_is_none() -> None:
    """No parameter, or an empty one, means no projection."""
    assert parse_attribute_list(USER_TYPE, None) is None
    assert parse_attribute_list(USER_TYPE, " , ") is None


def test_parse_refuses_unknown_attributes_naming_them() -> None:
    """An unknown attribute or a malformed path is invalidValue naming it."""
    for raw in ("shoeSize", "name.nick", 'emails[type eq "work"]', "urn:x:y:z"):
        with scim_error("invalidValue") as detail:
            parse_attribute_list(USER_TYPE, raw)
        assert repr(raw) in detail()


def test_attributes_keeps_only_requested_plus_always_returned() -> None:
    """attributes=userName returns id, schemas, userName and the whole meta only."""
    assert project(USER_TYPE, USER, ["userName"], None) == {
        "schemas": [USER_SCHEMA, ENT],
        "id": "u1",
        "userName": "bjensen",
        "meta": META,
    }


def test_meta_stays_whole_under_attributes_but_can_be_excluded() -> None:
    """attributes never trims meta (it makes the resource readable); excludedAttributes can."""
    assert project(USER_TYPE, USER, ["meta.created"], None)["meta"] == META
    assert "meta" not in project(USER_TYPE, USER, None, ["meta"])
    assert project(USER_TYPE, USER, None, ["meta.version"])["meta"] == {
        k: v for k, v in META.items() if k != "version"
    }


def test_attributes_with_sub_attribute_paths() -> None:
    """name.givenName, emails.value and URN:manager.value select sub-attributes."""
    wanted = ["name.givenName", "emails.value", "meta.created", f"{ENT}:manager.value"]
    assert project(USER_TYPE, USER, wanted, None) == {
        "schemas": [USER_SCHEMA, ENT],
        "id": "u1",
        "name": {"givenName": "Barbara"},
        "emails": [{"value": "b@x"}, {"value": "h@x"}],
        ENT: {"manager": {"value": "m1"}},
        "meta": META,
    }


def test_attributes_with_a_whole_extension() -> None:
    """The bare extension URN selects the whole extension object."""
    assert project(USER_TYPE, USER, [ENT], None)[ENT] == USER[ENT]


def test_excluded_members_drops_members_only() -> None:
    """excludedAttributes=members (Entra's group reads) drops members, keeps the rest."""
    assert project(GROUP_TYPE, GROUP, None, ["members"]) == {
        k: v for k, v in GROUP.items() if k != "members"
    }


def test_excluded_sub_attributes_and_extension_attributes() -> None:
    """Excluding name.familyName and URN:department removes just those."""
    out = project(USER_TYPE, USER, None, ["name.familyName", f"{ENT}:department"])
    assert (out["name"], out[ENT]) == ({"givenName": "Barbara"}, {"manager": USER[ENT]["manager"]})


def test_always_returned_attributes_cannot_be_excluded() -> None:
    """id and schemas survive excludedAttributes=id,schemas."""
    assert project(GROUP_TYPE, GROUP, None, ["id", "schemas"])["id"] == "g1"


def test_no_projection_returns_an_equal_copy() -> None:
    """Without parameters the resource comes back whole."""
    assert project(USER_TYPE, USER, None, None) == USER


def test_projection_compares_names_case_insensitively() -> None:
    """Lower-case requests match the rendered spelling."""
    assert project(USER_TYPE, USER, ["username"], None)["userName"] == "bjensen"


def test_wants_attribute() -> None:
    """The service can skip members when they are excluded or not requested."""
    assert wants_attribute(GROUP_TYPE, "members", None, None) is True
    assert wants_attribute(GROUP_TYPE, "members", None, ["members"]) is False
    assert wants_attribute(GROUP_TYPE, "members", ["displayName"], None) is False
    assert wants_attribute(GROUP_TYPE, "members", ["members.value"], None) is True
    assert wants_attribute(GROUP_TYPE, "id", ["displayName"], ["id"]) is True
    assert wants_attribute(USER_TYPE, f"{ENT}:manager", [ENT], None) is True
    assert wants_attribute(USER_TYPE, "name", None, ["name.givenName"]) is True
