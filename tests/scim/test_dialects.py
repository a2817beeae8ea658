"""Dialects, replaying the PATCH and POST bodies of docs/idp/entra.md and docs/idp/okta.md
verbatim."""

from __future__ import annotations

from typing import Any

import pytest

from scimdir.scim.dialects import DIALECTS, dialect_for, foreign_shape
from scimdir.scim.patch import MemberChange
from scimdir.scim.quirks import QUIRKS
from scimdir.scim.resource import parse_resource
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE
from scimdir.service.directory_settings import IDPS

from .helpers import ENT, via

P = ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
USER = {"userName": "u@example.com", "active": True, "name": {"givenName": "A", "familyName": "B"}}
GROUP = {"displayName": "displayName"}


LENIENT = ["lenient.patch-without-schemas", "lenient.extension-object-schemas"]
EXPECTED = {
    "entra": [q.name for q in QUIRKS if q.name.startswith(("entra.", "lenient."))],
    "okta": LENIENT,
    "onelogin": [
        "lenient.patch-without-schemas",
        "onelogin.legacy-schema-urns",
        "lenient.extension-object-schemas",
        "onelogin.emails-object",
        "entra.string-boolean",
    ],
    "jumpcloud": [*LENIENT, "entra.member-remove-by-value"],
    "authentik": [*LENIENT, "entra.member-remove-by-value", "authentik.unquoted-filter-value"],
    "pingone": LENIENT,
    "rippling": LENIENT,
    "generic": LENIENT,
}


def test_dialect_table() -> None:
    """Each IdP's dialect is exactly its documented quirks; generic is only the lenient ones."""
    assert set(DIALECTS) == set(EXPECTED) == set(IDPS)
    for idp, names in EXPECTED.items():
        assert sorted(q.name for q in dialect_for(idp).quirks) == sorted(names), idp
        assert dialect_for(idp).name == idp
    assert [q.name for q in dialect_for("onelogin").quirks] == EXPECTED["onelogin"]
    assert dialect_for("Entra") is DIALECTS["entra"]
    assert dialect_for("unknown-idp") is DIALECTS["generic"]


@pytest.mark.parametrize(
    "message",
    [
        {"schemas": P, "Operations": [{"op": "Replace", "path": "active", "value": False}]},
        {"schemas": P, "Operations": [{"op": "replace", "path": "active", "value": "False"}]},
    ],
)
def test_generic_is_strict_rfc_for_entra_shapes(message: dict[str, Any]) -> None:
    """generic rewrites no Entra shape: capitalised ops and string booleans stay as sent."""
    assert dialect_for("generic").normalize_patch(USER_TYPE, message) == (message, [])


def test_normalisers_report_the_quirks_that_fired_in_order() -> None:
    """normalize_patch returns the new body and the fired quirk names."""
    message = {"schemas": P, "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    new, fired = dialect_for("entra").normalize_patch(USER_TYPE, message)
    assert fired == ["entra.capitalised-op", "entra.string-boolean"]
    assert new["Operations"] == [{"op": "replace", "path": "active", "value": False}]


@pytest.mark.parametrize("payload", [None, "x", [1], {"Operations": None}])
@pytest.mark.parametrize("idp", ["entra", "okta", "generic"])
def test_normalisers_do_not_crash_on_non_dict_bodies(idp: str, payload: Any) -> None:
    """A body the normalisers cannot read is returned unchanged for the core to refuse."""
    dialect = dialect_for(idp)
    assert dialect.normalize_patch(USER_TYPE, payload) == (payload, [])
    assert dialect.normalize_resource(USER_TYPE, payload) == (payload, [])


# --- Entra (docs/idp/entra.md §4-§6) -------------------------------------------------------


def test_entra_disable_user_without_flag() -> None:
    """Replace active "False" (default mapping) disables the user."""
    message = {"schemas": P, "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    assert via("entra", USER_TYPE, USER, message).document["active"] is False


def test_entra_disable_user_with_flag() -> None:
    """replace active false (aadOptscim062020) disables the user."""
    message = {"schemas": P, "Operations": [{"op": "replace", "path": "active", "value": False}]}
    assert via("entra", USER_TYPE, USER, message).document["active"] is False


MULTI_WITHOUT_FLAG = {
    "schemas": P,
    "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Pvlo"},
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "TestBcwqnm@test.microsoft.com",
        },
        {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
        {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
        {"op": "Replace", "path": "externalId", "value": "Eqpj"},
        {
            "op": "Replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "value": "Eqpj",
        },
    ],
}

MULTI_WITH_FLAG = {
    "schemas": P,
    "Operations": [
        {
            "op": "replace",
            "path": 'emails[type eq "work"].value',
            "value": "TestMhvaes@test.microsoft.com",
        },
        {
            "op": "replace",
            "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
            },
        },
    ],
}


