"""Tenancy, authentication and concurrency control at the HTTP boundary."""

from __future__ import annotations

import base64
from datetime import timedelta

from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.devtools.entra_bodies import entra_user
from tests.web.conftest import Tenant, make_tenant
from tests.web.test_entra_conformance import create_user, patch_body


def test_one_directorys_secret_never_opens_another(
    entra: Tenant, app_services: tuple[TestClient, Services]
) -> None:
    """The secret of directory A gets 401 on directory B, and on an unknown tenant alike."""
    other = make_tenant(*app_services)
    wrong = {"Authorization": f"Bearer {entra.secret}"}
    on_other = other.client.get(other.url("/Users"), headers=wrong)
    on_unknown = entra.client.get("/scim/doesnotexist/v2/Users", headers=wrong)
    assert on_other.status_code == 401
    assert on_unknown.status_code == 401
    assert on_other.json() == on_unknown.json()


def test_users_of_one_directory_are_invisible_to_another(
    entra: Tenant, app_services: tuple[TestClient, Services]
) -> None:
    """Another directory cannot read, find, patch or delete a user by its id."""
    user = create_user(entra, "private@contoso.com")
    other = make_tenant(*app_services)
    assert other.get(f"/Users/{user['id']}").status_code == 404
    assert other.get('/Users?filter=userName eq "private@contoso.com"').json()["totalResults"] == 0
    assert other.delete(f"/Users/{user['id']}").status_code == 404
    assert entra.get(f"/Users/{user['id']}").status_code == 200


def test_member_from_another_directory_is_refused(
    entra: Tenant, app_services: tuple[TestClient, Services]
) -> None:
    """A member id that belongs to another directory is refused like an unknown one."""
    other = make_tenant(*app_services)
    foreign = create_user(other, "foreign@contoso.com")["id"]
    group = entra.post(
        "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"}
    ).json()["id"]
    response = entra.patch(
        f"/Groups/{group}",
        patch_body({"op": "add", "path": "members", "value": [{"value": foreign}]}),
    )
    assert response.status_code == 400
    assert foreign in response.json()["detail"]


def test_basic_auth_with_tenant_id_as_user_name(entra: Tenant) -> None:
    """HTTP Basic with the tenant id and the secret opens the directory; another user name fails."""
    good = base64.b64encode(f"{entra.id}:{entra.secret}".encode()).decode()
    bad = base64.b64encode(f"someone:{entra.secret}".encode()).decode()
    assert (
        entra.client.get(
            entra.url("/Users"), headers={"Authorization": f"Basic {good}"}
        ).status_code
        == 200
    )
    assert (
        entra.client.get(entra.url("/Users"), headers={"Authorization": f"Basic {bad}"}).status_code
        == 401
    )


def test_rotated_secret_with_overlap_keeps_both_working(entra: Tenant) -> None:
    """During a rotation with overlap both secrets work; without overlap the old one stops."""
    new = entra.services.directories.rotate_secret(entra.id, timedelta(hours=1))
    for secret in (entra.secret, new):
        r = entra.client.get(entra.url("/Users"), headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 200
    newest = entra.services.directories.rotate_secret(entra.id)
    for secret, status in ((entra.secret, 401), (new, 401), (newest, 200)):
        r = entra.client.get(entra.url("/Users"), headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == status


def test_if_match_with_a_stale_etag_gets_412(entra: Tenant) -> None:
    """A PATCH with an If-Match naming an old version is refused with 412; the current one works."""
    user = create_user(entra, "etag@contoso.com")
    old = user["meta"]["version"]
    first = entra.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "replace", "path": "displayName", "value": "One"}),
        headers={"If-Match": old},
    )
    assert first.status_code == 200
    assert first.headers["etag"] != old
    stale = entra.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "replace", "path": "displayName", "value": "Two"}),
        headers={"If-Match": old},
    )
    assert stale.status_code == 412
    assert entra.get(f"/Users/{user['id']}").json()["displayName"] == "One"


def test_secret_is_not_stored_in_clear(entra: Tenant) -> None:
    """The stored secret is a hash that does not contain the secret."""
    with entra.services.storage.transaction() as tx:
        stored = tx.list_secrets(entra.id)
    assert len(stored) == 1
    assert entra.secret not in stored[0].secret_hash
    assert stored[0].secret_hash.startswith("sha256$")


def test_password_is_accepted_and_never_returned(okta: Tenant) -> None:
    """Okta's placeholder password on create is accepted and never appears in a response."""
    body = entra_user("pw@example.com", password="t1meMa$heen")
    response = okta.post("/Users", body)
    assert response.status_code == 201
    assert "password" not in response.json()
    assert "t1meMa$heen" not in okta.get(f"/Users/{response.json()['id']}").text


def test_if_none_match_with_the_current_etag_gets_304(entra: Tenant) -> None:
    """A GET naming the current version in If-None-Match answers 304; an old one gets the body."""
    user = create_user(entra, "cache@contoso.com")
    current = user["meta"]["version"]
    same = entra.get(f"/Users/{user['id']}", headers={"If-None-Match": current})
    assert same.status_code == 304
    assert same.content == b""
    other = entra.get(f"/Users/{user['id']}", headers={"If-None-Match": 'W/"0"'})
    assert other.status_code == 200
    assert other.json()["id"] == user["id"]


def test_secret_last_use_is_recorded_after_a_read(entra: Tenant) -> None:
    """A GET authenticates in its read snapshot; the secret's last use is recorded in the next
    batch."""
    assert entra.get("/Users").status_code == 200
    entra.services.directories.flush_last_use()
    live = entra.services.directories.live_secrets(entra.id)
    assert live[0].last_used is not None
