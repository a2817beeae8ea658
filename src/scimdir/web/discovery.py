"""Discovery documents (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas.

They publish only what scimdir really does: PATCH yes, bulk yes (with its limits, RFC 7644
§3.7.4), filter yes (with our page maximum),
sorting yes, ETags yes, password change no, and bearer/basic authentication.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scimdir.scim.schema import RESOURCE_TYPES, SCHEMAS, ResourceType
from scimdir.service.context import Limits


def service_provider_config(base_url: str, limits: Limits) -> dict[str, Any]:
    """RFC 7643 §5."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        # RFC 7643 §5 has no field for most of our limits and strict clients refuse extra ones.
        "documentationUri": "https://github.com/scimdir/scimdir/blob/main/docs/performance.md"
        "#published-limits",
        "patch": {"supported": True},
        "bulk": {
            "supported": True,
            "maxOperations": limits.bulk_max_operations,
            "maxPayloadSize": limits.bulk_max_payload_bytes,
        },
        "filter": {"supported": True, "maxResults": limits.max_page_size},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer secret",
                "description": "Authorization: Bearer <directory secret>",
                "primary": True,
            },
            {
                "type": "httpbasic",
                "name": "HTTP Basic",
                "description": "User name: the tenant id; password: the directory secret.",
            },
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def resource_types(
    base_url: str, types: Sequence[ResourceType] = RESOURCE_TYPES
) -> list[dict[str, Any]]:
    """RFC 7643 §6; ``types`` are the directory's (with its declared ``schemaExtensions``)."""
    return [rt.to_dict(f"{base_url}/ResourceTypes/{rt.name}") for rt in types]


def schemas(base_url: str, types: Sequence[ResourceType] = RESOURCE_TYPES) -> list[dict[str, Any]]:
    """RFC 7643 §7: the core schemas and the directory's declared extensions, each once."""
    found = list(SCHEMAS)
    for rt in types:
        found.extend(e for e in rt.extensions if e not in found)
    return [s.to_dict(f"{base_url}/Schemas/{s.id}") for s in found]
