"""Fixtures: scimdir's own server in process (SQLite), and Entra-side sample data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.mapping.mappings import AttributeMapping, load_mappings, preset_text
from scimdir.settings import Settings
from scimdir.simulator import EntraClient, Simulator
from scimdir.web.app import create_app


@dataclass
class Endpoint:
    """A scimdir directory served in process: the HTTP client, tenant URL and secret."""

    http: TestClient
    services: Services
    directory_id: str
    secret: str

    @property
    def tenant_url(self) -> str:
        return f"http://testserver/scim/{self.directory_id}/v2"

    def get(self, path: str, **params: str) -> Any:
        """GET a SCIM path as an admin would, to check what the simulator did."""
        response = self.http.get(
            self.tenant_url + path,
            params=params,
            headers={"Authorization": f"Bearer {self.secret}"},
        )
        return response

    def find_user(self, user_name: str) -> list[dict[str, Any]]:
        body = self.get("/Users", filter=f'userName eq "{user_name}"').json()
        resources: list[dict[str, Any]] = body["Resources"]
        return resources

    def member_names(self, display_name: str) -> list[str]:
        found = self.get("/Groups", filter=f'displayName eq "{display_name}"').json()
        group_id = found["Resources"][0]["id"]
        group = self.get(f"/Groups/{group_id}").json()
        ids = [member["value"] for member in group.get("members", [])]
        return sorted(self.get(f"/Users/{i}").json()["userName"] for i in ids)


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'scimdir.db'}", public_url="https://scim.example.test"
    )
    app = create_app(settings)
    with TestClient(app) as http:
        services: Services = app.state.services
        created = services.directories.create("Entra simulation", "entra")
        yield Endpoint(http, services, created.directory.id, created.secret)


def recommended() -> list[AttributeMapping]:
    return load_mappings(preset_text("entra-recommended"))


def simulator(endpoint: Endpoint, *, rfc_flag: bool = False, **options: Any) -> Simulator:
    client = EntraClient(endpoint.http, endpoint.tenant_url, endpoint.secret, rfc_flag=rfc_flag)
    mappings = options.pop("mappings", None) or recommended()
    return Simulator(
        client, mappings, new_guid=lambda: "7d420df3-9995-4831-a406-ecf8166f5f6a", **options
    )


ALICE = {
    "objectId": "oid-alice",
    "userPrincipalName": "alice@contoso.com",
    "mail": "alice@contoso.com",
    "givenName": "Alice",
    "surname": "Smith",
    "displayName": "Alice Smith",
}
BOB = {
    "objectId": "oid-bob",
    "userPrincipalName": "bob@contoso.com",
    "givenName": "Bob",
    "surname": "Lee",
}
CAROL = {
    "objectId": "oid-carol",
    "userPrincipalName": "carol@contoso.com",
    "displayName": "Carol King",
    "mail": "carol@contoso.com",
}
DAVE = {
    "objectId": "oid-dave",
    "userPrincipalName": "dave@contoso.com",
    "displayName": "Dave",
    "accountEnabled": False,
}
