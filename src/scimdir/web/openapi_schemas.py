"""JSON Schema (2020-12, as OpenAPI 3.1 uses it) for SCIM resources, from the one attribute table.

:mod:`scimdir.scim.schema` defines every attribute scimdir serves; this module turns those
definitions into the component schemas of the published OpenAPI description
(:mod:`scimdir.web.openapi`), so the description cannot drift from what ``/Schemas`` publishes
and what the core accepts. RFC 7643 §2.3 types map to JSON types; ``readOnly`` attributes (``id``,
``meta``, ``groups``) are marked ``readOnly`` and ``returned: never`` ones (``password``)
``writeOnly``, as OpenAPI 3.1 defines both. Objects stay open (extra members allowed): a client
may send attributes the server ignores, and ``attributes`` projections return fewer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from scimdir.scim.filter import SORTABLE_KEYS
from scimdir.scim.schema import (
    ERROR_SCHEMA,
    LIST_RESPONSE_SCHEMA,
    PATCH_OP_SCHEMA,
    Attribute,
    AttrType,
    Mutability,
    ResourceType,
    Returned,
)

__all__ = [
    "attribute_list_pattern",
    "attribute_names",
    "error_schema",
    "list_schema",
    "patch_schema",
    "request_schema",
    "resource_schema",
    "search_schema",
]

SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

_SCALARS: dict[AttrType, dict[str, Any]] = {
    AttrType.STRING: {"type": "string"},
    AttrType.REFERENCE: {"type": "string"},
    AttrType.BINARY: {"type": "string"},
    AttrType.BOOLEAN: {"type": "boolean"},
    AttrType.INTEGER: {"type": "integer"},
    AttrType.DECIMAL: {"type": "number"},
    AttrType.DATETIME: {"type": "string", "format": "date-time"},
}


def _object(properties: dict[str, Any], closed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if closed:
        out["additionalProperties"] = False
    return out


def _attribute(attr: Attribute, closed: bool) -> dict[str, Any]:
    if attr.type == AttrType.COMPLEX:
        subs = {s.name: _attribute(s, closed) for s in attr.sub_attributes}
        single = _object(subs, closed)
    else:
        single = dict(_SCALARS[attr.type])
    out: dict[str, Any] = {"type": "array", "items": single} if attr.multi_valued else single
    if attr.description:
        out["description"] = attr.description
    if attr.mutability == Mutability.READ_ONLY:
        out["readOnly"] = True
    if attr.returned == Returned.NEVER or attr.mutability == Mutability.WRITE_ONLY:
        out["writeOnly"] = True
    return out


def resource_schema(rt: ResourceType, *, closed: bool = False) -> dict[str, Any]:
    """The JSON Schema of one resource type: core attributes, extensions keyed by their URN.

    ``closed`` refuses members the schema does not define, as the server does in a request body
    (400 ``invalidValue`` naming the unknown attribute).
    """
    properties: dict[str, Any] = {
        "schemas": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The schema URNs of the resource (RFC 7643 §3).",
        },
    }
    for attr in rt.schema.attributes:
        properties[attr.name] = _attribute(attr, closed)
    for ext in rt.extensions:
        attrs = {a.name: _attribute(a, closed) for a in ext.attributes}
        properties[ext.id] = {**_object(attrs, closed), "description": ext.description}
    return {
        **_object(properties, closed),
        "description": f"{rt.schema.description} (RFC 7643; `/Schemas/{rt.schema.id}`).",
    }


def request_schema(rt: ResourceType) -> dict[str, Any]:
    """A POST/PUT body: the resource with its ``schemas`` URNs, required attributes, and nothing
    the schema does not define.

    A response may lack the required ones (under ``attributes``): they are required here only.
    """
    schema = resource_schema(rt, closed=True)
    required = [a.name for a in rt.schema.attributes if a.required]
    schema["required"] = ["schemas", *required]
    for name in required:
        schema["properties"][name]["minLength"] = 1
    members = schema["properties"].get("members")
    if members is not None:  # RFC 7643 §4.2: a member is named by its id
        member = members["items"]
        member["required"] = ["value"]
        member["properties"]["value"]["minLength"] = 1
        member["properties"]["type"] = {"enum": ["User", "Group"]}
    schema["properties"]["schemas"] = {
        "type": "array",
        "items": {"enum": [s.id for s in rt.schemas()]},
        "contains": {"const": rt.schema.id},
        "uniqueItems": True,
    }
    return schema


def error_schema() -> dict[str, Any]:
    """RFC 7644 §3.12: every refusal has this shape (``status`` is a string there)."""
    return {
        "type": "object",
        "required": ["schemas", "status", "detail"],
        "properties": {
            "schemas": {"type": "array", "items": {"const": ERROR_SCHEMA}},
            "status": {"type": "string", "pattern": "^[45][0-9][0-9]$"},
            "scimType": {"type": "string"},
            "detail": {"type": "string", "description": "The cause and how to fix it."},
        },
    }


def list_schema(item_refs: list[str]) -> dict[str, Any]:
    """RFC 7644 §3.4.2 ListResponse whose ``Resources`` are any of ``item_refs``."""
    items: dict[str, Any] = (
        {"$ref": item_refs[0]}
        if len(item_refs) == 1
        else {"anyOf": [{"$ref": r} for r in item_refs]}
    )
    return {
        "type": "object",
        "required": ["schemas", "totalResults", "Resources"],
        "properties": {
            "schemas": {"type": "array", "items": {"const": LIST_RESPONSE_SCHEMA}},
            "totalResults": {"type": "integer", "minimum": 0},
            "startIndex": {"type": "integer", "minimum": 1},
            "itemsPerPage": {"type": "integer", "minimum": 0},
            "Resources": {"type": "array", "items": items},
        },
    }


def patch_schema() -> dict[str, Any]:
    """RFC 7644 §3.5.2 PatchOp message (``op`` in any case: Entra sends ``Replace``)."""
    return {
        "type": "object",
        "required": ["Operations"],
        "properties": {
            "schemas": {
                "type": "array",
                "items": {"const": PATCH_OP_SCHEMA},
                "description": "Must contain the PatchOp URN; a body without it is accepted "
                "and logged as the quirk lenient.patch-without-schemas.",
            },
            "Operations": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["op"],
                    # remove needs a path; add and replace need a value (RFC 7644 §3.5.2.1-3)
                    "if": {"properties": {"op": {"enum": ["remove", "Remove"]}}},
                    "then": {"required": ["path"], "properties": {"path": {"minLength": 1}}},
                    "else": {"required": ["value"]},
                    "properties": {
                        "op": {
                            "enum": ["add", "replace", "remove", "Add", "Replace", "Remove"],
                            "description": "Case-insensitive (Entra sends Replace).",
                        },
                        "path": {"type": "string"},
                        "value": {},
                    },
                },
            },
        },
    }


def attribute_names(types: Sequence[ResourceType]) -> list[str]:
    """Every name ``attributes``/``excludedAttributes`` take for ``types`` (RFC 7644 §3.4.2.5),
    spelled as the schema does (the server also takes them in any case)."""
    names: list[str] = []
    for rt in types:
        for schema in rt.schemas():
            prefix = "" if schema is rt.schema else f"{schema.id}:"
            if prefix:
                names.append(schema.id)
            for attr in schema.attributes:
                names.append(prefix + attr.name)
                names.extend(f"{prefix}{attr.name}.{sub.name}" for sub in attr.sub_attributes)
    return list(dict.fromkeys(names))


def attribute_list_pattern(types: Sequence[ResourceType]) -> str:
    """A regular expression for a comma-separated list of :func:`attribute_names`."""
    one = "(" + "|".join(re.escape(n) for n in attribute_names(types)) + ")"
    return f"^{one}(,{one})*$"


def search_schema(types: Sequence[ResourceType]) -> dict[str, Any]:
    """RFC 7644 §3.4.3 SearchRequest over ``types``; every member may also be null (unset)."""
    names = {"type": ["array", "null"], "items": {"enum": attribute_names(types)}}
    return {
        "type": "object",
        "properties": {
            "schemas": {"type": "array", "items": {"const": SEARCH_REQUEST_SCHEMA}},
            "filter": {"type": ["string", "null"]},
            "startIndex": {"type": ["integer", "null"]},
            "count": {"type": ["integer", "null"]},
            "sortBy": {"enum": [*SORTABLE_KEYS, None]},
            "sortOrder": {"enum": ["ascending", "descending", None]},
            "attributes": names,
            "excludedAttributes": names,
        },
    }
