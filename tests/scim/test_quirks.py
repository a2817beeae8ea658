"""Each IdP quirk: it fires on what the IdP sends, produces the RFC form, and leaves the rest."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scimdir.scim import lenient, patchpath, quirks, quirkvalues
from scimdir.scim.extensions import directory_schema
from scimdir.scim.quirks import (
    CORE_BEHAVIOURS,
    MICROSOFT_GROUP_URN,
    QUIRKS,
    TYPO_ENTERPRISE_URN,
    QuirkFn,
)
from scimdir.scim.schema import GROUP_SCHEMA, GROUP_TYPE, USER_SCHEMA, USER_TYPE

from .helpers import ENT, body


def test_every_quirk_has_a_unique_name_summary_and_https_source() -> None:
    """Quirks are named once, summarised, and cite where the behaviour is documented."""
    every = QUIRKS + CORE_BEHAVIOURS
    assert len({q.name for q in every}) == len(every)
    assert all(q.summary and q.source.startswith("https://") for q in every)
    assert all(
        q.name.split(".")[0] in ("entra", "okta", "onelogin", "authentik", "lenient") for q in every
    )


def test_rewriting_quirks_have_a_function_and_core_behaviours_none() -> None:
    """QUIRKS rewrite something; CORE_BEHAVIOURS are handled by the core alone."""
    assert all(q.patch or q.resource or q.filter for q in QUIRKS)
    assert all(q.patch is None and q.resource is None and q.filter is None for q in CORE_BEHAVIOURS)


ALL_FUNCTIONS: list[QuirkFn] = [
    quirks.capitalised_op,
    quirks.string_booleans,
    quirks.bare_string_manager,
    quirks.member_remove_by_value,
    quirks.microsoft_group_urn,
    quirks.enterprise_urn_typo,
    quirks.unqualified_extension_path,
    lenient.patch_without_schemas,
    lenient.extension_object_schemas,
]


@pytest.mark.parametrize("fn", ALL_FUNCTIONS)
@pytest.mark.parametrize("payload", [None, [], "x", 3, {"Operations": "x"}, {"Operations": [1]}])
def test_quirks_leave_what_they_do_not_understand(fn: QuirkFn, payload: Any) -> None:
    """Non-object bodies and malformed operations pass through untouched, not fired."""
    assert fn(USER_TYPE, payload) == (payload, False)


def test_capitalised_op_lower_cases_known_ops() -> None:
    """ "Replace" becomes "replace"; unknown ops are left for the core to refuse."""
    message = body({"op": "Replace", "path": "active", "value": False}, {"op": "Copy"})
    new, fired = quirks.capitalised_op(USER_TYPE, message)
    assert fired is True
    assert new["Operations"] == [
        {"op": "replace", "path": "active", "value": False},
        {"op": "Copy"},
    ]


def test_capitalised_op_does_not_fire_on_lower_case() -> None:
    """An already lower-case message is returned as is."""
    message = body({"op": "add", "path": "title", "value": "x"})
    assert quirks.capitalised_op(USER_TYPE, message) == (message, False)


@pytest.mark.parametrize("text", ["False", "false", "FALSE"])
def test_string_booleans_in_a_path_op(text: str) -> None:
    """value "False" on path active becomes false, in any case."""
    new, fired = quirks.string_booleans(
        USER_TYPE, body({"op": "Replace", "path": "active", "value": text})
    )
    assert (fired, new["Operations"][0]["value"]) == (True, False)


def test_string_booleans_in_sub_attribute_filtered_and_pathless_values() -> None:
    """primary in emails values, emails[...].primary and path-less active are all converted."""
    message = body(
        {"op": "add", "path": "emails", "value": [{"value": "a@b", "primary": "True"}]},
        {"op": "replace", "path": 'emails[type eq "work"].primary', "value": "true"},
        {"op": "replace", "path": 'emails[type eq "work"]', "value": {"primary": "false"}},
        {"op": "replace", "value": {"active": "True", "title": "True"}},
    )
    new, fired = quirks.string_booleans(USER_TYPE, message)
    assert fired is True
    assert [op["value"] for op in new["Operations"]] == [
        [{"value": "a@b", "primary": True}],
        True,
        {"primary": False},
        {"active": True, "title": "True"},
    ]


def test_string_booleans_in_a_post_body() -> None:
    """A POST with "active": "True" gets a boolean; string attributes keep "True"."""
    post = {"schemas": [USER_SCHEMA], "userName": "u", "active": "True", "nickName": "True"}
    new, fired = quirks.string_booleans(USER_TYPE, post)
    assert (fired, new["active"], new["nickName"]) == (True, True, "True")


def test_string_booleans_leave_other_strings() -> None:
    """ "yes" is not a boolean spelling; the core will refuse it."""
    message = body({"op": "replace", "path": "active", "value": "yes"})
    assert quirks.string_booleans(USER_TYPE, message) == (message, False)


def test_bare_string_manager_in_patch_paths_and_pathless_values() -> None:
    """ "271" becomes {"value": "271"} under the URN path, in path-less keys and ext objects."""
    message = body(
        {"op": "Add", "path": f"{ENT}:manager", "value": "271"},
        {"op": "add", "value": {f"{ENT}:manager": "272"}},
        {"op": "add", "value": {ENT: {"manager": "273"}}},
    )
    new, fired = quirks.bare_string_manager(USER_TYPE, message)
    assert fired is True
    assert [op["value"] for op in new["Operations"]] == [
        {"value": "271"},
        {f"{ENT}:manager": {"value": "272"}},
        {ENT: {"manager": {"value": "273"}}},
    ]


def test_manager_as_a_one_element_array_is_unwrapped() -> None:
    """Entra's older [{"$ref", "value"}] manager write becomes the object."""
    ref = {"$ref": "https://x/Users/1", "value": "1"}
    message = body({"op": "Add", "path": f"{ENT}:manager", "value": [ref]})
    new, _ = quirks.bare_string_manager(USER_TYPE, message)
    assert new["Operations"][0]["value"] == ref


