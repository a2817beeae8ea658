"""Bad input gets a clear SCIM error, never a 500 or a traceback."""

from __future__ import annotations

import pytest

from tests.web.conftest import Tenant


def test_invalid_json_body_is_400_invalid_syntax(entra: Tenant) -> None:
    """A body that is not JSON answers 400 invalidSyntax naming the position."""
    response = entra.client.post(
        entra.url("/Users"),
        content=b'{"userName": ',
        headers={
            "Authorization": f"Bearer {entra.secret}",
            "Content-Type": "application/scim+json",
        },
    )
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"


def test_filter_on_unindexed_attribute_is_invalid_filter(entra: Tenant) -> None:
    """A filter naming an attribute we cannot filter on is refused, never silently ignored."""
    response = entra.get('/Users?filter=nickName eq "CEO"')
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert "nickName" in response.json()["detail"]


@pytest.mark.parametrize(
    "text",
    ["userName eq", 'userName xx "a"', '(userName eq "a"', 'emails[type eq "work"', "]", "not"],
)
def test_malformed_filters_are_invalid_filter(entra: Tenant, text: str) -> None:
    """Syntax errors in filters answer 400 invalidFilter."""
    response = entra.get("/Users", params={"filter": text})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


@pytest.mark.parametrize(
    "body",
    [[], "text", 42, {"Operations": "x"}, {"schemas": [], "Operations": []}, None],
)
def test_malformed_patch_bodies_get_400(entra: Tenant, body: object) -> None:
    """Any malformed PATCH body answers 400 with the SCIM error schema."""
    user = entra.post(
        "/Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "x@y.z",
            "displayName": "X",
            "emails": [{"value": "x@y.z", "type": "work"}],
        },
    ).json()
    response = entra.patch(f"/Users/{user['id']}", body)
    assert response.status_code == 400
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_unknown_patch_op_is_refused(entra: Tenant) -> None:
    """An op other than add/remove/replace is an error, never ignored."""
    group = entra.post(
        "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"}
    ).json()["id"]
    response = entra.patch(
        f"/Groups/{group}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "merge", "path": "displayName", "value": "H"}],
        },
    )
    assert response.status_code == 400
    assert "merge" in response.json()["detail"]


def test_bad_count_is_invalid_value(entra: Tenant) -> None:
    """A non-integer count answers 400 invalidValue."""
    response = entra.get("/Users?count=ten")
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"


def test_discovery_publishes_patch_and_bulk(entra: Tenant) -> None:
    """ServiceProviderConfig says what we support: PATCH, filter with our maximum, bulk."""
    spc = entra.get("/ServiceProviderConfig").json()
    assert spc["patch"] == {"supported": True}
    assert spc["bulk"]["supported"] is True
    assert spc["filter"] == {"supported": True, "maxResults": 1000}
    types = entra.get("/ResourceTypes").json()
    assert sorted(r["id"] for r in types["Resources"]) == ["Group", "User"]
    user_schema = entra.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    assert user_schema["name"] == "User"