def test_entra_multi_attribute_update_without_flag() -> None:
    """One Replace per path; the missing work e-mail is created."""
    doc = via("entra", USER_TYPE, USER, MULTI_WITHOUT_FLAG).document
    assert doc == {
        "userName": "u@example.com",
        "active": True,
        "name": {"givenName": "Gtfd", "familyName": "Pkqf"},
        "displayName": "Pvlo",
        "emails": [{"type": "work", "value": "TestBcwqnm@test.microsoft.com"}],
        "externalId": "Eqpj",
        ENT: {"employeeNumber": "Eqpj"},
    }


def test_entra_multi_attribute_update_with_flag() -> None:
    """A filtered replace plus a path-less replace with dotted and URN keys."""
    start = {**USER, "emails": [{"type": "work", "value": "old@x", "primary": True}]}
    doc = via("entra", USER_TYPE, start, MULTI_WITH_FLAG).document
    assert doc == {
        "userName": "u@example.com",
        "active": True,
        "name": {"givenName": "Kkom", "familyName": "Unua"},
        "displayName": "Bjfe",
        "emails": [{"type": "work", "value": "TestMhvaes@test.microsoft.com", "primary": True}],
        ENT: {"employeeNumber": "Aklq"},
    }


def test_entra_three_address_adds_make_one_address() -> None:
    """Three add ops on addresses[type eq "work"] sub-attributes fill ONE address."""
    message = {
        "Operations": [
            {"op": "add", "path": 'addresses[type eq "work"].formatted', "value": "USZLTUSJXBYV"},
            {"op": "add", "path": 'addresses[type eq "work"].locality', "value": "OSGODHEVDCVD"},
            {"op": "add", "path": 'addresses[type eq "work"].region', "value": "YMVMOEMXAYGD"},
        ],
        "schemas": P,
    }
    doc = via("entra", USER_TYPE, USER, message).document
    assert doc["addresses"] == [
        {
            "type": "work",
            "formatted": "USZLTUSJXBYV",
            "locality": "OSGODHEVDCVD",
            "region": "YMVMOEMXAYGD",
        }
    ]


def test_entra_department_address_and_email_in_one_request() -> None:
    """The laravel-scim-server #34 request applies all three changes."""
    message = {
        "schemas": P,
        "Operations": [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "AdeleV2@x.com"},
            {"op": "Replace", "path": 'addresses[type eq "work"].formatted', "value": "18/2111"},
            {"op": "Add", "path": f"{ENT}:department", "value": "Retail"},
        ],
    }
    doc = via("entra", USER_TYPE, USER, message).document
    assert (doc["emails"], doc["addresses"], doc[ENT]) == (
        [{"type": "work", "value": "AdeleV2@x.com"}],
        [{"type": "work", "formatted": "18/2111"}],
        {"department": "Retail"},
    )


def test_entra_manager_as_bare_string() -> None:
    """Add URN:manager "271" stores {"value": "271"}."""
    message = {
        "Operations": [{"op": "Add", "path": f"{ENT}:manager", "value": "271"}],
        "schemas": P,
    }
    assert via("entra", USER_TYPE, USER, message).document[ENT] == {"manager": {"value": "271"}}