def test_bare_string_manager_in_a_post_body() -> None:
    """A POST with the enterprise manager as a string gets {"value": ...}."""
    post = {"schemas": [USER_SCHEMA, ENT], "userName": "u", ENT: {"manager": "m"}}
    new, fired = quirks.bare_string_manager(USER_TYPE, post)
    assert (fired, new[ENT]) == (True, {"manager": {"value": "m"}})


def test_member_remove_by_value_becomes_one_filtered_remove_per_member() -> None:
    """remove members [{value: a}, {value: b}] becomes members[value eq "a"], [... "b"]."""
    message = body({"op": "Remove", "path": "members", "value": [{"value": "a"}, {"value": 'b"c'}]})
    new, fired = quirks.member_remove_by_value(GROUP_TYPE, message)
    assert fired is True
    assert new["Operations"] == [
        {"op": "remove", "path": 'members[value eq "a"]'},
        {"op": "remove", "path": 'members[value eq "b\\"c"]'},
    ]


def test_member_remove_without_value_is_left_as_remove_all() -> None:
    """remove members without value keeps its RFC meaning."""
    message = body({"op": "remove", "path": "members"})
    assert quirks.member_remove_by_value(GROUP_TYPE, message) == (message, False)


def test_member_remove_with_malformed_values_is_left_for_the_core() -> None:
    """Values without a string id are not rewritten (the core refuses them)."""
    message = body({"op": "remove", "path": "members", "value": [{"value": 1}]})
    assert quirks.member_remove_by_value(GROUP_TYPE, message) == (message, False)


def test_microsoft_group_urn_is_dropped_from_schemas() -> None:
    """Entra's ADSCIM group URN disappears from schemas; the core URN stays."""
    post = {"schemas": [GROUP_SCHEMA, MICROSOFT_GROUP_URN], "displayName": "G"}
    new, fired = quirks.microsoft_group_urn(GROUP_TYPE, post)
    assert (fired, new) == (True, {"schemas": [GROUP_SCHEMA], "displayName": "G"})


