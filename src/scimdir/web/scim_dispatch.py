"""``/scim/...`` requests go straight to the SCIM routes, past the web framework's middleware.

Every SCIM request used to pass FastAPI's whole stack before reaching its route: the server-error
middleware, FastAPI's telemetry and body-limit layers, the exception middleware, the
``AsyncExitStack`` middleware and the application router's walk over every route of the admin
console and the management API. None of them does anything for a SCIM request (the SCIM API
reads its own body with its own cap, ``web/http.py``, and answers its own errors); together
they cost about a fifth of a lookup's CPU (docs/performance.md).

:class:`ScimdirApp` is the FastAPI application with one change: an HTTP request whose path
starts with ``/scim/`` is handed to the SCIM stack, which is

- the overload guard (``web/overload.py``: in-flight bound, deadline, request id),
- :class:`ScimErrorBoundary`: what the framework's outer layers did for these paths (a path no
  route took is a SCIM 404, an unexpected error a bare SCIM 500 with the traceback in the
  server log),
- the resource routes (``/Users``, ``/Groups``, with or without an id) by table lookup
  (``web/resource_routes.py``), then a router holding only the SCIM routes: the OpenAPI
  document, the NUL guard, the tenant mount and the fallbacks under ``/scim``.

Everything else (``/api``, ``/admin``, ``/healthz``, ``/metrics``, the lifespan) goes through
FastAPI as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimdir.web.overload import OverloadGuard
from scimdir.web.resource_routes import ResourceRoutes
from scimdir.web.unhandled import unexpected, unrouted

__all__ = ["SCIM_PREFIX", "ScimErrorBoundary", "ScimdirApp", "scim_stack"]

SCIM_PREFIX = "/scim/"


class ScimErrorBoundary:
    """Turns what escapes the SCIM router into SCIM answers (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except StarletteHTTPException as exc:
            if started:
                raise
            response = await unrouted(Request(scope), exc)
            await response(scope, receive, send)
        except Exception as exc:
            if started:
                raise  # the response is under way; the server closes the connection
            response = await unexpected(Request(scope), exc)
            await response(scope, receive, send)


def scim_stack(
    routes: Sequence[BaseRoute],
    *,
    max_in_flight: int,
    timeout: float,
    resources: Sequence[BaseRoute] = (),
) -> ASGIApp:
    """The guard, the error boundary and a router of ``routes`` (the SCIM API's only), with
    the tenant's resource routes ``resources`` found first by table lookup
    (``web/resource_routes.py``)."""
    router: ASGIApp = Router(routes=list(routes))
    if resources:
        router = ResourceRoutes(router, resources)
    return OverloadGuard(
        ScimErrorBoundary(router),
        max_in_flight=max_in_flight,
        timeout=timeout,
        prefix=SCIM_PREFIX,
    )


class ScimdirApp(FastAPI):
    """The FastAPI application, with ``/scim/`` requests served by :attr:`scim` directly."""

    scim: ASGIApp | None = None
    scim_routes: Sequence[BaseRoute] = ()
    """The routes :attr:`scim` serves (for tools and tests that list them)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scim = self.scim
        if scim is not None and scope["type"] == "http" and scope["path"].startswith(SCIM_PREFIX):
            scope["app"] = self  # as Starlette sets it: request.app, and routes raise 404/405
            await scim(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
