"""Bulk requests (RFC 7644 §3.7): parse and check a BulkRequest, find and resolve ``bulkId``
references, and render the BulkResponse. Pure: no HTTP, no storage.

- :func:`parse_bulk_request` checks the envelope (the BulkRequest schema, ``Operations``,
  ``failOnErrors``) and refuses more operations than published with 413 (§3.7.4); each
  operation is checked on its own, so one malformed operation becomes an error for that
  operation (§3.7.3: the others still run), never for the whole request.
- A ``bulkId`` reference (§3.7.2) is a string ``"bulkId:<id>"`` that stands for the id of the
  resource a POST of the same request creates. scimdir reads one in an operation's path
  (``/Groups/bulkId:qwerty``) and in any ``value`` of its data: a group's ``members[].value``,
  the enterprise ``manager.value`` (or Entra's bare-string ``manager``), a PATCH operation's
  ``value`` and the ``value`` members inside it. References inside PATCH filter paths
  (``members[value eq "bulkId:x"]``) are not resolved: they stay literal, so they match nothing.
- :func:`bulk_response` renders the per-operation results in request order: ``location``,
  ``method``, ``bulkId``, ``version``, ``status`` as a string, and ``response`` (the SCIM error)
  for a failed one (§3.7.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scimdir.scim.errors import (
    SCIMException,
    error_body,
    invalid_syntax,
    invalid_value,
    method_not_allowed,
    payload_too_large,
    shorten,
)

__all__ = [
    "BULK_ID_PREFIX",
    "BULK_REQUEST_SCHEMA",
    "BULK_RESPONSE_SCHEMA",
    "METHODS",
    "BulkOperation",
    "BulkRequest",
    "InvalidOperation",
    "OperationResult",
    "bulk_response",
    "check_payload_size",
    "parse_bulk_request",
    "references",
    "resolve",
]

BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
BULK_ID_PREFIX = "bulkId:"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
"""The methods of a bulk operation (RFC 7644 §3.7: ``method``)."""

_ENDPOINTS = {"Users": "User", "Groups": "Group"}


@dataclass(frozen=True)
class BulkOperation:
    """One well-formed operation of a BulkRequest.

    ``resource_id`` is the id in the path (None for a POST), possibly a ``bulkId:`` reference;
    ``refs`` are the bulkIds it references (path and data), resolved before it runs.
    """

    index: int
    method: str
    resource_type: str
    endpoint: str
    resource_id: str | None
    bulk_id: str | None
    version: str | None
    data: Any
    refs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class InvalidOperation:
    """An operation that cannot run; its ``error`` is its result (RFC 7644 §3.7.3)."""

    index: int
    method: str | None
    bulk_id: str | None
    error: SCIMException


@dataclass(frozen=True)
class BulkRequest:
    """A checked BulkRequest: its operations in request order and ``failOnErrors``."""

    operations: tuple[BulkOperation | InvalidOperation, ...]
    fail_on_errors: int | None


@dataclass
class OperationResult:
    """What one operation did, for the BulkResponse (RFC 7644 §3.7.3)."""

    index: int
    method: str | None
    bulk_id: str | None
    status: int
    location: str | None = None
    version: str | None = None
    error: SCIMException | None = None
    response: dict[str, Any] | None = field(default=None)


def _field(obj: Mapping[Any, Any], name: str) -> Any:
    """An attribute by name, case-insensitively (RFC 7643 §2.1)."""
    wanted = name.lower()
    return next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == wanted), None)


def check_payload_size(size: int, max_payload_bytes: int) -> None:
    """Refuse a bulk body larger than the published ``maxPayloadSize``.

    :raises SCIMException: 413 whose detail names the limit, as RFC 7644 §3.7.4 requires.
    """
    if size > max_payload_bytes:
        raise payload_too_large(
            f"The size of the bulk operation exceeds the maxPayloadSize ({max_payload_bytes}); "
            "split it into several bulk requests."
        )


def parse_bulk_request(body: Any, *, max_operations: int) -> BulkRequest:
    """Check a BulkRequest (RFC 7644 §3.7) and its operations.

    :raises SCIMException: 400 ``invalidSyntax`` for a body that is not a BulkRequest, 400
        ``invalidValue`` for a bad ``failOnErrors``, 413 for more operations than
        ``max_operations`` (§3.7.4: the detail names the limit).
    """
    if not isinstance(body, dict):
        raise invalid_syntax(
            f"A bulk request is a JSON object with schemas [{BULK_REQUEST_SCHEMA!r}] and "
            "Operations (RFC 7644 §3.7)."
        )
    schemas = _field(body, "schemas")
    if not isinstance(schemas, list) or BULK_REQUEST_SCHEMA not in schemas:
        raise invalid_syntax(f"A bulk request must list {BULK_REQUEST_SCHEMA} in schemas.")
    operations = _field(body, "Operations")
    if not isinstance(operations, list):
        raise invalid_syntax("A bulk request must carry Operations, a list of operations.")
    if len(operations) > max_operations:
        raise payload_too_large(
            f"The number of operations ({len(operations)}) exceeds the maxOperations "
            f"({max_operations}); split them into several bulk requests."
        )
    fail_on_errors = _fail_on_errors(_field(body, "failOnErrors"))
    parsed: list[BulkOperation | InvalidOperation] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(operations):
        try:
            op = _operation(index, raw)
        except SCIMException as exc:
            parsed.append(_invalid(index, raw, exc))
            continue
        if op.bulk_id is not None and op.method == "POST":
            first = seen.setdefault(op.bulk_id, index)
            if first != index:
                duplicate = invalid_value(
                    f"Operations[{index}]: bulkId {shorten(op.bulk_id)} is already used by "
                    f"Operations[{first}]; each POST needs its own bulkId (RFC 7644 §3.7)."
                )
                parsed.append(InvalidOperation(index, op.method, op.bulk_id, duplicate))
                continue
        parsed.append(op)
    return BulkRequest(tuple(parsed), fail_on_errors)


def _fail_on_errors(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid_value(
            f"failOnErrors must be a positive integer (the number of errors after which the "
            f"rest of the request is not run), not {shorten(value)}; leave it out to run every "
            "operation (RFC 7644 §3.7.3)."
        )
    return value


def _invalid(index: int, raw: Any, exc: SCIMException) -> InvalidOperation:
    method = bulk_id = None
    if isinstance(raw, dict):
        m, b = _field(raw, "method"), _field(raw, "bulkId")
        method = m if isinstance(m, str) else None
        bulk_id = b if isinstance(b, str) else None
    return InvalidOperation(index, method, bulk_id, exc)


def _operation(index: int, raw: Any) -> BulkOperation:
    where = f"Operations[{index}]"
    if not isinstance(raw, dict):
        raise invalid_syntax(f"{where} must be an object with method, path and data.")
    method = _field(raw, "method")
    if not isinstance(method, str):
        raise invalid_syntax(f"{where} needs a method: one of {', '.join(METHODS)}.")
    if method not in METHODS:
        raise invalid_value(
            f"{where}: method {shorten(method)} is not a bulk method; use one of "
            f"{', '.join(METHODS)} (RFC 7644 §3.7)."
        )
    resource_type, endpoint, resource_id = _path(where, method, _field(raw, "path"))
    bulk_id = _field(raw, "bulkId")
    if bulk_id is not None and (not isinstance(bulk_id, str) or not bulk_id):
        raise invalid_syntax(f"{where}: bulkId must be a non-empty string.")
    if method == "POST" and bulk_id is None:
        raise invalid_syntax(
            f"{where}: a POST needs a bulkId, the client's name for the resource it creates "
            "(RFC 7644 §3.7)."
        )
    version = _field(raw, "version")
    if version is not None and not isinstance(version, str):
        raise invalid_syntax(f'{where}: version must be a string (an ETag such as W/"3").')
    data = _field(raw, "data")
    if method != "DELETE" and not isinstance(data, dict):
        raise invalid_syntax(f"{where}: a {method} needs data, a JSON object (RFC 7644 §3.7).")
    refs = set(references(data))
    if resource_id is not None and resource_id.startswith(BULK_ID_PREFIX):
        refs.add(resource_id[len(BULK_ID_PREFIX) :])
    if method == "POST" and bulk_id in refs:
        raise invalid_value(
            f"{where} references its own bulkId {shorten(bulk_id)}: the resource does not exist "
            "before it is created."
        )
    return BulkOperation(
        index=index,
        method=method,
        resource_type=resource_type,
        endpoint=endpoint,
        resource_id=resource_id,
        bulk_id=bulk_id,
        version=version,
        data=data if method != "DELETE" else None,
        refs=frozenset(refs),
    )


def _path(where: str, method: str, path: Any) -> tuple[str, str, str | None]:
    """(resource type, endpoint, id or None) of an operation's path: ``/Users``, ``/Groups``,
    ``/Users/{id}`` or ``/Groups/{id}``."""
    forms = "/Users, /Groups, /Users/{id} or /Groups/{id}"
    if not isinstance(path, str):
        raise invalid_syntax(f"{where} needs a path: {forms}.")
    parts = path.strip().split("/")
    if len(parts) not in (2, 3) or parts[0] != "" or parts[1] not in _ENDPOINTS:
        raise invalid_value(f"{where}: path {shorten(path)} is not one of {forms}.")
    endpoint = "/" + parts[1]
    resource_id = parts[2] if len(parts) == 3 else None
    if resource_id == "":
        raise invalid_value(f"{where}: path {shorten(path)} has an empty id.")
    if method == "POST" and resource_id is not None:
        raise method_not_allowed(
            f"{where}: POST creates a resource at {endpoint}; to change {shorten(path)} use "
            "PUT or PATCH."
        )
    if method != "POST" and resource_id is None:
        raise method_not_allowed(
            f"{where}: {method} needs the resource's id in the path ({endpoint}/{{id}})."
        )
    return _ENDPOINTS[parts[1]], endpoint, resource_id


def _holds_reference(key: Any) -> bool:
    """Whether a string under ``key`` may be a reference: a ``value``, or a bare-string
    ``manager`` (Entra's form, :func:`scimdir.scim.quirks.bare_string_manager`, also as the
    ``urn:...:User:manager`` key of a path-less PATCH value)."""
    if not isinstance(key, str):
        return False
    name = key.lower()
    return name in ("value", "manager") or name.endswith(":manager")


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(BULK_ID_PREFIX)


def references(data: Any) -> list[str]:
    """The bulkIds that the ``value`` (and bare ``manager``) strings of ``data`` reference
    (iteratively: a deeply nested body must not exhaust the stack)."""
    found: list[str] = []
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, in_value = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                stack.append((item, _holds_reference(key)))
        elif isinstance(node, list):
            stack.extend((item, in_value) for item in node)
        elif in_value and _is_reference(node):
            found.append(node[len(BULK_ID_PREFIX) :])
    return found


def resolve(data: Any, ids: Mapping[str, str]) -> Any:
    """A copy of ``data`` with every ``bulkId:`` reference of a ``value`` replaced by the id in
    ``ids``; a reference missing from ``ids`` is left as it is (the caller checks
    :func:`references` first). Iterative, as :func:`references`."""
    root: list[Any] = [data]
    stack: list[tuple[Any, Any, bool]] = [(root, 0, False)]
    while stack:
        container, key, in_value = stack.pop()
        node = container[key]
        if isinstance(node, dict):
            copied = dict(node)
            container[key] = copied
            for name in copied:
                stack.append((copied, name, _holds_reference(name)))
        elif isinstance(node, list):
            items = list(node)
            container[key] = items
            stack.extend((items, i, in_value) for i in range(len(items)))
        elif in_value and _is_reference(node):
            container[key] = ids.get(node[len(BULK_ID_PREFIX) :], node)
    return root[0]


def bulk_response(results: list[OperationResult]) -> dict[str, Any]:
    """The BulkResponse (RFC 7644 §3.7.3) of the operations that ran, in request order."""
    operations: list[dict[str, Any]] = []
    for result in sorted(results, key=lambda r: r.index):
        item: dict[str, Any] = {}
        if result.location is not None:
            item["location"] = result.location
        if result.method is not None:
            item["method"] = result.method
        if result.bulk_id is not None:
            item["bulkId"] = result.bulk_id
        if result.version is not None:
            item["version"] = result.version
        item["status"] = str(result.status)
        if result.error is not None:
            item["response"] = error_body(result.error)
        elif result.response is not None:
            item["response"] = result.response
        operations.append(item)
    return {"schemas": [BULK_RESPONSE_SCHEMA], "Operations": operations}
