"""The PATCH engine (RFC 7644 §3.5.2) over stored documents, without any dialect."""

from __future__ import annotations

import copy
from typing import Any

from scimdir.scim.patch import MemberChange, PatchOperation, apply_patch, parse_patch_request
from scimdir.scim.schema import (
    GROUP_TYPE,
    USER,
    USER_TYPE,
    Attribute,
    Mutability,
    ResourceType,
    Schema,
)

from .helpers import ENT, body, patch, scim_error

PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user(**extra: Any) -> dict[str, Any]:
    return {
        "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        **extra,
    }


WORK = {"type": "work", "value": "bjensen@example.com", "primary": True}
HOME = {"type": "home", "value": "babs@jensen.org"}


# --- parse_patch_request ------------------------------------------------------------------------


def test_parse_returns_the_operations_in_order() -> None:
    """A valid PatchOp message yields one PatchOperation per operation, in order."""
    ops = parse_patch_request(
        body(
            {"op": "add", "path": "nickName", "value": "Babs"},
            {"op": "remove", "path": "title"},
        )
    )
    assert ops == [
        PatchOperation("add", "nickName", "Babs"),
        PatchOperation("remove", "title", None),
    ]


def test_parse_refuses_a_non_object_body() -> None:
    """A body that is not a JSON object is invalidSyntax."""
    with scim_error("invalidSyntax"):
        parse_patch_request([])


def test_parse_requires_the_patchop_schema() -> None:
    """schemas must contain the PatchOp URN."""
    with scim_error("invalidSyntax") as detail:
        parse_patch_request({"schemas": [], "Operations": [{"op": "add", "value": {}}]})
    assert PATCH_URN in detail()


def test_parse_requires_a_non_empty_operations_list() -> None:
    """Operations must be a non-empty array."""
    with scim_error("invalidSyntax"):
        parse_patch_request({"schemas": [PATCH_URN], "Operations": []})


def test_parse_refuses_an_unknown_op_naming_it() -> None:
    """An op other than add/remove/replace is invalidSyntax and the detail names it."""
    with scim_error("invalidSyntax") as detail:
        parse_patch_request(body({"op": "copy", "path": "title", "value": "x"}))
    assert "'copy'" in detail()


def test_parse_refuses_a_capitalised_op_without_a_dialect() -> None:
    """The core takes ops exactly; lower-casing "Replace" is the dialect's job."""
    with scim_error("invalidSyntax"):
        parse_patch_request(body({"op": "Replace", "path": "title", "value": "x"}))


def test_parse_refuses_remove_without_path() -> None:
    """A remove without path is noTarget (RFC 7644 §3.5.2.2)."""
    with scim_error("noTarget"):
        parse_patch_request(body({"op": "remove"}))


def test_parse_refuses_add_without_value() -> None:
    """An add or replace without value is invalidValue."""
    with scim_error("invalidValue"):
        parse_patch_request(body({"op": "add", "path": "title"}))


def test_parse_refuses_a_malformed_path() -> None:
    """A path that is not RFC 7644 syntax is invalidPath, before anything is applied."""
    with scim_error("invalidPath"):
        parse_patch_request(body({"op": "add", "path": "emails[type eq", "value": "x"}))


# --- single-valued attributes -------------------------------------------------------------------


def test_add_sets_a_single_valued_attribute() -> None:
    """add on a simple attribute sets it (RFC 7644 §3.5.2.1)."""
    result = patch(USER_TYPE, user(), {"op": "add", "path": "nickName", "value": "Babs"})
    assert result.document == user(nickName="Babs")


def test_replace_with_null_unassigns() -> None:
    """replace with null removes the attribute (RFC 7643 §2.5)."""
    result = patch(USER_TYPE, user(title="Boss"), {"op": "replace", "path": "title", "value": None})
    assert result.document == user()


def test_remove_removes_an_attribute() -> None:
    """remove of a single-valued attribute unassigns it (RFC 7644 §3.5.2.2)."""
    result = patch(USER_TYPE, user(title="Boss"), {"op": "remove", "path": "title"})
    assert result.document == user()


def test_sub_attribute_path_sets_only_that_sub_attribute() -> None:
    """replace name.givenName keeps the other name parts."""
    result = patch(USER_TYPE, user(), {"op": "replace", "path": "name.givenName", "value": "Babs"})
    assert result.document["name"] == {"givenName": "Babs", "familyName": "Jensen"}


