"""The OpenAPI description of ``POST /Bulk`` (RFC 7644 §3.7): its path item and its two
message schemas, BulkRequest and BulkResponse, for :mod:`scimdir.web.openapi`."""

from __future__ import annotations

from typing import Any

from scimdir.scim.bulk import BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA, METHODS

__all__ = ["bulk_request_schema", "bulk_response_schema"]


def bulk_request_schema() -> dict[str, Any]:
    """RFC 7644 §3.7: ``Operations`` (method, path, bulkId for a POST, version, data) and
    ``failOnErrors``."""
    operation = {
        "type": "object",
        "required": ["method", "path"],
        "properties": {
            "method": {"enum": list(METHODS)},
            "path": {
                "type": "string",
                "description": "/Users, /Groups, /Users/{id} or /Groups/{id}; the id may be "
                "bulkId:<bulkId> of a POST in the same request.",
            },
            "bulkId": {"type": "string", "description": "Required for a POST."},
            "version": {"type": "string", "description": "Checked as If-Match."},
            "data": {"type": "object", "description": "The body of the POST, PUT or PATCH."},
        },
    }
    return {
        "type": "object",
        "required": ["schemas", "Operations"],
        "properties": {
            "schemas": {"type": "array", "items": {"const": BULK_REQUEST_SCHEMA}},
            "failOnErrors": {"type": "integer", "minimum": 1},
            "Operations": {"type": "array", "items": operation},
        },
    }


def bulk_response_schema(error_ref: str) -> dict[str, Any]:
    """RFC 7644 §3.7.3: one result per operation that ran, ``status`` as a string."""
    result = {
        "type": "object",
        "required": ["status"],
        "properties": {
            "location": {"type": "string"},
            "method": {"type": "string"},
            "bulkId": {"type": "string"},
            "version": {"type": "string"},
            "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
            "response": {"$ref": error_ref},
        },
    }
    return {
        "type": "object",
        "required": ["schemas", "Operations"],
        "properties": {
            "schemas": {"type": "array", "items": {"const": BULK_RESPONSE_SCHEMA}},
            "Operations": {"type": "array", "items": result},
        },
    }
