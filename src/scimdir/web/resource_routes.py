"""The SCIM resource routes found by one dictionary lookup instead of Starlette's route walk.

Nearly every request an identity provider sends is ``/scim/<tenant>/v2/Users`` or ``/Groups``,
with or without ``/<id>`` (docs/idp/entra.md §4, §5). Starlette finds its route by trying, in
order, the OpenAPI route, the NUL guard, the tenant ``Mount`` (a regular expression) and then
each of the tenant's 20 routes (one regular expression each), and wraps the endpoint in its
request-response and exception-handling layers: about a tenth of a lookup's CPU in process
(docs/performance.md).

:class:`ResourceRoutes` answers exactly those shapes from a table built from the same
``Route`` objects (so the routes are declared once, in ``web/scim_api.py``), sets the path
parameters and ``root_path`` as the ``Mount`` and ``Route`` would, and calls the endpoint.
Anything else, or anything in doubt (a path holding NUL, an id starting with ``.`` such as
``.search``, a method a route does not declare, HEAD), goes to the Starlette router
unchanged, so 404, 405 and every fallback answer as before. The SCIM stack sets no exception
handlers (``web/scim_dispatch.py``), so Starlette's wrapper would only have re-raised: errors
reach the SCIM error boundary either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ResourceRoutes"]

Endpoint = Callable[[Request], Awaitable[Response]]
_ID = "/{id}"


class ResourceRoutes:
    """ASGI: ``/scim/<tenant>/v2/<Resource>[/<id>]`` by table lookup, the rest to ``app``.

    :param routes: the tenant's routes (relative to ``/scim/{tenant}/v2``); those of the form
        ``/<Resource>`` and ``/<Resource>/{id}`` with explicit methods enter the table.
    """

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], *, version: str = "v2") -> None:
        self.app = app
        self.version = version
        self.table: dict[tuple[str, str, bool], Endpoint] = {}
        for route in routes:
            if not isinstance(route, Route) or not route.methods:
                continue
            path = route.path
            has_id = path.endswith(_ID)
            resource = path[1 : -len(_ID)] if has_id else path[1:]
            if not path.startswith("/") or not resource.isalnum():
                continue  # /Users/.search, /{rest:path}: left to the router
            for method in route.methods:
                if method != "HEAD":  # Starlette's implicit HEAD stays with Starlette
                    self.table.setdefault((method, resource, has_id), route.endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoint(scope)
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)

    def _endpoint(self, scope: Scope) -> Endpoint | None:
        """The endpoint for ``scope`` with its path parameters set, or None for the router."""
        path: str = scope["path"]
        parts = path.split("/")  # "", "scim", tenant, "v2", resource[, id]
        count = len(parts)
        if count not in (5, 6) or parts[1] != "scim" or parts[3] != self.version:
            return None
        tenant = parts[2]
        if not tenant or "\x00" in path or scope.get("root_path"):
            return None  # the NUL guard's; a server mounted under a prefix: the router's
        has_id = count == 6
        if has_id and (not parts[5] or parts[5].startswith(".")):
            return None
        endpoint = self.table.get((scope["method"], parts[4], has_id))
        if endpoint is None:
            return None
        # What the tenant Mount and the Route would put in the scope.
        scope["app_root_path"] = scope.get("app_root_path", "")
        scope["root_path"] = f"/scim/{tenant}/{self.version}"
        scope["path_params"] = {"tenant": tenant, "id": parts[5]} if has_id else {"tenant": tenant}
        scope["endpoint"] = endpoint
        return endpoint