def test_replace_of_a_complex_attribute_merges_sub_attributes() -> None:
    """replace name {givenName} leaves familyName unchanged (RFC 7644 §3.5.2.3)."""
    result = patch(
        USER_TYPE, user(), {"op": "replace", "path": "name", "value": {"givenName": "B"}}
    )
    assert result.document["name"] == {"givenName": "B", "familyName": "Jensen"}


def test_names_are_case_insensitive_and_stored_canonically() -> None:
    """NAME.GIVENNAME resolves to name.givenName (RFC 7643 §2.1)."""
    result = patch(USER_TYPE, user(), {"op": "replace", "path": "NAME.GIVENNAME", "value": "B"})
    assert result.document["name"]["givenName"] == "B"


def test_boolean_attribute_refuses_a_string_in_the_core() -> None:
    """active needs a JSON boolean; "False" is a dialect quirk, not core behaviour."""
    with scim_error("invalidValue") as detail:
        patch(USER_TYPE, user(), {"op": "replace", "path": "active", "value": "False"})
    assert detail() == "active must be a JSON boolean, true or false; got the string 'False'."


def test_unknown_attribute_is_invalid_path() -> None:
    """A path naming an unknown attribute is invalidPath and names it."""
    with scim_error("invalidPath") as detail:
        patch(USER_TYPE, user(), {"op": "add", "path": "shoeSize", "value": "42"})
    assert "'shoeSize'" in detail()


def test_unknown_sub_attribute_is_invalid_path() -> None:
    """A path naming an unknown sub-attribute is invalidPath."""
    with scim_error("invalidPath"):
        patch(USER_TYPE, user(), {"op": "add", "path": "name.nick", "value": "x"})


def test_password_is_accepted_and_never_stored() -> None:
    """replace password succeeds and leaves the document unchanged (writeOnly)."""
    result = patch(USER_TYPE, user(), {"op": "replace", "path": "password", "value": "s3cret"})
    assert result.document == user()


# --- readOnly, immutable, required --------------------------------------------------------------


def test_read_only_paths_are_mutability_errors() -> None:
    """id, meta and groups in a path are refused with mutability, naming the attribute."""
    for path in ("id", "meta.created", "groups"):
        with scim_error("mutability") as detail:
            patch(USER_TYPE, user(), {"op": "replace", "path": path, "value": "x"})
        assert detail().startswith(path.split(".")[0])


def test_pathless_groups_on_a_user_is_a_mutability_error() -> None:
    """groups is readOnly on users, also inside a path-less value."""
    with scim_error("mutability"):
        patch(USER_TYPE, user(), {"op": "replace", "value": {"groups": []}})


def test_immutable_attribute_cannot_change_once_set() -> None:
    """An immutable attribute with a value cannot be replaced by a different one (RFC 7643 §7)."""
    schema = Schema(
        USER.id, "User", "", (*USER.attributes, Attribute("badge", mutability=Mutability.IMMUTABLE))
    )
    rt = ResourceType("User", "/Users", schema)
    assert patch(rt, user(), {"op": "add", "path": "badge", "value": "7"}).document["badge"] == "7"
    with scim_error("mutability"):
        patch(rt, user(badge="7"), {"op": "replace", "path": "badge", "value": "8"})


def test_removing_a_required_attribute_is_refused() -> None:
    """userName is required: removing it is invalidValue."""
    with scim_error("invalidValue") as detail:
        patch(USER_TYPE, user(), {"op": "remove", "path": "userName"})
    assert detail().startswith("userName is required")


# --- multi-valued attributes --------------------------------------------------------------------


def test_add_appends_to_a_multi_valued_attribute_without_duplicates() -> None:
    """add appends new values and ignores identical ones (RFC 7644 §3.5.2.1)."""
    result = patch(USER_TYPE, user(emails=[HOME]), {"op": "add", "path": "emails", "value": [HOME]})
    assert result.document["emails"] == [HOME]
    result = patch(USER_TYPE, user(emails=[HOME]), {"op": "add", "path": "emails", "value": [WORK]})
    assert result.document["emails"] == [HOME, WORK]


def test_replace_of_a_multi_valued_attribute_replaces_the_list() -> None:
    """replace emails replaces every value (RFC 7644 §3.5.2.3)."""
    doc = user(emails=[HOME])
    result = patch(USER_TYPE, doc, {"op": "replace", "path": "emails", "value": [WORK]})
    assert result.document["emails"] == [WORK]


