"""Errors built from client input quote it shortened: no request is echoed back whole."""

from __future__ import annotations

from scimdir.devtools.entra_bodies import entra_user
from tests.web.conftest import Tenant

MEGABYTE = 1_000_000


def test_a_megabyte_attribute_name_is_refused_without_echoing_it(entra: Tenant) -> None:
    """A 1 MB unknown attribute name gets 400 invalidValue whose detail quotes 60 characters."""
    name = "x" * MEGABYTE
    response = entra.post("/Users", {**entra_user("echo@contoso.com"), name: 1})
    assert response.status_code == 400
    body = response.json()
    assert body["scimType"] == "invalidValue"
    assert "(1000000 characters)" in body["detail"]
    assert len(response.content) < 2_000


def test_a_huge_filter_path_and_sort_key_are_not_echoed(entra: Tenant) -> None:
    """An unknown attribute in a filter, a PATCH path and sortBy is quoted shortened."""
    long = "a" * 5_000
    for response in (
        entra.get("/Users", params={"filter": f'{long} eq "x"'}),
        entra.get("/Users", params={"sortBy": long}),
        entra.patch(
            "/Users/nobody",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": long, "value": 1}],
            },
        ),
    ):
        assert 400 <= response.status_code < 500
        assert len(response.json()["detail"]) < 1_000
