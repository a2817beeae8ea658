"""`/api/v1/directories/{id}/schemas`: declare, list, show and remove extension schemas."""

from __future__ import annotations

from typing import Any

from .conftest import Api, Directory, problem

ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
BODY: dict[str, Any] = {
    "urn": ACME,
    "resourceType": "User",
    "attributes": [
        {"name": "costCenter"},
        {"name": "level", "type": "integer", "required": True},
        {"name": "tags", "multiValued": True},
    ],
}


def test_declare_list_show_and_remove(api: Api, directory: Directory) -> None:
    """POST declares (201, the stored form), GET lists and shows it, DELETE removes it (204)."""
    created = api.post(directory.url("/schemas"), BODY)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["urn"] == ACME and body["resourceType"] == "User"
    assert body["attributes"][1] == {
        "name": "level",
        "type": "integer",
        "multiValued": False,
        "caseExact": False,
        "required": True,
        "uniqueness": "none",
        "description": "",
    }
    listed = api.get(directory.url("/schemas")).json()["data"]
    assert [s["urn"] for s in listed] == [ACME]
    assert api.get(directory.url(f"/schemas/{ACME}")).json()["attributes"][0]["name"] == (
        "costCenter"
    )
    published = directory.scim("GET", f"/Schemas/{ACME}")
    assert published.status_code == 200
    assert api.delete(directory.url(f"/schemas/{ACME}")).status_code == 204
    assert api.get(directory.url("/schemas")).json()["data"] == []
    assert directory.scim("GET", f"/Schemas/{ACME}").status_code == 404


def test_refusals_are_problems(api: Api, directory: Directory) -> None:
    """A bad URN is 400 naming it, a second declaration 409, an unknown URN or directory 404,
    a wrong type 422."""
    bad = problem(api.post(directory.url("/schemas"), {**BODY, "urn": "acme"}), 400)
    assert "not a URN" in bad["detail"]
    core = {**BODY, "urn": "urn:ietf:params:scim:schemas:core:2.0:User"}
    assert "scimdir defines" in problem(api.post(directory.url("/schemas"), core), 400)["detail"]
    api.post(directory.url("/schemas"), BODY)
    assert "already declared" in problem(api.post(directory.url("/schemas"), BODY), 409)["detail"]
    problem(api.get(directory.url(f"/schemas/{ACME}x")), 404)
    problem(api.delete(directory.url(f"/schemas/{ACME}x")), 404)
    problem(api.get("/api/v1/directories/nope/schemas"), 404)
    wrong = {**BODY, "attributes": [{"name": "a", "type": "complex"}]}
    problem(api.post(directory.url("/schemas"), wrong), 422)


def test_the_routes_are_in_the_openapi_document(api: Api) -> None:
    """The schema routes and their models are published."""
    document = api.get("/api/v1/openapi.json").json()
    assert "/directories/{directory_id}/schemas" in document["paths"]
    assert "/directories/{directory_id}/schemas/{urn}" in document["paths"]
    assert "ExtensionSchemaIn" in document["components"]["schemas"]
