"""Fixtures for the management API: the real server app in process, on SQLite and PostgreSQL.

``api`` is an :class:`Api`: a test client, the service graph, and an admin key's headers. Users
and groups are provisioned through the SCIM API, as an identity provider would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.settings import Settings
from scimdir.web.app import create_app

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


@dataclass
class Directory:
    """A directory created through the API, with its SCIM secret."""

    id: str
    secret: str
    api: Api

    def scim(self, method: str, path: str, body: Any = None) -> Any:
        """Call the directory's SCIM API as its identity provider."""
        response = self.api.client.request(
            method,
            f"/scim/{self.id}/v2{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.secret}"},
        )
        return response

    def add_user(self, user_name: str, display: str | None = None, email: str | None = None) -> str:
        """Provision a user through SCIM; returns its id."""
        body: dict[str, Any] = {
            "schemas": [USER_SCHEMA],
            "userName": user_name,
            "externalId": f"ext-{user_name}",
            "displayName": display or user_name.split("@", maxsplit=1)[0].title(),
            "emails": [{"value": email or user_name, "type": "work", "primary": True}],
        }
        response = self.scim("POST", "/Users", body)
        assert response.status_code == 201, response.text
        user_id: str = response.json()["id"]
        return user_id

    def add_group(self, name: str, members: list[str] | None = None) -> str:
        """Provision a group with members through SCIM; returns its id."""
        body = {
            "schemas": [GROUP_SCHEMA],
            "displayName": name,
            "members": [{"value": m} for m in members or []],
        }
        response = self.scim("POST", "/Groups", body)
        assert response.status_code == 201, response.text
        group_id: str = response.json()["id"]
        return group_id

    def url(self, path: str = "") -> str:
        """A management API URL under this directory."""
        return f"/api/v1/directories/{self.id}{path}"


@dataclass
class Api:
    """The app's client, its services and an admin key."""

    client: TestClient
    services: Services
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=body, headers=self.headers, **kw)

    def patch(self, url: str, body: Any, **kw: Any) -> Any:
        return self.client.patch(url, json=body, headers=self.headers, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self.headers, **kw)

    def directory(self, name: str = "Test", idp: str = "entra") -> Directory:
        """Create a directory through the API."""
        response = self.post("/api/v1/directories", {"name": name, "idp": idp})
        assert response.status_code == 201, response.text
        data = response.json()
        return Directory(data["id"], data["secret"], self)


def problem(response: Any, status: int) -> dict[str, Any]:
    """The RFC 9457 body of ``response``, after checking its status and media type."""
    assert (response.status_code, response.headers["content-type"]) == (
        status,
        "application/problem+json",
    ), response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    return body


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The server app with an admin API key, on a fresh SQLite file or the PostgreSQL database."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'scimdir.db'}"
    settings = Settings(database_url=url, public_url="https://scim.example.test", db_pool_size=2)
    app = create_app(settings)
    services: Services = app.state.services
    with TestClient(app) as client:
        yield Api(client, services, services.api_keys.create("tests", "admin").key)
    services.storage.dispose()


@pytest.fixture
def directory(api: Api) -> Directory:
    """A fresh directory (Entra preset)."""
    return api.directory()
