"""Fixtures of the cross-process tests: server processes on one database, tenants, races.

The PostgreSQL servers are started once per module (their start-up is most of the cost); every
test works in a fresh directory, so tests never see each other's rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest

from scimdir.composition import Services, build_services
from scimdir.settings import Settings
from tests.real_servers import Server, running_servers

T = TypeVar("T")
SERVERS = 3


@dataclass
class Tenant:
    """A directory, its secret, and the servers that all serve it."""

    id: str
    secret: str
    servers: list[Server]
    client: httpx.Client

    def url(self, n: int, path: str) -> str:
        """``path`` under the tenant URL of server ``n`` (wrapping around the servers)."""
        return f"{self.servers[n % len(self.servers)].url}/scim/{self.id}/v2{path}"

    def request(
        self, n: int, method: str, path: str, body: Any = None, **headers: str
    ) -> httpx.Response:
        """One SCIM request to server ``n`` with the directory's secret."""
        return self.client.request(
            method,
            self.url(n, path),
            json=body,
            headers={"Authorization": f"Bearer {self.secret}", **headers},
        )


def race(workers: int, task: Callable[[int], T]) -> list[T]:
    """Run ``task(i)`` for ``i`` in ``range(workers)`` on as many threads, released together."""
    barrier = threading.Barrier(workers)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return task(i)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(workers)))


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the module (thread-safe; enough connections for every racer)."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    with httpx.Client(timeout=60, limits=limits) as client:
        yield client


@pytest.fixture(scope="module")
def pg_services(postgres_url: str) -> Iterator[Services]:
    """Services on the PostgreSQL test database, for set-up and for reading rows directly."""
    services = build_services(Settings(database_url=postgres_url, db_pool_size=2))
    services.storage.migrate()
    yield services
    services.storage.dispose()


@pytest.fixture(scope="module")
def pg_servers(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Server]]:
    """Three ``scimdir serve`` processes sharing the PostgreSQL test database."""
    with running_servers(postgres_url, SERVERS, tmp_path_factory.mktemp("pg-servers")) as servers:
        yield servers


@pytest.fixture
def pg_tenant(pg_services: Services, pg_servers: list[Server], http: httpx.Client) -> Tenant:
    """A fresh Entra directory served by all three PostgreSQL servers."""
    created = pg_services.directories.create("concurrency test", "entra")
    return Tenant(created.directory.id, created.secret, pg_servers, http)


def user_body(user_name: str) -> dict[str, Any]:
    """A SCIM User with what the Entra preset requires (displayName, work e-mail)."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": f"ext-{user_name}",
        "displayName": user_name.split("@", maxsplit=1)[0],
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
    }


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    """A SCIM PatchOp body."""
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": list(operations),
    }
