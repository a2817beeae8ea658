"""POST /.search at the root searches Users and Groups together (RFC 7644 §3.4.3, §3.4.2.1)."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Tenant

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _seed(tenant: Tenant) -> None:
    for name in ("ann", "bob", "cyd"):
        body = {"schemas": [USER], "userName": name, "displayName": name.title()}
        assert tenant.post("/Users", body).status_code == 201
    for name in ("Ann", "Staff"):
        assert tenant.post("/Groups", {"schemas": [GROUP], "displayName": name}).status_code == 201


def _search(tenant: Tenant, **params: Any) -> Any:
    response = tenant.post("/.search", {"schemas": [SEARCH], **params})
    assert response.status_code == 200, response.text
    return response.json()


def _names(page: Any) -> list[str]:
    return [r.get("userName") or r["displayName"] for r in page["Resources"]]


def test_root_search_lists_users_then_groups_with_one_total(generic: Tenant) -> None:
    """Without parameters: every user, then every group, totalResults counting both."""
    _seed(generic)
    page = _search(generic, sortBy="displayName")
    assert page["totalResults"] == 5
    assert _names(page) == ["ann", "bob", "cyd", "Ann", "Staff"]
    assert [r["meta"]["resourceType"] for r in page["Resources"]] == ["User"] * 3 + ["Group"] * 2


def test_root_search_pages_across_the_user_group_boundary(generic: Tenant) -> None:
    """startIndex and count page through users and groups as one list."""
    _seed(generic)
    page = _search(generic, sortBy="displayName", startIndex=3, count=2)
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 3, 2)
    assert _names(page) == ["cyd", "Ann"]
    last = _search(generic, sortBy="displayName", startIndex=5, count=10)
    assert _names(last) == ["Staff"]
    assert _search(generic, count=0)["Resources"] == []


def test_root_filter_on_an_attribute_one_type_lacks_is_false_there(generic: Tenant) -> None:
    """userName is no group attribute: groups never match it; displayName matches in both."""
    _seed(generic)
    assert _names(_search(generic, filter='userName sw "a"')) == ["ann"]
    both = _search(generic, filter='displayName eq "Ann" or userName eq "bob"', sortBy="id")
    assert sorted(_names(both)) == ["Ann", "ann", "bob"]
    negated = _search(generic, filter='not (userName eq "ann")')
    assert sorted(_names(negated)) == ["Ann", "Staff", "bob", "cyd"]


def test_root_filter_on_an_attribute_no_type_has_is_refused(generic: Tenant) -> None:
    """A typo is a 400 invalidFilter naming it, not an empty list."""
    response = generic.post("/.search", {"schemas": [SEARCH], "filter": 'shoeSize eq "9"'})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert "shoeSize" in response.json()["detail"]


def test_root_attributes_apply_per_type(generic: Tenant) -> None:
    """attributes=userName returns users' userName and groups reduced to id, schemas and meta."""
    _seed(generic)
    page = _search(generic, attributes=["userName"], filter='displayName eq "Ann"')
    by_type = {r["meta"]["resourceType"]: sorted(r) for r in page["Resources"]}
    assert by_type == {
        "User": ["id", "meta", "schemas", "userName"],
        "Group": ["id", "meta", "schemas"],
    }
    bad = generic.post("/.search", {"schemas": [SEARCH], "attributes": ["shoeSize"]})
    assert (bad.status_code, bad.json()["scimType"]) == (400, "invalidValue")


def test_root_search_needs_the_secret(generic: Tenant) -> None:
    """The root search is authenticated like every other SCIM endpoint."""
    response = generic.client.post(generic.url("/.search"), json={"schemas": [SEARCH]})
    assert response.status_code == 401