def test_entra_older_manager_write_with_unqualified_path_and_array() -> None:
    """Add path "manager" with [{"$ref", "value"}] stores the manager object."""
    value = [{"$ref": "http://x/scim/Users/00aa", "value": "00aa"}]
    message = {"schemas": P, "Operations": [{"op": "Add", "path": "manager", "value": value}]}
    doc = via("entra", USER_TYPE, USER, message).document
    assert doc[ENT] == {"manager": {"$ref": "http://x/scim/Users/00aa", "value": "00aa"}}


def test_entra_manager_filter_remove() -> None:
    """remove manager[value eq "manager-id"] removes that manager."""
    start = {**USER, ENT: {"manager": {"value": "manager-id"}}}
    message = {
        "schemas": P,
        "Operations": [{"op": "remove", "path": 'manager[value eq "manager-id"]'}],
    }
    assert via("entra", USER_TYPE, start, message).document == USER


def test_entra_add_members() -> None:
    """Add members [{"$ref": null, "value"}] adds that user."""
    message = {
        "schemas": P,
        "Operations": [
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"}],
            }
        ],
    }
    result = via("entra", GROUP_TYPE, GROUP, message)
    assert result.member_changes == (MemberChange("add", (("f648f8d5ea4e4cd38e9c", "User"),)),)


def test_entra_remove_member_by_value_array_removes_only_that_member() -> None:
    """Remove members [{"value": "u1091"}] (default, no flag) removes u1091 only."""
    message = {
        "schemas": P,
        "Operations": [{"op": "Remove", "path": "members", "value": [{"value": "u1091"}]}],
    }
    result = via("entra", GROUP_TYPE, GROUP, message)
    assert result.member_changes == (MemberChange("remove", (("u1091", "User"),)),)


def test_entra_remove_member_by_filter_with_flag() -> None:
    """remove members[value eq "..."] removes that member."""
    path = 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]'
    message = {"schemas": P, "Operations": [{"op": "remove", "path": path}]}
    result = via("entra", GROUP_TYPE, GROUP, message)
    assert result.member_changes == (
        MemberChange("remove", (("7f4bc1a3-285e-48ae-8202-5accb43efb0e", "User"),)),
    )


def test_entra_create_group_with_microsoft_urn_and_meta() -> None:
    """The Create Group body is accepted; meta and the Microsoft URN are ignored."""
    post = {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
        ],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"},
    }
    new, fired = dialect_for("entra").normalize_resource(GROUP_TYPE, post)
    parsed = parse_resource(GROUP_TYPE, new)
    assert fired == ["entra.microsoft-group-urn"]
    assert parsed.document == {
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
    }
    assert parsed.members is None


def test_entra_older_create_user_with_nulls_typo_urn_and_string_active() -> None:
    """Explicit nulls, the typo'd enterprise URN and "active": "True" are all accepted."""
    post = {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0User",
        ],
        "userName": "UserName123",
        "active": "True",
        "addresses": None,
        "phoneNumbers": None,
        "title": None,
        "roles": [],
        "meta": {"resourceType": "User"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User": {
            "department": None,
            "manager": "m1",
        },
    }
    new, fired = dialect_for("entra").normalize_resource(USER_TYPE, post)
    assert fired == [
        "entra.enterprise-urn-typo",
        "entra.bare-string-manager",
        "entra.string-boolean",
    ]
    assert parse_resource(USER_TYPE, new).document == {
        "userName": "UserName123",
        "active": True,
        ENT: {"manager": {"value": "m1"}},
    }


# --- Okta (docs/idp/okta.md §3-§4) ---------------------------------------------------------


