"""The resource routes' table (``web/resource_routes.py``) answers exactly as Starlette's router.

Every request below is sent twice to the same application and database: through the SCIM stack
with the table, and through the same stack with the Starlette router alone. Status, body and
the headers a client reads must be equal, for the shapes the table serves and for those it
leaves to the router (a trailing slash, ``.search`` as an id, HEAD, a method no route has, NUL,
a path one segment too long).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scimdir.devtools.entra_bodies import entra_user
from scimdir.settings import Settings
from scimdir.web.app import create_app
from scimdir.web.resource_routes import ResourceRoutes
from scimdir.web.scim_dispatch import scim_stack

_READ_HEADERS = ("content-type", "allow", "etag", "location", "retry-after")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    made = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.db'}"))
    with TestClient(made):
        yield made
    made.state.services.storage.dispose()


def _router_only(app: Any) -> Any:
    return scim_stack(app.scim_routes, max_in_flight=64, timeout=30.0)


def _answer(client: TestClient, method: str, path: str, body: Any, secret: str) -> Any:
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.request(method, path, json=body, headers=headers)
    kept = {name: response.headers.get(name) for name in _READ_HEADERS}
    return response.status_code, response.content, kept


def test_the_table_holds_the_resource_routes_and_nothing_else(app: Any) -> None:
    """``/Users`` and ``/Groups`` with and without an id, by method; ``.search`` routes and the
    fallbacks stay with the router."""
    (tenant,) = [r for r in app.scim_routes if getattr(r, "path", "") == "/scim/{tenant}/v2"]
    tenant_routes = tenant.routes  # the tenant Mount's
    table = ResourceRoutes(app.scim, tenant_routes).table
    assert set(table) == {
        ("GET", "Users", False),
        ("POST", "Users", False),
        ("GET", "Users", True),
        ("PUT", "Users", True),
        ("PATCH", "Users", True),
        ("DELETE", "Users", True),
        ("GET", "Groups", False),
        ("POST", "Groups", False),
        ("GET", "Groups", True),
        ("PUT", "Groups", True),
        ("PATCH", "Groups", True),
        ("DELETE", "Groups", True),
        ("GET", "ServiceProviderConfig", False),
        ("GET", "ResourceTypes", False),
        ("GET", "ResourceTypes", True),
        ("GET", "Schemas", False),
        ("GET", "Schemas", True),
        ("POST", "Bulk", False),
    }


def test_every_request_shape_answers_as_the_router_alone(app: Any) -> None:
    """The same requests with and without the table give the same status, body and headers."""
    services = app.state.services
    created = services.directories.create("routes", "entra")
    tenant, secret = created.directory.id, created.secret
    base = f"/scim/{tenant}/v2"
    with TestClient(app) as client:
        user = client.post(
            f"{base}/Users", json=entra_user(), headers={"Authorization": f"Bearer {secret}"}
        ).json()
    uid = user["id"]
    lookup = 'filter=userName eq "alice@contoso.com"'
    requests: list[tuple[str, str, Any]] = [
        ("GET", f"{base}/Users?{lookup}", None),
        ("GET", f"{base}/Users", None),
        ("GET", f"{base}/Users/{uid}", None),
        ("GET", f"{base}/Users/missing", None),
        ("GET", f'{base}/Groups?filter=displayName eq "x"', None),
        ("GET", f"{base}/Users/.search", None),
        ("GET", f"{base}/Users/", None),
        ("GET", f"{base}/Users/{uid}/extra", None),
        ("HEAD", f"{base}/Users", None),
        ("DELETE", f"{base}/Users", None),
        ("PATCH", f"{base}/Groups", None),
        ("GET", f"/scim/{tenant}/v1/Users", None),
        ("GET", f"/scim/{tenant}/v2/Nothing", None),
        ("GET", f"/scim/{tenant}/v2/Users%00", None),
        ("GET", f"/scim/{tenant}%00/v2/Users", None),
        ("GET", "/scim//v2/Users", None),
        ("GET", f"{base}/ServiceProviderConfig", None),
        ("GET", f"{base}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", None),
        ("GET", f"/scim/wrong-tenant/v2/Users?{lookup}", None),
        ("PATCH", f"{base}/Users/{uid}", {"Operations": "not a list"}),
        ("PUT", f"{base}/Users/missing", entra_user()),
        ("DELETE", f"{base}/Users/missing", None),
    ]
    with_table = app.scim
    assert isinstance(with_table.app.app, ResourceRoutes)  # guard, error boundary, table
    without_table = _router_only(app)
    answers: dict[str, list[Any]] = {"table": [], "router": []}
    for name, stack in (("table", with_table), ("router", without_table)):
        app.scim = stack
        try:
            with TestClient(app) as client:
                for method, path, body in requests:
                    answers[name].append(_answer(client, method, path, body, secret))
        finally:
            app.scim = with_table
    for request, table, router in zip(requests, answers["table"], answers["router"], strict=True):
        assert table == router, request
    assert answers["table"][0][0] == 200 and uid.encode() in answers["table"][0][1]
