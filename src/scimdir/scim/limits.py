"""The published limits on what one request may carry, checked on the raw JSON before parsing.

A request is measured before anything expensive runs on it: before the IdP dialect rewrites it
(Entra's value-array member removal becomes one operation per member), before the PATCH paths
and filters are parsed, and before the write transaction starts. Each check walks the JSON once,
so an oversized request costs one linear scan and a 400 ``invalidValue`` that names the limit.

The limits are published in docs/performance.md ("Published limits") and the README; the
settings that change them are ``SCIMDIR_MAX_OPERATIONS``, ``SCIMDIR_MAX_VALUES_PER_ATTRIBUTE``
and ``SCIMDIR_MAX_MEMBERS_PER_REQUEST`` (filters: :mod:`scimdir.scim.filterlimits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scimdir.scim.errors import invalid_value, shorten

__all__ = ["InputLimits", "check_patch_size", "check_resource_size"]

_MEMBERS_PATH = re.compile(r"\s*(urn:ietf:params:scim:schemas:core:2\.0:group:)?members\b", re.I)


@dataclass(frozen=True)
class InputLimits:
    """What one request may carry (RFC 7644 leaves these to the service provider).

    ``max_values_per_attribute`` bounds every JSON array of a body except ``members`` (a user's
    ``emails``, ``phoneNumbers``...), in the request and in the stored result of a PATCH ``add``;
    ``max_members_per_request`` bounds the members one POST, PUT or PATCH names in total.
    ``max_filter_multi_valued`` bounds the tests of multi-valued attributes in one filter
    (``emails.value eq``, ``members[...]``, ``groups.value eq``): each is a subquery, and
    PostgreSQL's planner needs seconds for a few dozen of them joined by ``and``.
    """

    max_operations: int = 1000
    max_values_per_attribute: int = 1000
    max_members_per_request: int = 20_000
    max_filter_length: int = 10_000
    max_filter_terms: int = 200
    max_filter_depth: int = 16
    max_filter_multi_valued: int = 10


def _field(obj: dict[Any, Any], name: str) -> Any:
    return next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == name), None)


def _too_many_values(where: str, count: int, limits: InputLimits) -> Exception:
    return invalid_value(
        f"{where} carries {count} values; scimdir accepts at most "
        f"{limits.max_values_per_attribute} values per multi-valued attribute (a published "
        "limit). Send fewer values."
    )


def _check_arrays(value: Any, where: str, limits: InputLimits) -> None:
    """Refuse any array inside ``value`` longer than ``max_values_per_attribute`` (iteratively:
    a deeply nested body must not exhaust the Python stack)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if len(item) > limits.max_values_per_attribute:
                raise _too_many_values(where, len(item), limits)
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def _member_count(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    return 0 if value is None else 1


def _check_members(count: int, limits: InputLimits) -> None:
    if count > limits.max_members_per_request:
        raise invalid_value(
            f"The request names {count} members; scimdir accepts at most "
            f"{limits.max_members_per_request} members per request (a published limit). "
            "Split the membership change into several PATCH requests."
        )


def check_resource_size(body: Any, limits: InputLimits) -> None:
    """Check a POST or PUT body: ``members`` and every other array against their limits.

    Anything that is not a JSON object is left to :func:`scimdir.scim.resource.parse_resource`.

    :raises scim2_models.exceptions.SCIMException: 400 ``invalidValue`` naming the limit.
    """
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if isinstance(key, str) and key.lower() == "members":
            _check_members(_member_count(value), limits)
        else:
            _check_arrays(value, shorten(key), limits)


def check_patch_size(body: Any, limits: InputLimits) -> None:
    """Check a PatchOp body before the dialect expands it and before any path is parsed: the
    number of operations, the members named in total, and every value array.

    Anything malformed is left to :func:`scimdir.scim.patch.parse_patch_request`.

    :raises scim2_models.exceptions.SCIMException: 400 ``invalidValue`` naming the limit.
    :rfc: 7644 §3.5.2
    """
    if not isinstance(body, dict):
        return
    operations = _field(body, "operations")
    if not isinstance(operations, list):
        return
    if len(operations) > limits.max_operations:
        raise invalid_value(
            f"A PATCH carries at most {limits.max_operations} operations, not "
            f"{len(operations)}; split it."
        )
    members = 0
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            continue
        where = f"Operations[{index}].value"
        path, value = _field(operation, "path"), _field(operation, "value")
        if isinstance(path, str) and _MEMBERS_PATH.match(path):
            members += _member_count(value)
        elif path is None and isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key.lower() == "members":
                    members += _member_count(item)
                else:
                    _check_arrays(item, f"{where} {shorten(key)}", limits)
        else:
            _check_arrays(value, where, limits)
        _check_members(members, limits)
