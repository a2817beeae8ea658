"""What a SCIM use case hands back to the HTTP layer, and the response shapes built from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from scimdir.scim.schema import LIST_RESPONSE_SCHEMA

__all__ = ["Outcome", "conditional", "created", "plain_list"]


@dataclass
class Outcome:
    """What a use case produced: the body (None for 204), status, extra headers, resource id."""

    body: Any
    status: int = 200
    headers: dict[str, str] | None = None
    resource_id: str | None = None


def conditional(request: Request, resource: dict[str, Any], tag: str) -> Outcome:
    """RFC 7644 §3.14: a GET whose ``If-None-Match`` names the current version gets 304."""
    wanted = request.headers.get("if-none-match")
    if wanted and (wanted.strip() == "*" or tag in {t.strip() for t in wanted.split(",")}):
        return Outcome(None, status=304, headers={"ETag": tag})
    return Outcome(resource, headers={"ETag": tag})


def created(resource: dict[str, Any]) -> Outcome:
    meta = resource["meta"]
    return Outcome(
        resource,
        status=201,
        headers={"Location": meta["location"], "ETag": meta["version"]},
        resource_id=resource["id"],
    )


def plain_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": len(items),
        "startIndex": 1,
        "itemsPerPage": len(items),
        "Resources": items,
    }
