"""List and search (RFC 7644 §3.4.2, §3.4.3): filters, sorting, projection, POST .search."""

from __future__ import annotations

from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_user

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _names(body: dict[str, object]) -> list[str]:
    resources = body["Resources"]
    assert isinstance(resources, list)
    return [r["userName"] for r in resources]


def test_sort_by_username_descending(entra: Tenant) -> None:
    """sortBy=userName&sortOrder=descending orders the page by userName, descending."""
    for name in ("b@x.io", "c@x.io", "a@x.io"):
        create_user(entra, name)
    page = entra.get("/Users?sortBy=userName&sortOrder=descending").json()
    assert _names(page) == ["c@x.io", "b@x.io", "a@x.io"]


def test_full_grammar_filter(entra: Tenant) -> None:
    """or, not, sw, co and parentheses combine as RFC 7644 §3.4.2.2 says."""
    for name in ("ann@x.io", "bob@y.io", "bea@x.io"):
        create_user(entra, name)
    text = '(userName sw "b" or userName co "nn") and not (emails.value ew "y.io")'
    page = entra.get("/Users", params={"filter": text, "sortBy": "userName"}).json()
    assert _names(page) == ["ann@x.io", "bea@x.io"]


def test_attributes_and_excluded_attributes_project_the_result(entra: Tenant) -> None:
    """attributes keeps only what is named (and id, schemas, meta); excludedAttributes drops."""
    create_user(entra, "proj@x.io")
    only = entra.get("/Users?attributes=userName,name.givenName").json()["Resources"][0]
    assert sorted(only) == ["id", "meta", "name", "schemas", "userName"]
    assert only["name"] == {"givenName": "Alice"}
    without = entra.get("/Users?excludedAttributes=emails,meta").json()["Resources"][0]
    assert "emails" not in without
    assert "meta" not in without
    assert without["userName"] == "proj@x.io"


def test_post_search_takes_a_search_request_body(entra: Tenant) -> None:
    """POST /Users/.search with filter, attributes (a list) and count answers a ListResponse."""
    create_user(entra, "s1@x.io")
    create_user(entra, "s2@x.io")
    response = entra.post(
        "/Users/.search",
        {
            "schemas": [SEARCH],
            "filter": 'userName sw "s"',
            "attributes": ["userName"],
            "sortBy": "userName",
            "count": 1,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["totalResults"] == 2
    assert [sorted(r) for r in body["Resources"]] == [["id", "meta", "schemas", "userName"]]
    assert _names(body) == ["s1@x.io"]


def test_groups_attribute_in_lists_only_when_asked(entra: Tenant) -> None:
    """A user's groups appear in a list when attributes names them, and always by id."""
    user = create_user(entra, "member@x.io")
    group = entra.post(
        "/Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Team",
            "members": [{"value": user["id"]}],
        },
    ).json()
    listed = entra.get("/Users").json()["Resources"][0]
    asked = entra.get("/Users?attributes=userName,groups").json()["Resources"][0]
    assert "groups" not in listed
    assert [g["value"] for g in asked["groups"]] == [group["id"]]
    assert entra.get(f"/Users/{user['id']}").json()["groups"][0]["display"] == "Team"


def test_count_above_the_maximum_is_lowered(entra: Tenant) -> None:
    """count=5000 is served as the published maximum rather than refused."""
    create_user(entra, "max@x.io")
    page = entra.get("/Users?count=5000").json()
    assert page["itemsPerPage"] == 1
    assert entra.get("/Users?count=0").json() | {"Resources": []} == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
