"""Directory policies through the API: required attributes, user linking, deletion behaviour."""

from __future__ import annotations

from scimdir.devtools.entra_bodies import entra_user
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_user, patch_body


def test_user_without_email_is_refused_naming_the_entra_fix(entra: Tenant) -> None:
    """A user without any e-mail gets 400 invalidValue naming the attribute and the mapping."""
    body = entra_user("noemail@contoso.com")
    del body["emails"]
    response = entra.post("/Users", body)
    assert response.status_code == 400
    error = response.json()
    assert error["scimType"] == "invalidValue"
    assert "email" in error["detail"]
    assert (
        'Switch(IsPresent([mail]), , "True", [mail], "False", [userPrincipalName])'
        in error["detail"]
    )


def test_user_without_display_name_is_refused_with_the_join_fallback(entra: Tenant) -> None:
    """A missing displayName names the Join(" ", [givenName], [surname]) fallback mapping."""
    body = entra_user("nodisplay@contoso.com")
    del body["displayName"]
    response = entra.post("/Users", body)
    assert response.status_code == 400
    assert 'Join(" ", [givenName], [surname])' in response.json()["detail"]


def test_refusal_is_in_the_provisioning_log(entra: Tenant) -> None:
    """The admin sees the same refusal, with its fix, in the provisioning log."""
    body = entra_user("nolog@contoso.com")
    del body["emails"]
    entra.post("/Users", body)
    entra.services.log_sink.flush()
    rows = entra.services.directories.log(entra.id, failures_only=True)
    assert rows[0].status == 400
    assert rows[0].scim_type == "invalidValue"
    assert rows[0].detail is not None and "[userPrincipalName]" in rows[0].detail


def test_required_attributes_are_a_setting(entra: Tenant) -> None:
    """With only userName required, a user without e-mail is accepted."""
    entra.set("required_attributes", "userName")
    body = entra_user("relaxed@contoso.com")
    del body["emails"]
    assert entra.post("/Users", body).status_code == 201


def test_patch_that_empties_a_required_attribute_is_refused(entra: Tenant) -> None:
    """Removing the e-mail by PATCH is refused like a create without one; nothing changes."""
    user = create_user(entra, "keep@contoso.com")
    response = entra.patch(f"/Users/{user['id']}", patch_body({"op": "remove", "path": "emails"}))
    assert response.status_code == 400
    assert entra.get(f"/Users/{user['id']}").json()["emails"][0]["value"] == "keep@contoso.com"


def test_collision_with_local_account_without_linking_is_409_that_suggests_linking(
    entra: Tenant,
) -> None:
    """With linking off, a POST colliding with a local account answers 409 naming user_linking."""
    entra.services.directories.create_local_user(entra.id, "Local@contoso.com", "Local", None)
    response = entra.post("/Users", entra_user("local@contoso.com"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert "user_linking" in response.json()["detail"]


def test_linking_adopts_the_local_account(entra: Tenant) -> None:
    """With linking on, the POST links the local account: 201 with its id, updated from the IdP."""
    local = entra.services.directories.create_local_user(entra.id, "link@contoso.com", None, None)
    assert entra.get('/Users?filter=userName eq "link@contoso.com"').json()["totalResults"] == 0
    entra.set("user_linking", "true")
    response = entra.post("/Users", entra_user("LINK@contoso.com"))
    assert response.status_code == 201
    user = response.json()
    assert user["id"] == local.id
    assert user["userName"] == "LINK@contoso.com"
    assert user["displayName"] == "Link"
    assert entra.get('/Users?filter=userName eq "link@contoso.com"').json()["totalResults"] == 1


def test_linking_never_takes_over_a_linked_account(entra: Tenant) -> None:
    """With linking on, a POST colliding with an IdP-managed user still answers 409."""
    entra.set("user_linking", "true")
    create_user(entra, "taken@contoso.com")
    response = entra.post("/Users", entra_user("taken@contoso.com", externalId="other"))
    assert response.status_code == 409


def test_linking_matches_external_id_first(entra: Tenant) -> None:
    """An unlinked account left by a reset is found again by its externalId."""
    user = create_user(entra, "old@contoso.com")
    entra.services.directories.reset(entra.id, unlink_users=True)
    entra.set("user_linking", "true")
    response = entra.post(
        "/Users", entra_user("renamed@contoso.com", externalId=user["externalId"])
    )
    assert response.status_code == 201
    assert response.json()["id"] == user["id"]
    assert response.json()["userName"] == "renamed@contoso.com"


def test_delete_can_only_deactivate(entra: Tenant) -> None:
    """With deletion=deactivate, DELETE answers 204 and the user stays, inactive."""
    entra.set("deletion", "deactivate")
    user = create_user(entra, "soft@contoso.com")
    assert entra.delete(f"/Users/{user['id']}").status_code == 204
    after = entra.get(f"/Users/{user['id']}")
    assert after.status_code == 200
    assert after.json()["active"] is False


def test_reset_removes_provisioned_users_and_groups(entra: Tenant) -> None:
    """A reset empties the directory of what the IdP provisioned."""
    create_user(entra, "gone@contoso.com")
    users, groups = entra.services.directories.reset(entra.id)
    assert (users, groups) == (1, 0)
    assert entra.get("/Users").json()["totalResults"] == 0
