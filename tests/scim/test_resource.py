"""POST/PUT bodies validated into stored documents (RFC 7644 §3.3, §3.5.1)."""

from __future__ import annotations

from typing import Any

from scimdir.scim.resource import ParsedResource, parse_resource, render_document
from scimdir.scim.schema import (
    GROUP_SCHEMA,
    GROUP_TYPE,
    USER,
    USER_SCHEMA,
    USER_TYPE,
    Attribute,
    AttrType,
    ResourceType,
    Schema,
)

from .helpers import ENT, scim_error


def user(**extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": "bjensen", **extra}


def group(**extra: Any) -> dict[str, Any]:
    return {"schemas": [GROUP_SCHEMA], "displayName": "Admins", **extra}


def test_rfc_user_becomes_its_canonical_document() -> None:
    """Core and extension attributes are kept; schemas is not part of the document."""
    body = user(
        schemas=[USER_SCHEMA, ENT],
        name={"givenName": "Barbara"},
        emails=[{"value": "b@example.com", "type": "work", "primary": True}],
        **{ENT: {"employeeNumber": "701984", "manager": {"value": "26118915-6090"}}},
    )
    assert parse_resource(USER_TYPE, body) == ParsedResource(
        document={
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "b@example.com", "type": "work", "primary": True}],
            ENT: {"employeeNumber": "701984", "manager": {"value": "26118915-6090"}},
        },
        members=None,
    )


def test_attribute_names_are_canonicalised() -> None:
    """USERNAME and Entra's "Manager": {"Value": ...} are stored in the schema's spelling."""
    body = {"schemas": [USER_SCHEMA], "USERNAME": "b", ENT: {"Manager": {"Value": "SuzzyQ"}}}
    assert parse_resource(USER_TYPE, body).document == {
        "userName": "b",
        ENT: {"manager": {"value": "SuzzyQ"}},
    }


def test_read_only_values_are_ignored() -> None:
    """id, meta, groups and manager.displayName sent by a client are dropped (RFC 7644 §3.3)."""
    body = user(id="x", meta={"created": "yesterday"}, groups=[{"value": "g"}])
    body[ENT] = {"manager": {"value": "m", "displayName": "Boss"}}
    assert parse_resource(USER_TYPE, body).document == {
        "userName": "bjensen",
        ENT: {"manager": {"value": "m"}},
    }


def test_password_is_checked_and_never_stored() -> None:
    """password is accepted but not in the document; a non-string password is refused."""
    assert parse_resource(USER_TYPE, user(password="p")).document == {"userName": "bjensen"}
    with scim_error("invalidValue"):
        parse_resource(USER_TYPE, user(password=12))


def test_nulls_and_empty_arrays_are_unassigned() -> None:
    """null, [] and {} values are dropped (RFC 7643 §2.5)."""
    body = user(title=None, roles=[], name={}, emails=[None], **{ENT: {"department": None}})
    assert parse_resource(USER_TYPE, body).document == {"userName": "bjensen"}


def test_roles_value_as_json_string_is_kept_verbatim() -> None:
    """Entra's role whose value is a JSON string is a plain string value."""
    role = {"value": '{"id":"1","value":"25","displayName":"Role1234"}'}
    assert parse_resource(USER_TYPE, user(roles=[role])).document["roles"] == [role]


def test_body_must_be_an_object() -> None:
    """A non-object body is invalidSyntax."""
    with scim_error("invalidSyntax"):
        parse_resource(USER_TYPE, ["x"])


def test_schemas_is_required() -> None:
    """A body without schemas is invalidSyntax and the detail shows what to send."""
    with scim_error("invalidSyntax") as detail:
        parse_resource(USER_TYPE, {"userName": "b"})
    assert USER_SCHEMA in detail()


def test_schemas_must_list_the_core_schema() -> None:
    """schemas without the core URN is invalidValue."""
    with scim_error("invalidValue"):
        parse_resource(USER_TYPE, {"schemas": [GROUP_SCHEMA], "userName": "b"})


def test_undeclared_extension_is_refused_naming_it() -> None:
    """An extension URN the resource type does not declare is invalidValue naming it."""
    urn = "urn:example:params:scim:schemas:extension:custom:2.0:User"
    with scim_error("invalidValue") as detail:
        parse_resource(USER_TYPE, {"schemas": [USER_SCHEMA], "userName": "b", urn: {"x": "1"}})
    assert urn in detail()
    with scim_error("invalidValue"):
        parse_resource(USER_TYPE, {"schemas": [USER_SCHEMA, urn], "userName": "b"})


