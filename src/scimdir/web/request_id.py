"""``X-Request-Id`` on every SCIM response, and the id the provisioning log records it under.

A request that arrives with a sane ``X-Request-Id`` (1-64 characters of letters, digits and
``-_.:``, as proxies and load balancers generate them) keeps it, so the id follows the request
across a reverse proxy's log and ours; anything else gets a fresh random id (never echoed, so a
header cannot inject text into logs). The middleware is pure ASGI: it costs one header read and
one header write per request, and covers every response under the mount, errors included.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEADER", "RequestIdMiddleware", "request_id_of"]

HEADER: Final = "X-Request-Id"
_HEADER_KEY = b"x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_STATE_KEY = "request_id"


def _incoming(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == _HEADER_KEY:
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                return None
            return text if _SANE.fullmatch(text) else None
    return None


def request_id_of(scope: Scope) -> str | None:
    """The id the middleware gave the request (None outside it)."""
    state = scope.get("state")
    found = state.get(_STATE_KEY) if isinstance(state, dict) else None
    return found if isinstance(found, str) else None


class RequestIdMiddleware:
    """Assign each HTTP request an id and return it in ``X-Request-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})[_STATE_KEY] = request_id
        encoded = request_id.encode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k != _HEADER_KEY]
                headers.append((_HEADER_KEY, encoded))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)
