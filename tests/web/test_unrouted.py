"""A path that no mount's pattern takes (an encoded newline defeats ``{path:path}``) still gets
the error format of its surface: a problem under /api, a SCIM error under /scim."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app
from scimdir.web.auth_throttle import FailureThrottle


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


def test_an_error_escaping_a_scim_route_is_a_bare_scim_500_with_the_request_id(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure outside the SCIM API's own handling (here: the throttle, before any use case)
    is answered as a SCIM 500 without internals; the traceback goes to the server log."""
    app = client.app
    made = app.state.services.directories.create("boundary", "entra")  # type: ignore[attr-defined]

    def broken(*_: object) -> None:
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(FailureThrottle, "refuse_before_checking", broken)
    with caplog.at_level("ERROR"):
        response = client.get(
            f"/scim/{made.directory.id}/v2/Users",
            headers={"Authorization": f"Bearer {made.secret}"},
        )
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/scim+json")
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert "internal detail" not in response.text
    assert len(response.headers["x-request-id"]) == 32
    assert "internal detail that must not leak" in caplog.text