def test_unknown_core_attribute_is_refused_naming_it() -> None:
    """An unknown attribute is not silently dropped."""
    with scim_error("invalidValue") as detail:
        parse_resource(USER_TYPE, user(shoeSize="42"))
    assert "'shoeSize'" in detail()


def test_unknown_sub_attribute_is_refused() -> None:
    """name.nick is not a sub-attribute of name."""
    with scim_error("invalidValue") as detail:
        parse_resource(USER_TYPE, user(name={"nick": "B"}))
    assert detail().startswith("name has no sub-attribute 'nick'")


def test_wrong_types_name_attribute_given_and_expected() -> None:
    """Each type mismatch is invalidValue with a detail naming the attribute and both types."""
    cases: list[tuple[dict[str, Any], str]] = [
        ({"active": "yes"}, "active must be a JSON boolean, true or false; got the string 'yes'."),
        ({"title": 3}, 'title must be a JSON string, e.g. "text"; got the number 3.'),
        (
            {"emails": {"value": "x"}},
            "emails must be a JSON array whose items are each a JSON object of sub-attributes; "
            "got an object.",
        ),
        ({"name": "B J"}, "name must be a JSON object of sub-attributes"),
        ({"emails": [{"primary": 1}]}, "emails[0].primary must be a JSON boolean"),
    ]
    for extra, expected in cases:
        with scim_error("invalidValue") as detail:
            parse_resource(USER_TYPE, user(**extra))
        assert detail().startswith(expected.removesuffix("."))


def test_required_attribute_missing_is_refused() -> None:
    """userName is required on a User, displayName on a Group."""
    with scim_error("invalidValue") as detail:
        parse_resource(USER_TYPE, {"schemas": [USER_SCHEMA]})
    assert detail().startswith("userName is required")
    with scim_error("invalidValue"):
        parse_resource(GROUP_TYPE, {"schemas": [GROUP_SCHEMA], "displayName": ""})


def test_group_members_default_to_user_and_stay_out_of_the_document() -> None:
    """members become (value, type) pairs, type defaulting to User; display is ignored."""
    body = group(members=[{"value": "u1", "display": "x"}, {"value": "g1", "type": "group"}])
    assert parse_resource(GROUP_TYPE, body) == ParsedResource(
        document={"displayName": "Admins"}, members=[("u1", "User"), ("g1", "Group")]
    )


def test_group_members_absent_null_or_empty() -> None:
    """No members key gives None; null and [] give an empty list."""
    assert parse_resource(GROUP_TYPE, group()).members is None
    assert parse_resource(GROUP_TYPE, group(members=None)).members == []
    assert parse_resource(GROUP_TYPE, group(members=[])).members == []


def test_group_member_errors() -> None:
    """Members need a non-empty string value, a known type and known keys."""
    for members in (
        [{"value": 7}],
        [{"value": "u", "type": "Robot"}],
        [{"value": "u", "x": 1}],
        "u",
    ):
        with scim_error("invalidValue"):
            parse_resource(GROUP_TYPE, group(members=members))


def test_members_is_not_a_user_attribute() -> None:
    """A User body with members is refused as an unknown attribute."""
    with scim_error("invalidValue"):
        parse_resource(USER_TYPE, user(members=[{"value": "x"}]))


def test_datetime_values_must_be_iso_8601() -> None:
    """A dateTime attribute takes an ISO 8601 string (checked on a synthetic schema)."""
    schema = Schema(USER.id, "User", "", (*USER.attributes, Attribute("hired", AttrType.DATETIME)))
    rt = ResourceType("User", "/Users", schema)
    assert parse_resource(rt, user(hired="2026-01-31T12:00:00Z")).document["hired"] == (
        "2026-01-31T12:00:00Z"
    )
    with scim_error("invalidValue"):
        parse_resource(rt, user(hired="31/01/2026"))


def test_render_document_lists_present_extensions() -> None:
    """render_document adds schemas: the core URN, then extensions present in the document."""
    assert render_document(USER_TYPE, {"userName": "b"}) == {
        "schemas": [USER_SCHEMA],
        "userName": "b",
    }
    assert render_document(USER_TYPE, {"userName": "b", ENT: {"department": "S"}})["schemas"] == [
        USER_SCHEMA,
        ENT,
    ]
