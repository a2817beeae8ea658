"""The published OpenAPI description: served without credentials, complete, and true.

schemathesis generates requests from the description for every operation and sends them to the
in-process app with a valid secret: no answer may be a 5xx, and every answer must be declared
(status, content type, headers) and match its declared schema. The bounded run here takes a few
seconds; ``SCIMDIR_SCHEMATHESIS_EXAMPLES=500`` runs a longer one (docs/testing.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app
from scimdir.web.openapi import OPENAPI_PATH, openapi_document
from scimdir.web.scim_dispatch import ScimdirApp

EXAMPLES = int(os.environ.get("SCIMDIR_SCHEMATHESIS_EXAMPLES", "15"))
LONG_RUN = EXAMPLES > 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
DOCUMENT = openapi_document("http://testserver", "test")
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method != "parameters"
]


@dataclass
class Api:
    """The in-process app, its description loaded by schemathesis, and one directory."""

    schema: Any
    base_url: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The app on a fresh SQLite file, with a generic directory and its secret."""
    path: Path = tmp_path_factory.mktemp("openapi") / "scimdir.db"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", public_url="http://testserver", db_pool_size=2)
    )
    with TestClient(app):
        created = app.state.services.directories.create("schemathesis", "generic")
        yield Api(
            schema=schemathesis.openapi.from_asgi(OPENAPI_PATH, app),
            base_url=f"http://testserver/scim/{created.directory.id}/v2",
            headers={"Authorization": f"Bearer {created.secret}"},
        )
    app.state.services.storage.dispose()


def test_description_is_served_without_credentials() -> None:
    """GET /scim/openapi.json answers the OpenAPI 3.1 document to anyone, with this server URL."""
    app = create_app(Settings(database_url="sqlite://", public_url="https://scim.example.com"))
    with TestClient(app) as client:
        response = client.get(OPENAPI_PATH)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"][0]["url"] == "https://scim.example.com/scim/{tenantId}/v2"


def test_every_scim_route_is_described() -> None:
    """Each route of the SCIM mount is an operation of the description, and nothing else is."""
    app = create_app(Settings(database_url="sqlite://"), migrate=False)
    assert isinstance(app, ScimdirApp)
    mount = next(r for r in app.scim_routes if isinstance(r, Mount) and "tenant" in r.path)
    served = {
        f"{method} {route.path}"
        for route in mount.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert served == set(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_generated_requests_get_declared_answers_and_never_a_5xx(api: Api, operation: str) -> None:
    """schemathesis: no 5xx; status, content type, headers and body conform to the description."""
    method, path = operation.split(" ", 1)
    endpoint = api.schema[path][method]

    @given(case=endpoint.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not LONG_RUN,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(base_url=api.base_url, headers=api.headers)
        case.validate_response(response, checks=CHECKS, headers=api.headers)

    run()
