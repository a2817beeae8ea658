"""A ``reader`` API key reads its directory over SCIM: every GET and search, never a write, and
no other directory (the same 401 as a wrong secret)."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from scimdir.cli.main import cli
from scimdir.cli.state import CliState
from scimdir.composition import Services
from scimdir.devtools.entra_bodies import entra_user

from .conftest import Tenant, make_tenant

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _reader(t: Tenant) -> dict[str, str]:
    key = t.services.api_keys.create("reporting app", "reader", t.id).key
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def seeded(entra: Tenant) -> tuple[Tenant, str, str]:
    """A directory with alice and bob, and a group holding alice; returns (tenant, alice, group)."""
    alice = entra.post("/Users", entra_user("alice@contoso.com")).json()["id"]
    entra.post("/Users", entra_user("bob@contoso.com"))
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Staff",
        "members": [{"value": alice}],
    }
    group = entra.post("/Groups", body).json()["id"]
    return entra, alice, group


def test_a_reader_key_reads_users_groups_filters_paging_and_discovery(
    seeded: tuple[Tenant, str, str],
) -> None:
    """GET Users (filter, paging), one User, Groups, .search and discovery: as with the secret."""
    t, alice, group = seeded
    headers = _reader(t)
    found = t.get("/Users", headers=headers, params={"filter": 'userName eq "alice@contoso.com"'})
    assert [u["id"] for u in found.json()["Resources"]] == [alice]
    page = t.get("/Users", headers=headers, params={"startIndex": 2, "count": 1}).json()
    assert (page["totalResults"], page["startIndex"], len(page["Resources"])) == (2, 2, 1)
    assert t.get(f"/Users/{alice}", headers=headers).json()["userName"] == "alice@contoso.com"
    assert t.get(f"/Groups/{group}", headers=headers).json()["members"][0]["value"] == alice
    assert t.get("/Groups", headers=headers).json()["totalResults"] == 1
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    assert t.post("/Users/.search", search, headers=headers).json()["totalResults"] == 2
    for path in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas"):
        assert t.get(path, headers=headers).status_code == 200, path


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_with_a_reader_key_is_403_and_changes_nothing(
    seeded: tuple[Tenant, str, str], method: str
) -> None:
    """A write with a reader key: 403 SCIM error saying reader keys are read-only; no change."""
    t, alice, _ = seeded
    path, body = {
        "POST": ("/Users", entra_user("carol@contoso.com")),
        "PUT": (f"/Users/{alice}", entra_user("alice@contoso.com", displayName="Changed")),
        "PATCH": (
            f"/Users/{alice}",
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        ),
        "DELETE": (f"/Users/{alice}", None),
    }[method]
    response = t.client.request(method, t.url(path), json=body, headers=_reader(t))
    assert response.status_code == 403
    error: dict[str, Any] = response.json()
    assert error["schemas"] == [ERROR_SCHEMA] and error["status"] == "403"
    assert "read-only" in error["detail"]
    after = t.get(f"/Users/{alice}").json()
    assert (after["active"], after["displayName"]) == (True, "Alice")
    assert t.get("/Users").json()["totalResults"] == 2


def test_a_reader_key_opens_no_other_directory(
    app_services: tuple[TestClient, Services], entra: Tenant
) -> None:
    """Another directory, an admin key, a revoked reader key: the 401 of a wrong secret."""
    other = make_tenant(*app_services)
    assert other.get("/Users", headers=_reader(entra)).status_code == 401
    admin = entra.services.api_keys.create("ops", "admin").key
    assert entra.get("/Users", headers={"Authorization": f"Bearer {admin}"}).status_code == 401
    revoked = entra.services.api_keys.create("old", "reader", entra.id)
    entra.services.api_keys.revoke(revoked.record.id)
    response = entra.get("/Users", headers={"Authorization": f"Bearer {revoked.key}"})
    assert response.status_code == 401
    assert response.json()["schemas"] == [ERROR_SCHEMA]


def test_the_cli_creates_a_reader_key_that_reads_over_scim(
    app_services: tuple[TestClient, Services], entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scimdir api-key create --role reader --directory ID --json prints a key SCIM accepts."""
    _, services = app_services
    url = str(cast(Any, services.storage).engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", url)
    state = CliState()
    result = CliRunner().invoke(
        cli,
        [
            "api-key",
            "create",
            "--name",
            "app",
            "--role",
            "reader",
            "--directory",
            entra.id,
            "--json",
        ],
        obj=state,
    )
    state.services.storage.dispose()
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"id", "name", "role", "directory", "key"}
    assert (out["role"], out["directory"]) == ("reader", entra.id)
    response = entra.get("/Users", headers={"Authorization": f"Bearer {out['key']}"})
    assert response.status_code == 200
