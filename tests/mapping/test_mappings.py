"""Mappings as data and the SCIM payload Entra would send (docs/idp/entra-expressions.md §1, §6,
§8)."""

from __future__ import annotations

import pytest

from scimdir.mapping.mappings import (
    ApplyWhen,
    AttributeMapping,
    MappingType,
    build_payload,
    load_mappings,
    matching_targets,
    preset_text,
)

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_defaults_preset_builds_the_documented_payload() -> None:
    """The non-gallery defaults produce nested, filtered and enterprise targets as Entra posts."""
    mappings = load_mappings(preset_text("entra-defaults"))
    payload, errors = build_payload(
        mappings,
        {
            "userPrincipalName": "ann@contoso.com",
            "IsSoftDeleted": False,
            "givenName": "Ann",
            "surname": "Lee",
            "mail": "ann@contoso.com",
            "mobile": "+1 555",
            "department": "R&D",
            "manager": "m-1",
        },
        creating=True,
    )
    assert errors == {}
    assert payload == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "ann@contoso.com",
        "active": True,
        "emails": [{"type": "work", "primary": True, "value": "ann@contoso.com"}],
        "name": {"givenName": "Ann", "familyName": "Lee", "formatted": "Ann Lee"},
        "phoneNumbers": [{"type": "mobile", "value": "+1 555"}],
        ENTERPRISE: {"department": "R&D", "manager": {"value": "m-1"}},
    }


def test_recommended_preset_has_the_seed_rows() -> None:
    """entra-recommended is the product README's seed table, userName matched first."""
    mappings = load_mappings(preset_text("entra-recommended"))
    assert [m.target for m in mappings] == [
        "userName",
        "active",
        "displayName",
        'emails[type eq "work"].value',
        "name.givenName",
        "name.familyName",
        "name.formatted",
        "externalId",
    ]
    assert mappings[0].matching_precedence == 1


def test_default_value_only_on_creation() -> None:
    """The default value fills a Null only when the object is created (CUST)."""
    mappings = [AttributeMapping("title", MappingType.DIRECT, "jobTitle", default="Staff")]
    assert build_payload(mappings, {}, creating=True)[0].get("title") == "Staff"
    assert "title" not in build_payload(mappings, {}, creating=False)[0]


def test_only_during_creation_is_skipped_on_update() -> None:
    """A mapping applied only during creation does not flow on updates."""
    mappings = [
        AttributeMapping("externalId", MappingType.DIRECT, "objectId", apply=ApplyWhen.ON_CREATE)
    ]
    assert build_payload(mappings, {"objectId": "1"}, creating=False)[0] == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]
    }


def test_constant_and_ignored_flow() -> None:
    """A Constant is sent as written; an ignored flow leaves the attribute out."""
    mappings = load_mappings(
        '{"mappings": [{"target": "title", "type": "Constant", "value": "Say \\"hi\\""},'
        ' {"target": "nickName", "type": "Expression",'
        ' "expression": "IgnoreFlowIfNullOrEmpty([x])"}]}'
    )
    payload, _ = build_payload(mappings, {}, creating=True)
    assert payload == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "title": 'Say "hi"',
    }


def test_errors_are_reported_per_target() -> None:
    """A failing expression is reported for its target and the others still flow."""
    mappings = [
        AttributeMapping("title", MappingType.EXPRESSION, 'CDate("x")'),
        AttributeMapping("userName", MappingType.DIRECT, "userPrincipalName"),
    ]
    payload, errors = build_payload(mappings, {"userPrincipalName": "a"}, creating=True)
    assert list(errors) == ["title"]
    assert payload["userName"] == "a"


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ("[1]", "mapping #1 needs a string 'target'"),
        ('[{"target": "a", "type": "Magic"}]', "type must be one of Direct, Constant"),
        ('[{"target": "a", "type": "Expression"}]', "needs 'expression'"),
        ('[{"target": "a", "source": "b", "matchingPrecedence": 0}]', "matchingPrecedence"),
        ("{}", 'a list under "mappings"'),
    ],
)
def test_invalid_mapping_files_name_the_item(document: str, fragment: str) -> None:
    """A malformed mappings file is refused with a message naming the item and the fix."""
    with pytest.raises(ValueError) as info:
        load_mappings(document)
    assert fragment in str(info.value)


def test_matching_targets_follow_their_precedence_and_default_to_user_name() -> None:
    """Entra tries the attribute of precedence 1 first, then 2; without any, userName."""
    mappings = load_mappings(
        """
mappings:
  - {target: externalId, source: objectId, matchingPrecedence: 2}
  - {target: displayName, source: displayName}
  - {target: userName, source: userPrincipalName, matchingPrecedence: 1}
"""
    )
    assert matching_targets(mappings) == ["userName", "externalId"]
    assert matching_targets([m for m in mappings if m.matching_precedence is None]) == ["userName"]
