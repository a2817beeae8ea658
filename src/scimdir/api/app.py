"""The management API application, mounted by the server at ``/api/v1``.

A FastAPI sub-application (so its OpenAPI 3.1 document is generated from the routes' pydantic
models) over the same service graph as the SCIM API and the CLI. Its document is at
``/api/v1/openapi.json`` and its interactive page at ``/api/v1/docs``; every route needs an API
key (``auth.py``) and every error is a problem (``problems.py``).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from scimdir.api import (
    directories,
    docs,
    events,
    extension_schemas,
    groups,
    operate,
    problems,
    users,
    webhooks,
)
from scimdir.api.body_limit import BodyLimit
from scimdir.api.problems import PROBLEM_MEDIA_TYPE, problem_response
from scimdir.composition import Services

__all__ = ["TITLE", "api_not_found", "create_api"]

TITLE = "scimdir management API"
_DESCRIPTION = """\
Administer scimdir's SCIM directories: create them, change their settings, rotate their secrets,
reset them, and look at the users and groups the identity provider provisioned.

Authenticate with an API key: `Authorization: Bearer <key>`. Create one on the server with
`scimdir api-key create --name NAME --role admin` (it is shown once). Errors are RFC 9457
problem details (`application/problem+json`).
"""


def create_api(services: Services, public_url: str) -> FastAPI:
    """The ``/api/v1`` application over ``services``; ``public_url`` builds tenant URLs."""
    api = FastAPI(
        title=TITLE,
        version=version("scimdir"),
        description=_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "directories", "description": "Directories, their settings and secrets."},
            {"name": "users", "description": "A directory's users, for the admin."},
            {"name": "groups", "description": "A directory's groups, for the admin."},
            {"name": "operations", "description": "Provisioning log, open problems, health."},
            {"name": "events", "description": "The change feed, with long-polling."},
            {"name": "webhooks", "description": "Webhook subscriptions and their deliveries."},
            {"name": "schemas", "description": "Declared extension schemas of a directory."},
        ],
    )
    api.state.services = services
    api.state.public_url = public_url.rstrip("/")
    problems.install(api)
    api.state.api_routes = []
    for module in (directories, extension_schemas, users, groups, operate, events, webhooks):
        api.include_router(module.router)
        api.state.api_routes.extend(r for r in module.router.routes if isinstance(r, APIRoute))
    docs.install(api, TITLE)
    api.add_middleware(BodyLimit)
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = _problems_as_problem_json(generate())
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api


def _problems_as_problem_json(document: dict[str, Any]) -> dict[str, Any]:
    """Declare error bodies as ``application/problem+json`` (FastAPI files a response model under
    the route's own media type, ``application/json``)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content")
                if status[:1] in ("4", "5") and content and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    return document


async def api_not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """A 404 problem for any path under ``/api/`` that no API version serves."""
    response = problem_response(
        404, f"No such API: {scope.get('path', '')}; the management API is at /api/v1/docs."
    )
    await response(scope, receive, send)
