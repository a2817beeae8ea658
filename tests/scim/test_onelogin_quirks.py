"""OneLogin's quirks (docs/idp/onelogin.md §7): legacy schema URNs and ``emails`` as one object."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scimdir.scim.dialects import dialect_for
from scimdir.scim.errors import SCIMException
from scimdir.scim.onelogin_quirks import emails_object, legacy_schema_urns
from scimdir.scim.resource import parse_resource
from scimdir.scim.schema import GROUP_SCHEMA, GROUP_TYPE, USER_SCHEMA, USER_TYPE

from .helpers import ENT, body


@pytest.mark.parametrize(
    "legacy",
    ["urn:scim:schemas:core:2.0", "urn:scim:schemas:core:1.0", "URN:scim:schemas:core:2.0:User"],
)
def test_legacy_core_urn_becomes_the_rfc_user_urn(legacy: str) -> None:
    """urn:scim:schemas:core:1.0/2.0 (with or without :User, any case) reads as the core URN."""
    sent = {"schemas": [legacy], "userName": "a"}
    before = copy.deepcopy(sent)
    new, fired = legacy_schema_urns(USER_TYPE, sent)
    assert fired and new == {"schemas": [USER_SCHEMA], "userName": "a"}
    assert sent == before


@pytest.mark.parametrize(
    "legacy",
    ["urn:scim:schemas:extension:enterprise:2.0", "urn:scim:schemas:extension:enterprise:1.0:User"],
)
def test_legacy_enterprise_urn_in_schemas_and_as_key(legacy: str) -> None:
    """The legacy enterprise URN is renamed in schemas and as the extension object's key."""
    sent = {"schemas": ["urn:scim:schemas:core:2.0", legacy], legacy: {"department": "R&D"}}
    new, fired = legacy_schema_urns(USER_TYPE, sent)
    assert fired
    assert new == {"schemas": [USER_SCHEMA, ENT], ENT: {"department": "R&D"}}
    parsed = parse_resource(USER_TYPE, {**new, "userName": "a"})
    assert parsed.document[ENT] == {"department": "R&D"}


def test_legacy_urns_leave_compliant_and_unknown_bodies_alone() -> None:
    """RFC URNs, other URNs, a Group URN on a group and PATCH bodies are not rewritten."""
    for sent in (
        {"schemas": [USER_SCHEMA], "userName": "a"},
        {"schemas": ["urn:example:other"], "userName": "a"},
        body({"op": "replace", "path": "active", "value": False}),
        "not a body",
    ):
        assert legacy_schema_urns(USER_TYPE, sent) == (sent, False)
    group = {"schemas": ["urn:scim:schemas:core:2.0:User"], "displayName": "g"}
    assert legacy_schema_urns(GROUP_TYPE, group) == (group, False)
    new, fired = legacy_schema_urns(GROUP_TYPE, {"schemas": ["urn:scim:schemas:core:2.0"]})
    assert fired and new == {"schemas": [GROUP_SCHEMA]}


def test_duplicate_urns_collapse_to_one() -> None:
    """A body listing both the legacy and the RFC core URN lists the RFC URN once."""
    new, fired = legacy_schema_urns(
        USER_TYPE, {"schemas": [USER_SCHEMA, "urn:scim:schemas:core:2.0"]}
    )
    assert fired and new == {"schemas": [USER_SCHEMA]}


def test_a_malformed_schemas_item_is_kept_for_the_core_to_refuse() -> None:
    """A list or object among the URNs is not a URN: it stays where it was (never hashed, which
    raised TypeError, a 500, before) and the core refuses the body with a 400."""
    nested: list[Any] = ["urn:scim:schemas:core:1.0", ["x"], {"y": 1}, USER_SCHEMA, ["x"]]
    new, fired = legacy_schema_urns(USER_TYPE, {"schemas": nested, "userName": "a"})
    assert fired and new["schemas"] == [USER_SCHEMA, ["x"], {"y": 1}, ["x"]]
    with pytest.raises(SCIMException) as refused:
        parse_resource(USER_TYPE, new)
    assert refused.value.status == 400


EMAIL = {"value": "a@example.com", "primary": True}


def test_emails_object_becomes_one_element_array_in_a_body() -> None:
    """A POST/PUT "emails" object becomes a list of that one object."""
    sent: dict[str, Any] = {"userName": "a", "emails": EMAIL}
    new, fired = emails_object(USER_TYPE, sent)
    assert fired and new == {"userName": "a", "emails": [EMAIL]} and sent["emails"] is EMAIL
    assert emails_object(USER_TYPE, new) == (new, False)


def test_emails_object_in_patch_values() -> None:
    """A PATCH value for path "emails", or a path-less "emails" key, becomes a list."""
    sent = body(
        {"op": "add", "path": "emails", "value": EMAIL},
        {"op": "replace", "value": {"emails": EMAIL, "active": True}},
        {"op": "add", "path": 'emails[type eq "work"]', "value": EMAIL},
    )
    new, fired = emails_object(USER_TYPE, sent)
    assert fired
    assert new["Operations"] == [
        {"op": "add", "path": "emails", "value": [EMAIL]},
        {"op": "replace", "value": {"emails": [EMAIL], "active": True}},
        {"op": "add", "path": 'emails[type eq "work"]', "value": EMAIL},
    ]


def test_emails_object_is_not_applied_to_groups_or_lists() -> None:
    """Groups have no emails; an emails list is already RFC form."""
    assert emails_object(GROUP_TYPE, {"emails": EMAIL}) == ({"emails": EMAIL}, False)
    listed = {"emails": [EMAIL]}
    assert emails_object(USER_TYPE, listed) == (listed, False)


def test_only_the_onelogin_dialect_runs_them() -> None:
    """OneLogin's dialect accepts both shapes; generic and Okta leave them for the core."""
    sent = {"schemas": ["urn:scim:schemas:core:2.0"], "userName": "a", "emails": EMAIL}
    new, fired = dialect_for("onelogin").normalize_resource(USER_TYPE, sent)
    assert fired == ["onelogin.legacy-schema-urns", "onelogin.emails-object"]
    assert parse_resource(USER_TYPE, new).document["emails"] == [EMAIL]
    for idp in ("generic", "okta", "entra", "jumpcloud"):
        assert dialect_for(idp).normalize_resource(USER_TYPE, sent) == (sent, [])
