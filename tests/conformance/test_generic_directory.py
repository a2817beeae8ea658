"""A generic directory takes any conformant client's requests, and is liberal where it is safe."""

from __future__ import annotations

from tests.web.conftest import Tenant

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _quirks_logged(tenant: Tenant) -> list[tuple[str, int, tuple[str, ...]]]:
    tenant.services.log_sink.flush()
    rows = tenant.services.directories.log(tenant.id)
    return [(row.method, row.status, row.quirks) for row in reversed(rows)]


def test_generic_directory_requires_only_username(generic: Tenant) -> None:
    """RFC 7643 §4.1 requires userName alone, and so does the generic preset."""
    assert generic.post("/Users", {"schemas": [USER], "userName": "bare"}).status_code == 201


def test_entra_directory_still_requires_display_name_and_email(entra: Tenant) -> None:
    """The Entra preset keeps the product's requirements, naming the missing attributes."""
    response = entra.post("/Users", {"schemas": [USER], "userName": "bare"})
    assert response.status_code == 400
    assert "displayName, email" in response.json()["detail"]


def test_patch_without_schemas_is_applied_and_logged_as_a_quirk(generic: Tenant) -> None:
    """A PATCH lacking schemas answers 200 and its log row names lenient.patch-without-schemas."""
    uid = generic.post("/Users", {"schemas": [USER], "userName": "p"}).json()["id"]
    ops = [{"op": "replace", "path": "nickName", "value": "Pat"}]
    response = generic.patch(f"/Users/{uid}", {"Operations": ops})
    assert response.status_code == 200, response.text
    assert response.json()["nickName"] == "Pat"
    assert ("PATCH", 200, ("lenient.patch-without-schemas",)) in _quirks_logged(generic)


def test_patch_on_the_extension_urn_with_its_own_schemas(generic: Tenant) -> None:
    """add on the enterprise URN with {"schemas": [URN], ...} (python-scim's shape) applies."""
    uid = generic.post("/Users", {"schemas": [USER], "userName": "e"}).json()["id"]
    op = {"op": "add", "path": ENT, "value": {"schemas": [ENT], "department": "R&D"}}
    response = generic.patch(f"/Users/{uid}", {"schemas": [PATCH_OP], "Operations": [op]})
    assert response.status_code == 200, response.text
    assert response.json()[ENT] == {"department": "R&D"}
    assert ("PATCH", 200, ("lenient.extension-object-schemas",)) in _quirks_logged(generic)


def test_get_with_attributes_returns_meta_whole_and_matching_the_etag(generic: Tenant) -> None:
    """GET /Users/{id}?attributes=externalId keeps meta whole; meta.version equals the ETag."""
    created = generic.post("/Users", {"schemas": [USER], "userName": "m", "externalId": "x1"})
    response = generic.get(f"/Users/{created.json()['id']}", params={"attributes": "externalId"})
    body = response.json()
    assert sorted(body) == ["externalId", "id", "meta", "schemas"]
    assert body["meta"] == created.json()["meta"]
    assert body["meta"]["version"] == response.headers["ETag"]