def test_enterprise_urn_typo_is_fixed_in_schemas_keys_and_paths() -> None:
    """...:2.0User becomes ...:2.0:User in schemas, body keys and PATCH paths."""
    post = {"schemas": [USER_SCHEMA, TYPO_ENTERPRISE_URN], TYPO_ENTERPRISE_URN: {"department": "S"}}
    new, fired = quirks.enterprise_urn_typo(USER_TYPE, post)
    assert (fired, new) == (True, {"schemas": [USER_SCHEMA, ENT], ENT: {"department": "S"}})
    message = body(
        {"op": "add", "path": f"{TYPO_ENTERPRISE_URN}:department", "value": "S"},
        {"op": "add", "value": {f"{TYPO_ENTERPRISE_URN}:costCenter": "1"}},
    )
    new, fired = quirks.enterprise_urn_typo(USER_TYPE, message)
    assert fired is True
    assert new["Operations"] == [
        {"op": "add", "path": f"{ENT}:department", "value": "S"},
        {"op": "add", "value": {f"{ENT}:costCenter": "1"}},
    ]


def test_unqualified_extension_path_is_qualified() -> None:
    """path "manager" and manager[value eq "x"] get the enterprise URN; core names do not."""
    message = body(
        {"op": "Add", "path": "manager", "value": "1"},
        {"op": "remove", "path": 'manager[value eq "1"]'},
        {"op": "add", "path": "title", "value": "x"},
        {"op": "add", "value": {"department": "S", "title": "y"}},
    )
    new, fired = quirks.unqualified_extension_path(USER_TYPE, message)
    assert fired is True
    assert [(op.get("path"), op.get("value")) for op in new["Operations"]] == [
        (f"{ENT}:manager", "1"),
        (f'{ENT}:manager[value eq "1"]', None),
        ("title", "x"),
        (None, {f"{ENT}:department": "S", "title": "y"}),
    ]


@pytest.mark.parametrize("fn", ALL_FUNCTIONS)
def test_quirks_never_mutate_their_input(fn: QuirkFn) -> None:
    """Every quirk returns a new payload and leaves the one it was given unchanged."""
    message = body(
        {"op": "Remove", "path": "members", "value": [{"value": "a"}]},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "manager", "value": "1"},
        {"op": "add", "value": {f"{TYPO_ENTERPRISE_URN}:manager": "2"}},
    )
    before = copy.deepcopy(message)
    fn(GROUP_TYPE, message)
    fn(USER_TYPE, message)
    assert message == before


def test_keys_that_name_no_attribute_are_remembered_per_resource_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A body key that resolves to no attribute (``schemas``) is looked up once, not parsed
    again for every body; what failed for one directory's type still resolves for another
    whose declared extension has it (the memory is keyed by the type's variant)."""
    flag = "urn:ietf:params:scim:schemas:extension:acme:2.0:User:flag"
    declared = directory_schema(
        [{"urn": flag.rsplit(":", 1)[0], "attributes": [{"name": "flag", "type": "boolean"}]}]
    ).user_type
    calls: list[str] = []
    real = patchpath.resolve_path

    def counting(rt: Any, text: str) -> Any:
        calls.append(text)
        return real(rt, text)

    monkeypatch.setattr("scimdir.scim.quirkvalues.resolve_path", counting)
    monkeypatch.setattr("scimdir.scim.quirkvalues._UNRESOLVED", set())  # what others left
    sent = {"schemas": [USER_SCHEMA], "active": "True", flag: "False"}
    first, _ = quirkvalues.fix_string_booleans(USER_TYPE, sent)
    again, _ = quirkvalues.fix_string_booleans(USER_TYPE, sent)
    assert first == again == {"schemas": [USER_SCHEMA], "active": True, flag: "False"}
    assert calls.count("schemas") == 1 and calls.count(flag) == 1
    fixed, _ = quirkvalues.fix_string_booleans(declared, sent)
    assert fixed[flag] is False  # resolved against the type that declares it
