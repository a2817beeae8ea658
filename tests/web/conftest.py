"""Fixtures for API tests: the real ASGI app in process, on SQLite and on PostgreSQL.

``app_services`` is parametrized over both databases: a fresh SQLite file per test, and the
shared PostgreSQL test database (``postgres_url`` from tests/conftest.py: skipped without
``SCIMDIR_TEST_POSTGRES_URL``, a failure on CI). On PostgreSQL every test isolates itself in the
fresh directories it creates, so no test may assume an empty database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.settings import Settings
from scimdir.web.app import create_app


@dataclass
class Tenant:
    """A directory and a client authenticated to its SCIM base URL."""

    id: str
    secret: str
    client: TestClient
    services: Services

    @property
    def base(self) -> str:
        return f"/scim/{self.id}/v2"

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(self.url(path), headers=self._auth(kw), **kw)

    def post(self, path: str, body: Any, **kw: Any) -> Any:
        return self.client.post(self.url(path), json=body, headers=self._auth(kw), **kw)

    def put(self, path: str, body: Any, **kw: Any) -> Any:
        return self.client.put(self.url(path), json=body, headers=self._auth(kw), **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> Any:
        return self.client.patch(self.url(path), json=body, headers=self._auth(kw), **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(self.url(path), headers=self._auth(kw), **kw)

    def _auth(self, kw: dict[str, Any]) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"}
        headers.update(kw.pop("headers", None) or {})
        return headers

    def set(self, key: str, value: Any) -> None:
        self.services.directories.set_setting(self.id, key, value)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_services(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[TestClient, Services]]:
    """The app and a client, on a fresh SQLite file or the shared PostgreSQL test database."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'scimdir.db'}"
    settings = Settings(database_url=url, public_url="https://scim.example.test", db_pool_size=2)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, app.state.services
    app.state.services.storage.dispose()


def make_tenant(client: TestClient, services: Services, idp: str = "entra") -> Tenant:
    created = services.directories.create(f"{idp} test", idp)
    return Tenant(created.directory.id, created.secret, client, services)


@pytest.fixture
def entra(app_services: tuple[TestClient, Services]) -> Tenant:
    """A directory with the Entra preset."""
    return make_tenant(*app_services, idp="entra")


@pytest.fixture
def okta(app_services: tuple[TestClient, Services]) -> Tenant:
    """A directory with the Okta preset."""
    return make_tenant(*app_services, idp="okta")


@asynccontextmanager
async def served(app: Any, name: str = "served") -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """``app`` with its lifespan running (log writer, thread pools), an Entra directory named
    ``name`` and an async in-process client holding its secret: ``(client, base path)``."""
    async with app.router.lifespan_context(app):
        made = app.state.services.directories.create(name, "entra")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {made.secret}"},
        ) as client:
            yield client, f"/scim/{made.directory.id}/v2"