def test_a_new_primary_value_clears_the_old_primary() -> None:
    """At most one value is primary (RFC 7643 §2.4); the added one wins."""
    new = {"type": "home", "value": "b@home.org", "primary": True}
    result = patch(USER_TYPE, user(emails=[WORK]), {"op": "add", "path": "emails", "value": [new]})
    assert result.document["emails"] == [{"type": "work", "value": "bjensen@example.com"}, new]


def test_remove_with_filter_removes_only_matching_values() -> None:
    """remove emails[type eq "home"] keeps the work address (RFC 7644 §3.5.2.2)."""
    doc = user(emails=[WORK, HOME])
    result = patch(USER_TYPE, doc, {"op": "remove", "path": 'emails[type eq "home"]'})
    assert result.document["emails"] == [WORK]


def test_remove_with_a_filter_matching_nothing_succeeds() -> None:
    """A remove whose filter matches nothing changes nothing and is no error."""
    doc = user(emails=[WORK])
    result = patch(USER_TYPE, doc, {"op": "remove", "path": 'emails[type eq "other"]'})
    assert result.document == doc


def test_remove_of_the_last_value_drops_the_attribute() -> None:
    """An emptied multi-valued attribute is unassigned, not []."""
    result = patch(
        USER_TYPE, user(emails=[WORK]), {"op": "remove", "path": 'emails[type eq "work"]'}
    )
    assert result.document == user()


