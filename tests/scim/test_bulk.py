"""The pure BulkRequest rules (RFC 7644 §3.7): parsing, bulkId references, the response."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models.exceptions import SCIMException

from scimdir.scim.bulk import (
    BULK_REQUEST_SCHEMA,
    BulkOperation,
    InvalidOperation,
    OperationResult,
    bulk_response,
    check_payload_size,
    parse_bulk_request,
    references,
    resolve,
)
from scimdir.scim.errors import not_found


def request(*ops: Any, **extra: Any) -> dict[str, Any]:
    return {"schemas": [BULK_REQUEST_SCHEMA], "Operations": list(ops), **extra}


def test_attribute_names_of_the_request_are_case_insensitive() -> None:
    """``operations``, ``FAILONERRORS``, ``Method`` and ``BULKID`` are read (RFC 7643 §2.1)."""
    body = {
        "SCHEMAS": [BULK_REQUEST_SCHEMA],
        "operations": [{"Method": "POST", "PATH": "/Users", "BULKID": "q", "Data": {}}],
        "FAILONERRORS": 3,
    }
    parsed = parse_bulk_request(body, max_operations=10)
    assert parsed.fail_on_errors == 3
    (op,) = parsed.operations
    assert isinstance(op, BulkOperation)
    assert (op.method, op.resource_type, op.bulk_id, op.resource_id) == ("POST", "User", "q", None)


def test_more_operations_than_published_is_413_naming_the_limit() -> None:
    """RFC 7644 §3.7.4: 413 whose detail names maxOperations."""
    ops = [{"method": "DELETE", "path": f"/Users/{i}"} for i in range(4)]
    with pytest.raises(SCIMException) as caught:
        parse_bulk_request(request(*ops), max_operations=3)
    assert caught.value.status == 413
    assert "maxOperations (3)" in (caught.value.detail or "")


def test_a_payload_over_the_limit_is_413_and_one_at_it_passes() -> None:
    """The size check refuses only what is strictly larger than maxPayloadSize."""
    check_payload_size(1000, 1000)
    with pytest.raises(SCIMException) as caught:
        check_payload_size(1001, 1000)
    assert caught.value.status == 413 and "maxPayloadSize (1000)" in (caught.value.detail or "")


def test_a_malformed_operation_becomes_an_invalid_operation_not_an_exception() -> None:
    """One bad operation does not sink the request: it is returned with its error."""
    parsed = parse_bulk_request(
        request({"method": "FETCH", "path": "/Users", "bulkId": "x"}, {"method": "DELETE",
                 "path": "/Groups/g"}),
        max_operations=10,
    )  # fmt: skip
    bad, good = parsed.operations
    assert isinstance(bad, InvalidOperation) and bad.error.status == 400
    assert (bad.method, bad.bulk_id) == ("FETCH", "x")
    assert isinstance(good, BulkOperation) and good.resource_id == "g"


def test_references_are_found_in_paths_member_values_and_patch_values() -> None:
    """bulkId references: the path id, members[].value, a PATCH op value string or list."""
    parsed = parse_bulk_request(
        request(
            {
                "method": "PATCH",
                "path": "/Groups/bulkId:g",
                "data": {
                    "Operations": [
                        {"op": "add", "path": "members", "value": [{"value": "bulkId:u1"}]},
                        {"op": "replace", "path": "manager", "value": "bulkId:u2"},
                    ]
                },
            }
        ),
        max_operations=10,
    )
    (op,) = parsed.operations
    assert isinstance(op, BulkOperation)
    assert op.refs == {"g", "u1", "u2"}


def test_only_value_strings_are_references() -> None:
    """A displayName that happens to start with ``bulkId:`` is data, not a reference."""
    data = {"displayName": "bulkId:notme", "members": [{"value": "bulkId:me", "display": "x"}]}
    assert references(data) == ["me"]


def test_a_bare_string_manager_is_a_reference() -> None:
    """Entra's bare-string manager, in a resource and as a path-less PATCH key, is resolved."""
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    data = {
        enterprise: {"manager": "bulkId:boss"},
        "Operations": [{"op": "add", "value": {f"{enterprise}:manager": "bulkId:boss2"}}],
    }
    assert sorted(references(data)) == ["boss", "boss2"]
    out = resolve(data, {"boss": "1", "boss2": "2"})
    assert out[enterprise] == {"manager": "1"}
    assert out["Operations"][0]["value"] == {f"{enterprise}:manager": "2"}


def test_resolve_replaces_known_references_and_leaves_the_input_unchanged() -> None:
    """resolve returns a copy with ids in place of known references."""
    data = {"members": [{"value": "bulkId:a"}, {"value": "bulkId:b"}], "displayName": "G"}
    out = resolve(data, {"a": "id-a"})
    assert out == {"members": [{"value": "id-a"}, {"value": "bulkId:b"}], "displayName": "G"}
    assert data["members"][0]["value"] == "bulkId:a"


def test_resolve_and_references_survive_deep_nesting() -> None:
    """A body nested thousands deep is walked without recursion."""
    deep: Any = {"value": "bulkId:z"}
    for _ in range(5000):
        deep = {"x": [deep]}
    assert references(deep) == ["z"]
    out = resolve(deep, {"z": "id"})
    for _ in range(5000):
        out = out["x"][0]
    assert out == {"value": "id"}


def test_the_response_lists_results_in_request_order_with_string_statuses() -> None:
    """BulkResponse: request order, status as a string, ``response`` only for a failure."""
    results = [
        OperationResult(1, "DELETE", None, 404, "https://x/Users/9", error=not_found("no")),
        OperationResult(0, "POST", "q", 201, "https://x/Users/1", 'W/"1"'),
    ]
    assert bulk_response(results) == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
        "Operations": [
            {
                "location": "https://x/Users/1",
                "method": "POST",
                "bulkId": "q",
                "version": 'W/"1"',
                "status": "201",
            },
            {
                "location": "https://x/Users/9",
                "method": "DELETE",
                "status": "404",
                "response": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "404",
                    "detail": "no",
                },
            },
        ],
    }
