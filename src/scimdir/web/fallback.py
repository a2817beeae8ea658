"""SCIM errors for every URL under ``/scim/`` that no SCIM route serves.

An IdP configured with a wrong tenant URL (no ``/v2``, a trailing slash that makes ``//Users``)
or a client using a method an endpoint does not have must get an RFC 7644 §3.12 error document
(``application/scim+json``, the Error schema) whose detail says what to fix, not the web
framework's ``{"detail": "Not Found"}``. The answers:

- 405 with ``Allow`` when the path is a SCIM endpoint but the method is not one of its methods
  (``PUT /Users``, ``DELETE /Users``, ``POST /Users/{id}``...);
- 404 otherwise, with a detail naming the likely mistake;
- 404 for any URL holding NUL (``%00``), before it reaches a route: no tenant or resource id
  holds one, and PostgreSQL refuses NUL in a query parameter (a driver error, a 500).

These answers need no authentication and reveal nothing about the tenant: the same URL gets the
same answer for every tenant id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from scimdir.scim.errors import method_not_allowed, not_found, shorten
from scimdir.web.http import error_response

__all__ = ["nul_guard_routes", "scim_fallback_routes", "tenant_fallback_routes"]

_ENDPOINTS = "/Users, /Groups, /Bulk, /ServiceProviderConfig, /ResourceTypes and /Schemas"


class _AnyMethod:
    """An ASGI endpoint: a Starlette ``Route`` given a plain function would accept only GET,
    while an ASGI app is called for every method (``TRACE``, ``PROPFIND``...)."""

    def __init__(self, answer: Callable[[Request], Awaitable[Response]]) -> None:
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.answer(Request(scope, receive))
        await response(scope, receive, send)


class _HoldsNul(Convertor[str]):
    """A path segment run that holds at least one NUL."""

    regex = "[\\s\\S]*\x00[\\s\\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def nul_guard_routes() -> list[BaseRoute]:
    """The first route under ``/scim``: 404 for a path holding NUL."""
    register_url_convertor("holds_nul", _HoldsNul())

    async def refuse(request: Request) -> Response:
        return error_response(
            not_found("The URL holds NUL (%00); no tenant id or resource id contains it.")
        )

    return [Route("/scim/{rest:holds_nul}", _AnyMethod(refuse))]


def tenant_fallback_routes(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """The last route under ``/scim/{tenant}/v2``: 405 or 404 for what ``routes`` do not serve."""

    async def unmatched(request: Request) -> Response:
        allowed: set[str] = set()
        for route in routes:
            match, _ = route.matches(request.scope)
            if match == Match.PARTIAL and isinstance(route, Route) and route.methods:
                allowed |= route.methods
        if allowed:
            methods = ", ".join(sorted(allowed))
            refusal = method_not_allowed(
                f"{request.method} is not a method of this endpoint; it answers {methods} "
                "(RFC 7644 §3.2)."
            )
            response = error_response(refusal)
            response.headers["Allow"] = methods
            return response
        rest = request.path_params.get("rest", "")
        return error_response(not_found(_tenant_detail(rest)))

    return [Route("/{rest:path}", _AnyMethod(unmatched))]


def _tenant_detail(rest: str) -> str:
    if rest.startswith("/") or "//" in rest:
        return (
            "The URL has an empty segment (//): the tenant URL must not end in a slash. Set it "
            "to .../scim/<tenant id>/v2 (without the trailing slash)."
        )
    if rest.endswith("/"):
        return f"Remove the trailing slash from {shorten('/' + rest)}."
    if not rest:
        return f"This is the tenant URL; SCIM requests name an endpoint under it: {_ENDPOINTS}."
    return (
        f"No SCIM endpoint {shorten('/' + rest)} under the tenant URL; the endpoints are "
        f"{_ENDPOINTS} (RFC 7644 §3.2)."
    )


def scim_fallback_routes() -> list[BaseRoute]:
    """The routes after the tenant mount: any other URL under ``/scim`` (no ``/v2``...)."""

    async def unmatched(request: Request) -> Response:
        rest = request.path_params.get("rest", "")
        segments = rest.split("/")
        if not rest or not segments[0]:
            detail = "The tenant URL has the form /scim/<tenant id>/v2."
        elif len(segments) >= 2 and segments[1] == "v2":
            detail = _tenant_detail("/".join(segments[2:]))
        else:
            detail = (
                "The tenant URL ends in /v2: /scim/<tenant id>/v2, and SCIM requests go to the "
                "endpoints under it, e.g. /scim/<tenant id>/v2/Users."
            )
        return error_response(not_found(detail))

    return [
        Route("/scim", _AnyMethod(unmatched)),
        Route("/scim/{rest:path}", _AnyMethod(unmatched)),
    ]