def test_okta_deactivate_with_pathless_replace() -> None:
    """{"op": "replace", "value": {"active": false}} changes only active."""
    message = {"schemas": P, "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert via("okta", USER_TYPE, USER, message).document == {**USER, "active": False}


def test_okta_name_patch_with_id_after_membership_change() -> None:
    """Path-less replace {id, displayName} renames and never touches members."""
    message = {
        "schemas": P,
        "Operations": [
            {
                "op": "replace",
                "value": {
                    "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
                    "displayName": "Test SCIMv2",
                },
            }
        ],
    }
    result = via("okta", GROUP_TYPE, GROUP, message)
    assert (result.document, result.member_changes) == ({"displayName": "Test SCIMv2"}, ())


def test_okta_membership_patch_remove_and_add_without_type() -> None:
    """remove members[value eq] then add {value, display} without type."""
    message = {
        "schemas": P,
        "Operations": [
            {"op": "remove", "path": 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]'},
            {
                "op": "add",
                "path": "members",
                "value": [
                    {
                        "value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
                        "display": "test.user@okta.local",
                    }
                ],
            },
        ],
    }
    assert via("okta", GROUP_TYPE, GROUP, message).member_changes == (
        MemberChange("remove", (("89bb1940-b905-4575-9e7f-6f887cfb368e", "User"),)),
        MemberChange("add", (("23a35c27-23d3-4c03-b4c5-6443c09e7173", "User"),)),
    )


def test_okta_replace_members_with_empty_list() -> None:
    """replace members [] (Push now of an empty group) empties the group."""
    message = {"schemas": P, "Operations": [{"op": "replace", "path": "members", "value": []}]}
    assert via("okta", GROUP_TYPE, GROUP, message).member_changes == (MemberChange("replace", ()),)


def test_okta_pathless_replace_with_empty_members() -> None:
    """The scimgateway #111 path-less body with "members": [] renames and empties the group."""
    message = {
        "schemas": P,
        "Operations": [
            {
                "op": "replace",
                "value": {"id": "org-cd1:admin", "displayName": "org-cd1:admin", "members": []},
            }
        ],
    }
    result = via("okta", GROUP_TYPE, GROUP, message)
    assert result.document == {"displayName": "org-cd1:admin"}
    assert result.member_changes == (MemberChange("replace", ()),)


def test_okta_create_user_with_password_and_groups() -> None:
    """The create body's password and "groups": [] are accepted and not stored."""
    post = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }
    new, fired = dialect_for("okta").normalize_resource(USER_TYPE, post)
    document = parse_resource(USER_TYPE, new).document
    assert fired == []
    assert document == {k: v for k, v in post.items() if k not in ("schemas", "groups", "password")}


def test_okta_put_echo_of_id_meta_and_groups_is_ignored() -> None:
    """The 2018 PUT with id, odd meta dates and "groups": [] parses to the profile only."""
    put = {
        "id": "abc",
        "externalId": "00uq2kqg7YTkFo3cY0g3",
        "meta": {"resourceType": "User", "created": "04-12-2018 00:00:00", "version": "v1.0"},
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jane.doe@example.com",
        "active": True,
        "password": "TkdFNVdIVkxhM2c9",
        "groups": [],
    }
    parsed = parse_resource(USER_TYPE, dialect_for("okta").normalize_resource(USER_TYPE, put)[0])
    assert parsed.document == {
        "externalId": "00uq2kqg7YTkFo3cY0g3",
        "userName": "jane.doe@example.com",
        "active": True,
    }


@pytest.mark.parametrize(
    "idp", ["okta", "generic", "onelogin", "jumpcloud", "pingone", "rippling", "authentik"]
)
def test_foreign_shape_names_entra_for_capitalised_ops_outside_entra(idp: str) -> None:
    """A capitalised op at any non-Entra dialect is Entra's shape; lower-case ops are nobody's."""
    message = {"schemas": P, "Operations": [{"op": "Remove", "path": "members"}]}
    assert foreign_shape(dialect_for(idp), message) == "entra"
    lowered = {"schemas": P, "Operations": [{"op": "remove", "path": "members"}]}
    assert foreign_shape(dialect_for(idp), lowered) is None
    assert foreign_shape(dialect_for("entra"), message) is None
    assert foreign_shape(dialect_for(idp), {"Operations": [{"op": "Move"}]}) is None
