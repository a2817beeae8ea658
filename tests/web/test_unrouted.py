"""A path that no mount's pattern takes (an encoded newline defeats ``{path:path}``) still gets
the error format of its surface: a problem under /api, a SCIM error under /scim."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unrouted.db'}"))
    yield TestClient(app)
    app.state.services.storage.dispose()


@pytest.mark.parametrize("path", ["/api/v1/directories/%0Aab/log", "/api%0A"])
def test_an_unrouted_api_path_is_a_problem(client: TestClient, path: str) -> None:
    """404 as application/problem+json."""
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_an_unrouted_scim_path_is_a_scim_error(client: TestClient) -> None:
    """404 as a SCIM error naming the tenant URL's form."""
    response = client.get("/scim%0A/Users")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/scim+json")
    assert "/scim/<tenant id>/v2" in response.json()["detail"]
