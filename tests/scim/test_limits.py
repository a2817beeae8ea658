"""Request size limits are checked on the raw JSON, before the dialect or the parser runs."""

from __future__ import annotations

from typing import Any

import pytest

from scimdir.scim.limits import InputLimits, check_patch_size, check_resource_size
from scimdir.scim.patch import apply_patch, parse_patch_request
from scimdir.scim.schema import USER_TYPE

from .helpers import ENT, body, refused

SMALL = InputLimits(max_operations=3, max_values_per_attribute=4, max_members_per_request=5)


def _members(n: int) -> list[dict[str, str]]:
    return [{"value": f"m{i}"} for i in range(n)]


def test_operation_count_is_checked_before_any_operation_is_read() -> None:
    """Four operations over a limit of three are refused even when the first is malformed."""
    message = body(*({"op": "bogus", "path": "[[["} for _ in range(4)))
    with refused("invalidValue", "at most 3 operations, not 4"):
        check_patch_size(message, SMALL)


def test_a_value_array_above_the_limit_is_refused_naming_the_limit() -> None:
    """Five e-mails in one operation over a limit of four: 400 naming the operation and limit."""
    emails = [{"value": f"e{i}@x.test"} for i in range(5)]
    with refused("invalidValue", "Operations[0].value carries 5 values; scimdir accepts at most 4"):
        check_patch_size(body({"op": "add", "path": "emails", "value": emails}), SMALL)
    with refused("invalidValue", "at most 4 values"):
        check_patch_size(body({"op": "add", "value": {"emails": emails}}), SMALL)
    with refused("invalidValue", "at most 4 values"):
        check_resource_size({"userName": "u", ENT: {"x": [1] * 5}}, SMALL)


def test_members_are_counted_across_operations_before_the_entra_expansion() -> None:
    """Members of every operation are summed, Entra's value-array removal included."""
    adds = {"op": "Add", "path": "members", "value": _members(3)}
    removes = {"op": "Remove", "path": "members", "value": _members(3)}
    with refused("invalidValue", "names 6 members; scimdir accepts at most 5"):
        check_patch_size(body(adds, removes), SMALL)
    pathless = {"op": "replace", "value": {"members": _members(6)}}
    with refused("invalidValue", "at most 5 members"):
        check_patch_size(body(pathless), SMALL)
    with refused("invalidValue", "at most 5 members"):
        check_resource_size({"displayName": "g", "members": _members(6)}, SMALL)


def test_members_may_exceed_the_per_attribute_limit() -> None:
    """Five members are within the members limit even though they exceed four values."""
    check_patch_size(body({"op": "add", "path": "members", "value": _members(5)}), SMALL)
    check_resource_size({"displayName": "g", "members": _members(5)}, SMALL)


@pytest.mark.parametrize("message", [None, [], "x", {"Operations": "x"}, {"Operations": [1]}])
def test_malformed_messages_are_left_to_the_parser(message: Any) -> None:
    """The size check never raises on a malformed message: parsing refuses it precisely."""
    check_patch_size(message, SMALL)
    check_resource_size(message, SMALL)


def test_a_deeply_nested_value_does_not_exhaust_the_stack() -> None:
    """A value nested 10,000 levels deep is measured without recursion."""
    value: Any = []
    for _ in range(10_000):
        value = [value]
    check_patch_size(body({"op": "add", "path": "emails", "value": value}), SMALL)


def test_a_patch_may_not_grow_an_attribute_past_the_limit() -> None:
    """Adding values to a full attribute is refused; an already larger one may shrink."""
    doc = {"userName": "u", "emails": [{"value": f"e{i}@x.test"} for i in range(4)]}
    add = parse_patch_request(body({"op": "add", "path": "emails", "value": {"value": "n@x.t"}}))
    with refused("invalidValue", "emails would hold 5 values; scimdir keeps at most 4"):
        apply_patch(USER_TYPE, doc, add, SMALL)
    big = {"userName": "u", "emails": [*doc["emails"], {"value": "5@x.test"}]}
    shrink = parse_patch_request(body({"op": "remove", "path": 'emails[value eq "5@x.test"]'}))
    assert len(apply_patch(USER_TYPE, big, shrink, SMALL).document["emails"]) == 4
