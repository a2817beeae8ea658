"""A request in another IdP's dialect is refused naming the directory's IdP and the fix, and a
strict directory refuses the shapes only an IdP's own dialect accepts (docs/idp/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scimdir.composition import Services

from .conftest import Tenant, make_tenant

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "idp"
REPLACE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "Replace", "path": "displayName", "value": "X"}],
}


def _user(t: Tenant, name: str = "dm") -> str:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "displayName": name,
        "emails": [{"value": f"{name}@example.com", "type": "work"}],
    }
    response = t.post("/Users", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("idp", ["okta", "generic", "jumpcloud", "onelogin"])
@pytest.mark.parametrize("resource", ["Users", "Groups"])
def test_entra_replace_elsewhere_names_the_idp_and_how_to_change_it(
    app_services: tuple[TestClient, Services], idp: str, resource: str
) -> None:
    """Entra's "Replace" at a non-Entra directory: 400 naming its IdP, the CLI and API fix."""
    t = make_tenant(*app_services, idp=idp)
    if resource == "Users":
        target = _user(t)
    else:
        group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g"}
        created = t.post("/Groups", group)
        target = str(created.json()["id"])
    response = t.patch(f"/{resource}/{target}", REPLACE)
    assert response.status_code == 400
    error = response.json()
    assert error["scimType"] == "invalidSyntax"
    assert f"set to the {idp} identity provider" in error["detail"]
    assert f"scimdir directory set {t.id} idp entra" in error["detail"]
    assert f"PATCH /api/v1/directories/{t.id}" in error["detail"]
    t.services.log_sink.flush()
    entry = t.services.log.query(t.id, limit=1).entries[0]
    assert entry.problem == "dialect_mismatch"
    assert entry.fix is not None and f"scimdir directory set {t.id} idp entra" in entry.fix


def test_after_changing_the_idp_the_same_request_is_accepted(
    app_services: tuple[TestClient, Services],
) -> None:
    """The fix the detail names works: set the IdP to entra and the Replace applies."""
    t = make_tenant(*app_services, idp="okta")
    user = _user(t)
    assert t.patch(f"/Users/{user}", REPLACE).status_code == 400
    t.services.directories.update(t.id, idp="entra")
    assert t.patch(f"/Users/{user}", REPLACE).status_code == 200
    assert t.get(f"/Users/{user}").json()["displayName"] == "X"


@pytest.mark.parametrize(
    "name", ["update_user_put_legacy_urns.json", "create_user_emails_object.json"]
)
def test_onelogin_shapes_are_refused_by_the_strict_generic_dialect(
    app_services: tuple[TestClient, Services], name: str
) -> None:
    """generic is strict RFC 7644: OneLogin's legacy URNs and emails object are a 400 there."""
    t = make_tenant(*app_services, idp="generic")
    user = _user(t)
    fixture = json.loads((FIXTURES / "onelogin" / name).read_text())
    path = fixture["path"].replace("{id}", user)
    send = t.put if fixture["method"] == "PUT" else t.post
    response = send(path, fixture["body"])
    assert response.status_code == 400, response.text