def test_filtered_replace_changes_only_the_matching_record() -> None:
    """replace emails[type eq "work"].value leaves the home address alone."""
    doc = user(emails=[WORK, HOME])
    op = {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"}
    result = patch(USER_TYPE, doc, op)
    assert result.document["emails"] == [{**WORK, "value": "new@example.com"}, HOME]


def test_filter_values_compare_case_insensitively_unless_case_exact() -> None:
    """type eq "WORK" matches "work": type is not caseExact."""
    op = {"op": "replace", "path": 'EMAILS[TYPE eq "WORK"].VALUE', "value": "n@example.com"}
    result = patch(USER_TYPE, user(emails=[WORK]), op)
    assert result.document["emails"] == [{**WORK, "value": "n@example.com"}]


def test_filters_support_every_operator_and_logic() -> None:
    """ew, not and boolean comparisons select the right values."""
    doc = user(emails=[WORK, HOME])
    op = {"op": "remove", "path": 'emails[value ew "JENSEN.ORG" or not (primary eq true)]'}
    assert patch(USER_TYPE, doc, op).document["emails"] == [WORK]
    op = {"op": "remove", "path": "emails[primary eq true]"}
    assert patch(USER_TYPE, doc, op).document["emails"] == [HOME]


def test_filtered_add_creates_the_record_when_none_matches() -> None:
    """add emails[type eq "work"].value with no work e-mail creates {type: work, value}."""
    op = {"op": "add", "path": 'emails[type eq "work"].value', "value": "b@example.com"}
    result = patch(USER_TYPE, user(), op)
    assert result.document["emails"] == [{"type": "work", "value": "b@example.com"}]


def test_filtered_whole_record_replace_keeps_the_filter_conditions() -> None:
    """replace emails[type eq "work"] with {value} keeps type work on the record."""
    op = {"op": "replace", "path": 'emails[type eq "work"]', "value": {"value": "n@example.com"}}
    result = patch(USER_TYPE, user(emails=[WORK, HOME]), op)
    assert result.document["emails"] == [{"type": "work", "value": "n@example.com"}, HOME]


def test_filtered_add_that_cannot_say_what_to_create_is_no_target() -> None:
    """A filter that is not eq-and-only and matches nothing gives noTarget."""
    op = {"op": "add", "path": 'emails[value co "x" or type eq "work"].display', "value": "X"}
    with scim_error("noTarget"):
        patch(USER_TYPE, user(), op)


def test_unknown_sub_attribute_inside_brackets_is_invalid_filter() -> None:
    """A bracket filter naming an unknown sub-attribute is invalidFilter."""
    with scim_error("invalidFilter"):
        patch(USER_TYPE, user(emails=[WORK]), {"op": "remove", "path": 'emails[kind eq "work"]'})


def test_sub_attribute_without_filter_applies_to_every_value() -> None:
    """replace emails.display sets display on each e-mail."""
    result = patch(
        USER_TYPE,
        user(emails=[WORK, HOME]),
        {"op": "replace", "path": "emails.display", "value": "B"},
    )
    assert [e["display"] for e in result.document["emails"]] == ["B", "B"]


# --- path-less operations -----------------------------------------------------------------------


def test_pathless_replace_merges_complex_attributes() -> None:
    """A path-less replace of {name: {givenName}} keeps familyName."""
    result = patch(USER_TYPE, user(), {"op": "replace", "value": {"name": {"givenName": "B"}}})
    assert result.document["name"] == {"givenName": "B", "familyName": "Jensen"}


def test_pathless_replace_changes_only_the_given_attributes() -> None:
    """{"active": false} without path changes active only (Okta deactivation)."""
    doc = user(active=True, title="Boss")
    result = patch(USER_TYPE, doc, {"op": "replace", "value": {"active": False}})
    assert result.document == user(active=False, title="Boss")


def test_pathless_keys_may_be_dotted_or_urn_qualified() -> None:
    """name.givenName and urn:...:User:employeeNumber keys are attribute paths."""
    value = {"name.givenName": "Kkom", f"{ENT}:employeeNumber": "Aklq"}
    result = patch(USER_TYPE, user(), {"op": "replace", "value": value})
    assert result.document["name"]["givenName"] == "Kkom"
    assert result.document[ENT] == {"employeeNumber": "Aklq"}


def test_pathless_extension_object_is_merged_not_wiped() -> None:
    """{"<enterprise URN>": {"department": "Sales"}} keeps employeeNumber."""
    doc = user(**{ENT: {"employeeNumber": "7"}})
    result = patch(USER_TYPE, doc, {"op": "replace", "value": {ENT: {"department": "Sales"}}})
    assert result.document[ENT] == {"employeeNumber": "7", "department": "Sales"}


def test_pathless_echo_of_id_meta_and_schemas_is_ignored() -> None:
    """id, meta and schemas inside a path-less value are ignored, not refused."""
    value = {"id": "abc", "meta": {"version": "1"}, "schemas": [], "displayName": "B"}
    result = patch(USER_TYPE, user(), {"op": "replace", "value": value})
    assert result.document == user(displayName="B")


def test_pathless_value_must_be_an_object() -> None:
    """A path-less add with a non-object value is invalidValue."""
    with scim_error("invalidValue"):
        patch(USER_TYPE, user(), {"op": "add", "value": "Babs"})


def test_extension_urn_path_merges_and_removes_the_extension() -> None:
    """The bare extension URN as path designates the whole extension object."""
    doc = user(**{ENT: {"employeeNumber": "7"}})
    result = patch(USER_TYPE, doc, {"op": "add", "path": ENT, "value": {"department": "S"}})
    assert result.document[ENT] == {"employeeNumber": "7", "department": "S"}
    assert patch(USER_TYPE, doc, {"op": "remove", "path": ENT}).document == user()


def test_urn_qualified_extension_path() -> None:
    """urn:...:enterprise:2.0:User:department sets the extension attribute."""
    op = {"op": "add", "path": f"{ENT}:department", "value": "Retail"}
    assert patch(USER_TYPE, user(), op).document[ENT] == {"department": "Retail"}


# --- manager ------------------------------------------------------------------------------------


def test_manager_filter_remove_removes_only_a_matching_manager() -> None:
    """remove manager[value eq "x"] removes the manager x and leaves another one."""
    doc = user(**{ENT: {"manager": {"value": "m1"}, "department": "S"}})
    path = f'{ENT}:manager[value eq "m1"]'
    assert patch(USER_TYPE, doc, {"op": "remove", "path": path}).document[ENT] == {
        "department": "S"
    }
    other = f'{ENT}:manager[value eq "m2"]'
    assert patch(USER_TYPE, doc, {"op": "remove", "path": other}).document == doc


def test_filtered_write_on_a_single_valued_attribute_is_invalid_path() -> None:
    """Only remove may filter the single-valued manager."""
    with scim_error("invalidPath"):
        patch(USER_TYPE, user(), {"op": "add", "path": f'{ENT}:manager[value eq "m"]', "value": {}})


# --- atomicity ----------------------------------------------------------------------------------


def test_input_document_is_never_mutated() -> None:
    """apply_patch works on a copy."""
    doc = user(emails=[WORK])
    before = copy.deepcopy(doc)
    patch(
        USER_TYPE,
        doc,
        {"op": "add", "path": "emails", "value": [HOME]},
        {"op": "remove", "path": "name"},
    )
    assert doc == before


def test_an_error_in_a_later_operation_applies_nothing() -> None:
    """Operations are atomic: the second op fails, so the call raises and returns nothing."""
    doc = user()
    ops = parse_patch_request(
        body(
            {"op": "add", "path": "title", "value": "x"}, {"op": "add", "path": "id", "value": "y"}
        )
    )
    with scim_error("mutability"):
        apply_patch(USER_TYPE, doc, ops)
    assert doc == user()


# --- members ------------------------------------------------------------------------------------

GROUP = {"displayName": "Admins"}


def test_member_add_becomes_a_member_change_with_default_type() -> None:
    """add members [{value}] gives an add change; type defaults to User; no members in the doc."""
    value = [{"value": "u1", "display": "u1@x"}, {"value": "g1", "type": "Group"}]
    result = patch(GROUP_TYPE, GROUP, {"op": "add", "path": "members", "value": value})
    assert result.member_changes == (MemberChange("add", (("u1", "User"), ("g1", "Group"))),)
    assert result.document == GROUP


def test_member_remove_by_value_filter() -> None:
    """remove members[value eq "u1"] removes u1."""
    result = patch(GROUP_TYPE, GROUP, {"op": "remove", "path": 'members[value eq "u1"]'})
    assert result.member_changes == (MemberChange("remove", (("u1", "User"),)),)


def test_member_remove_by_or_of_values() -> None:
    """members[value eq "a" or value eq "b"] removes both."""
    path = 'members[value eq "a" or value eq "b"]'
    result = patch(GROUP_TYPE, GROUP, {"op": "remove", "path": path})
    assert result.member_changes == (MemberChange("remove", (("a", "User"), ("b", "User"))),)


def test_member_remove_without_value_removes_all() -> None:
    """remove members without value is remove_all (RFC 7644 §3.5.2.2)."""
    result = patch(GROUP_TYPE, GROUP, {"op": "remove", "path": "members"})
    assert result.member_changes == (MemberChange("remove_all"),)


def test_member_remove_with_value_array_is_refused_by_the_core() -> None:
    """remove members + value array is not RFC; without the dialect it is refused, never 'all'."""
    with scim_error("invalidValue"):
        patch(GROUP_TYPE, GROUP, {"op": "remove", "path": "members", "value": [{"value": "u1"}]})


def test_member_replace_with_empty_list_empties_the_group() -> None:
    """replace members [] is a replace with no members."""
    result = patch(GROUP_TYPE, GROUP, {"op": "replace", "path": "members", "value": []})
    assert result.member_changes == (MemberChange("replace", ()),)


def test_pathless_replace_with_members_key_replaces_members() -> None:
    """A path-less replace holding members replaces them and applies the rest."""
    value = {"displayName": "Ops", "members": [{"value": "u1"}]}
    result = patch(GROUP_TYPE, GROUP, {"op": "replace", "value": value})
    assert result.member_changes == (MemberChange("replace", (("u1", "User"),)),)
    assert result.document == {"displayName": "Ops"}


def test_member_changes_keep_operation_order() -> None:
    """Member changes come out in the order of the operations."""
    result = patch(
        GROUP_TYPE,
        GROUP,
        {"op": "remove", "path": 'members[value eq "a"]'},
        {"op": "add", "path": "members", "value": [{"value": "b"}]},
    )
    assert [c.kind for c in result.member_changes] == ["remove", "add"]


def test_other_member_filters_are_invalid_filter() -> None:
    """Only value eq (or-joined) may filter members, and only for remove."""
    for op in (
        {"op": "remove", "path": 'members[display eq "x"]'},
        {"op": "add", "path": 'members[value eq "x"]', "value": [{"value": "x"}]},
    ):
        with scim_error("invalidFilter") as detail:
            patch(GROUP_TYPE, GROUP, op)
        assert 'members[value eq "<id>"]' in detail()


def test_member_sub_attribute_paths_are_invalid_path() -> None:
    """members.value is not a patchable target."""
    with scim_error("invalidPath"):
        patch(GROUP_TYPE, GROUP, {"op": "replace", "path": "members.value", "value": "x"})


def test_member_values_must_be_non_empty_strings() -> None:
    """A member without a string value is invalidValue naming the member."""
    with scim_error("invalidValue") as detail:
        patch(GROUP_TYPE, GROUP, {"op": "add", "path": "members", "value": [{"value": ""}]})
    assert detail().startswith("members[0].value")
