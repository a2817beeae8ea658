"""The OpenAPI 3.1 description of the SCIM surface, served at ``/scim/openapi.json``.

It describes what :mod:`scimdir.web.scim_api` serves under ``/scim/{tenantId}/v2``: Users and
Groups (RFC 7644 §3.3-§3.6), ``.search`` per type and at the root (§3.4.3), ``/Bulk`` (§3.7),
the discovery endpoints (§4) and the error shape (§3.12) with every status scimdir answers.
Resource schemas come from the same attribute table as ``/Schemas``
(:mod:`scimdir.web.openapi_schemas`).

The description itself needs no credentials (it holds nothing of any directory); the SCIM
endpoints it describes take the directory's secret as a bearer token or HTTP Basic password.
tests/conformance/test_openapi.py runs schemathesis against it on every test run.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scimdir.scim.filter import SORTABLE_KEYS
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE, ResourceType
from scimdir.web.openapi_bulk import bulk_request_schema, bulk_response_schema
from scimdir.web.openapi_schemas import (
    attribute_list_pattern,
    error_schema,
    list_schema,
    patch_schema,
    request_schema,
    resource_schema,
    search_schema,
)

__all__ = ["OPENAPI_PATH", "openapi_document", "openapi_route"]

OPENAPI_PATH = "/scim/openapi.json"
SCIM_JSON = "application/scim+json"
_REF = "#/components/schemas/"
_ERRORS = {
    "400": "Bad request: a SCIM error whose scimType and detail name the cause and the fix.",
    "401": "Missing or wrong credentials.",
    "404": "No such resource in this directory.",
    "409": "Uniqueness conflict (userName, group displayName), or a concurrent change.",
    "412": "If-Match names another version (RFC 7644 §3.14).",
    "413": "The body is larger than the published limit.",
}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {SCIM_JSON: {"schema": schema}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    """A request body: SCIM JSON, or plain JSON (RFC 7644 §3.8 lets clients send either)."""
    return {
        "required": True,
        "content": {SCIM_JSON: {"schema": schema}, "application/json": {"schema": schema}},
    }


def _ok(description: str, schema: dict[str, Any], *, etag: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": _content(schema)}
    if etag:
        out["headers"] = {"ETag": {"$ref": "#/components/headers/ETag"}}
    return out


def _responses(ok: dict[str, Any], *errors: str) -> dict[str, Any]:
    out = dict(ok)
    for status in ("400", "401", *errors):
        out[status] = {"$ref": f"#/components/responses/{status}"}
    return out


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _projection(rt: ResourceType) -> list[dict[str, Any]]:
    names = {"type": "string", "pattern": attribute_list_pattern([rt])}
    return [
        _query("attributes", "Comma-separated attributes to return (RFC 7644 §3.4.2.5).", names),
        _query("excludedAttributes", "Comma-separated attributes to leave out.", names),
    ]


def _list(rt: ResourceType) -> list[dict[str, Any]]:
    return [
        _query("filter", 'RFC 7644 §3.4.2.2 filter, e.g. userName eq "ann@example.com".'),
        _query("startIndex", "1-based index of the first result (§3.4.2.4).", {"type": "integer"}),
        _query("count", "Page size, at most the published maximum.", {"type": "integer"}),
        _query("sortBy", "Attribute to sort by (§3.4.2.3).", {"enum": list(SORTABLE_KEYS)}),
        _query("sortOrder", "ascending or descending.", {"enum": ["ascending", "descending"]}),
        *_projection(rt),
    ]


_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The id scimdir assigned to the resource.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._~-]{0,99}$"},
}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "Apply only if the resource has this ETag (RFC 7644 §3.14).",
    "schema": {"type": "string"},
}
_IF_NONE_MATCH = {**_IF_MATCH, "name": "If-None-Match", "description": "304 if unchanged."}


def _collection(rt: ResourceType) -> dict[str, Any]:
    ref = {"$ref": _REF + rt.name}
    create = {"$ref": f"{_REF}{rt.name}Request"}
    listed = {"$ref": f"{_REF}{rt.name}List"}
    return {
        "get": {
            "operationId": f"list{rt.name}s",
            "summary": f"List or filter {rt.name}s (RFC 7644 §3.4.2)",
            "parameters": _list(rt),
            "responses": _responses({"200": _ok("A page of results.", listed)}),
        },
        "post": {
            "operationId": f"create{rt.name}",
            "summary": f"Create a {rt.name} (RFC 7644 §3.3)",
            "requestBody": _body(create),
            "responses": _responses(
                {
                    "201": {
                        **_ok("Created.", ref, etag=True),
                        "headers": {
                            "ETag": {"$ref": "#/components/headers/ETag"},
                            "Location": {"schema": {"type": "string"}},
                        },
                    }
                },
                "409",
                "413",
            ),
        },
    }


def _search(operation_id: str, summary: str, prefix: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "requestBody": _body({"$ref": f"{_REF}{prefix}SearchRequest"}),
            "responses": _responses(
                {"200": _ok("A page of results.", {"$ref": f"{_REF}{prefix}List"})}, "413"
            ),
        }
    }


def _item(rt: ResourceType) -> dict[str, Any]:
    ref = {"$ref": _REF + rt.name}
    replace = {"$ref": f"{_REF}{rt.name}Request"}
    found = _ok(f"The {rt.name}.", ref, etag=True)
    patched: dict[str, Any] = {"200": found}
    if rt is GROUP_TYPE:
        patched["204"] = {
            "description": "Applied (a group PATCH without attributes answers no body).",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
        }
    return {
        "parameters": [_ID],
        "get": {
            "operationId": f"get{rt.name}",
            "summary": f"Read a {rt.name} (RFC 7644 §3.4.1)",
            "parameters": [*_projection(rt), _IF_NONE_MATCH],
            "responses": _responses(
                {"200": found, "304": {"description": "Not modified since If-None-Match."}}, "404"
            ),
        },
        "put": {
            "operationId": f"replace{rt.name}",
            "summary": f"Replace a {rt.name} (RFC 7644 §3.5.1)",
            "parameters": [_IF_MATCH],
            "requestBody": _body(replace),
            "responses": _responses({"200": found}, "404", "409", "412", "413"),
        },
        "patch": {
            "operationId": f"patch{rt.name}",
            "summary": f"Modify a {rt.name} (RFC 7644 §3.5.2)",
            "parameters": [*_projection(rt), _IF_MATCH],
            "requestBody": _body({"$ref": _REF + "PatchOp"}),
            "responses": _responses(patched, "404", "409", "412", "413"),
        },
        "delete": {
            "operationId": f"delete{rt.name}",
            "summary": f"Delete a {rt.name} (RFC 7644 §3.6)",
            "parameters": [_IF_MATCH],
            "responses": _responses({"204": {"description": "Deleted."}}, "404", "412"),
        },
    }


def _discovery(operation_id: str, summary: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "responses": _responses({"200": _ok(summary, schema)}, "404"),
        }
    }


def _by_id(operation_id: str, summary: str) -> dict[str, Any]:
    found = _discovery(operation_id, summary, {"type": "object"})
    found["parameters"] = [{**_ID, "schema": {"type": "string", "pattern": "^[A-Za-z0-9:._-]+$"}}]
    return found


def _bulk() -> dict[str, Any]:
    results = _ok(
        "One result per operation that ran (RFC 7644 §3.7.3).", {"$ref": _REF + "BulkResponse"}
    )
    return {
        "post": {
            "operationId": "bulk",
            "summary": "Creates, replaces, patches and deletes in one request (RFC 7644 §3.7)",
            "requestBody": _body({"$ref": _REF + "BulkRequest"}),
            "responses": _responses({"200": results}, "413"),
        }
    }


def _components() -> dict[str, Any]:
    discovered = {"type": "object", "required": ["schemas"]}
    return {
        "schemas": {
            "User": resource_schema(USER_TYPE),
            "Group": resource_schema(GROUP_TYPE),
            "UserRequest": request_schema(USER_TYPE),
            "GroupRequest": request_schema(GROUP_TYPE),
            "UserList": list_schema([_REF + "User"]),
            "GroupList": list_schema([_REF + "Group"]),
            "ResourceList": list_schema([_REF + "User", _REF + "Group"]),
            "DiscoveryList": list_schema([_REF + "Discovered"]),
            "Discovered": discovered,
            "PatchOp": patch_schema(),
            "UserSearchRequest": search_schema([USER_TYPE]),
            "GroupSearchRequest": search_schema([GROUP_TYPE]),
            "ResourceSearchRequest": search_schema([USER_TYPE, GROUP_TYPE]),
            "Error": error_schema(),
            "BulkRequest": bulk_request_schema(),
            "BulkResponse": bulk_response_schema(_REF + "Error"),
        },
        "responses": {
            status: {"description": text, "content": _content({"$ref": _REF + "Error"})}
            for status, text in _ERRORS.items()
        },
        "headers": {
            "ETag": {
                "description": 'The weak version of the resource, e.g. W/"3" (RFC 7644 §3.14).',
                "schema": {"type": "string"},
            }
        },
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "The directory's secret (in Entra: the Secret Token field).",
            },
            "basic": {
                "type": "http",
                "scheme": "basic",
                "description": "User name: the tenant id; password: the directory's secret.",
            },
        },
    }


def openapi_document(public_url: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document; ``public_url`` is where clients reach this server."""
    paths: dict[str, Any] = {}
    for rt in (USER_TYPE, GROUP_TYPE):
        paths[rt.endpoint] = _collection(rt)
        paths[f"{rt.endpoint}/.search"] = _search(
            f"search{rt.name}s", f"Search {rt.name}s with a SearchRequest", rt.name
        )
        paths[f"{rt.endpoint}/{{id}}"] = _item(rt)
    paths["/.search"] = _search(
        "searchAll", "Search Users and Groups together (RFC 7644 §3.4.3)", "Resource"
    )
    paths["/ServiceProviderConfig"] = _discovery(
        "getServiceProviderConfig", "What this server supports (RFC 7643 §5)", {"type": "object"}
    )
    paths["/ResourceTypes"] = _discovery(
        "listResourceTypes", "Resource types (RFC 7643 §6)", {"$ref": _REF + "DiscoveryList"}
    )
    paths["/ResourceTypes/{id}"] = _by_id("getResourceType", "One resource type")
    paths["/Schemas"] = _discovery(
        "listSchemas", "Schemas (RFC 7643 §7)", {"$ref": _REF + "DiscoveryList"}
    )
    paths["/Schemas/{id}"] = _by_id("getSchema", "One schema, by URN")
    paths["/Bulk"] = _bulk()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "scimdir SCIM 2.0 API",
            "version": version,
            "description": "The SCIM 2.0 service provider of one scimdir directory "
            "(RFC 7643, RFC 7644). Identity providers provision users and groups here.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [
            {
                "url": f"{public_url}/scim/{{tenantId}}/v2",
                "description": "A directory's tenant URL.",
                "variables": {"tenantId": {"default": "TENANT_ID", "description": "Tenant id."}},
            }
        ],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": paths,
        "components": _components(),
    }


def openapi_route(public_url: str) -> Route:
    """The route serving the description, built once (it depends only on ``public_url``)."""
    try:
        release = version("scimdir")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        release = "0.0.0"
    document = openapi_document(public_url, release)

    async def endpoint(request: Request) -> Response:
        return JSONResponse(document)

    return Route(OPENAPI_PATH, endpoint, methods=["GET"])
