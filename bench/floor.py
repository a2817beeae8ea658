"""The floor: a minimal ASGI app answering the benchmark's SCIM routes with constant bodies.

Served by the same stack as scimdir (uvicorn, same worker count, uvloop/httptools when installed),
it shows the best any Python SCIM server could do on this machine: no routing framework, no
parsing, no storage. It reads each request body to its end (as a real server must) and answers
``GET`` with a one-resource ``ListResponse``, ``POST`` with 201 and a user, ``PATCH /Users/{id}``
with 200 and a user, ``PATCH /Groups/{id}`` with 204 (Entra's expected group PATCH answer,
``docs/idp/entra.md`` §5.5) and anything else with 404. Bodies are about the size
of scimdir's answers, so the floor does not win by sending fewer bytes.

Run: ``uvicorn bench.floor:app --workers N``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "0b9c5f6e8d7a4c3b2a1f0e9d8c7b6a50",
    "externalId": "ext-0000001",
    "userName": "user0000001@example.test",
    "displayName": "User 1",
    "active": True,
    "name": {"givenName": "User", "familyName": "0000001"},
    "emails": [{"value": "user0000001@example.test", "type": "work", "primary": True}],
    "meta": {
        "resourceType": "User",
        "created": "2026-01-01T00:00:00Z",
        "lastModified": "2026-01-01T00:00:00Z",
        "version": 'W/"1"',
        "location": "http://127.0.0.1/scim/t/v2/Users/0b9c5f6e8d7a4c3b2a1f0e9d8c7b6a50",
    },
}
LIST = json.dumps(
    {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 1,
        "Resources": [USER],
    }
).encode()
ONE = json.dumps(USER).encode()
CONTENT_TYPE = (b"content-type", b"application/scim+json")


def answer(method: str, path: str) -> tuple[int, bytes]:
    """The constant status and body for a request line."""
    if method == "GET":
        return 200, LIST
    if method == "POST":
        return 201, ONE
    if method == "PATCH" and "/Groups/" in path:
        return 204, b""
    if method == "PATCH":
        return 200, ONE
    return 404, b""


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI app (HTTP and lifespan)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    status, body = answer(scope["method"], scope["path"])
    headers = [CONTENT_TYPE, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
