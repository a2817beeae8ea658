"""Values no database can store and look-alike identifiers get a precise 400, on SQLite and
PostgreSQL alike, never a 500 or a driver error."""

from __future__ import annotations

from typing import Any

import pytest

from scimdir.devtools.entra_bodies import entra_user
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_group, create_user, patch_body


def _refusal(response: Any, scim_type: str, fragment: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["scimType"] == scim_type
    assert fragment in body["detail"], body["detail"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('userName eq "\\ud800"', "unpaired surrogate"),
        ('userName eq "a\\u0000b"', "NUL"),
        ('meta.created gt "0001-01-01T00:00:00+01:00"', "outside the dateTime range"),
        ('meta.lastModified lt "9999-12-31T23:59:59-01:00"', "outside the dateTime range"),
    ],
)
def test_filter_values_no_database_can_compare_are_invalid_filter(
    entra: Tenant, text: str, fragment: str
) -> None:
    """A lone surrogate, NUL, or a dateTime that overflows in UTC: 400 invalidFilter."""
    _refusal(entra.get("/Users", params={"filter": text}), "invalidFilter", fragment)


def test_a_start_index_beyond_32_bits_is_invalid_value(entra: Tenant) -> None:
    """startIndex=99999999999999999999 answers 400 invalidValue naming the maximum."""
    response = entra.get("/Users", params={"startIndex": "99999999999999999999"})
    _refusal(response, "invalidValue", "startIndex must be at most 2147483647")
    assert entra.get("/Users", params={"startIndex": "2147483647"}).json()["Resources"] == []


def test_a_huge_count_is_lowered_to_the_page_maximum(entra: Tenant) -> None:
    """count=99999999999999999999 is read as the maximum page size (RFC 7644 §3.4.2.4)."""
    create_user(entra, "count@contoso.com")
    response = entra.get("/Users", params={"count": "99999999999999999999"})
    assert response.status_code == 200
    assert response.json()["itemsPerPage"] == 1


@pytest.mark.parametrize("raw", ["٣", "1_0", "1e3", "0x10", "9" * 5_000])
def test_non_decimal_or_absurd_integers_are_handled(entra: Tenant, raw: str) -> None:
    """Only ASCII decimal digits are integers; 5,000 digits are 'too large', never a 500."""
    response = entra.get("/Users", params={"startIndex": raw})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert len(response.json()["detail"]) < 300


def test_nul_in_a_username_is_refused(entra: Tenant) -> None:
    """NUL in userName (or any string) is refused, not stored (SQLite) nor a driver error (PG)."""
    _refusal(entra.post("/Users", entra_user("b\x00@contoso.com")), "invalidValue", "U+0000")
    user = create_user(entra, "nul@contoso.com")
    op = {"op": "replace", "path": "title", "value": "chief\x00"}
    _refusal(
        entra.patch(f"/Users/{user['id']}", patch_body(op)), "invalidValue", "title holds U+0000"
    )


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\x1b", "U+001B"),
        ("\u200b", "U+200B ZERO WIDTH SPACE"),
        ("\u00ad", "U+00AD SOFT HYPHEN"),
        ("\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ],
)
def test_a_look_alike_username_is_refused_by_post_put_and_patch(
    entra: Tenant, char: str, shown: str
) -> None:
    """A control or invisible character in userName: 400 invalidValue naming it and its
    position, on POST, PUT and PATCH."""
    name = f"alice{char}@contoso.com"
    expected = f"userName holds {shown} at position 6"
    _refusal(entra.post("/Users", entra_user(name)), "invalidValue", expected)
    user = create_user(entra, "alice@contoso.com")
    _refusal(entra.put(f"/Users/{user['id']}", entra_user(name)), "invalidValue", expected)
    op = {"op": "Replace", "path": "userName", "value": name}
    _refusal(entra.patch(f"/Users/{user['id']}", patch_body(op)), "invalidValue", expected)


def test_a_group_name_with_an_invisible_space_is_refused(entra: Tenant) -> None:
    """A zero-width space in a group's displayName is refused; an emoji with a joiner is not."""
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Eng\u200b"}
    _refusal(entra.post("/Groups", body), "invalidValue", "U+200B ZERO WIDTH SPACE at position 4")
    group = create_group(entra, "Eng")
    op = {"op": "Replace", "path": "displayName", "value": "\u200bEng"}
    _refusal(entra.patch(f"/Groups/{group}", patch_body(op)), "invalidValue", "at position 1")
    family = {**body, "displayName": "Family \U0001f468\u200d\U0001f469"}
    assert entra.post("/Groups", family).status_code == 201


@pytest.mark.parametrize("path", ["/Users/a%00b", "/Groups/a%00b", "/Users/%00"])
def test_nul_in_a_resource_id_is_a_scim_404(entra: Tenant, path: str) -> None:
    """An id holding NUL answers 404 for every method (PostgreSQL cannot even compare it)."""
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = entra.client.request(method, entra.url(path), headers=entra._auth({}))
        assert response.status_code == 404, (method, response.text)
        assert "NUL" in response.json()["detail"]


def test_nul_in_a_tenant_id_is_a_scim_404(entra: Tenant) -> None:
    """A tenant id holding NUL answers 404 before authentication looks it up."""
    response = entra.client.get("/scim/a%00b/v2/Users", headers={"Authorization": "Bearer x"})
    assert response.status_code == 404
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_nul_in_a_member_id_is_invalid_value(entra: Tenant) -> None:
    """A member value holding NUL, added or removed by filter, answers 400 invalidValue."""
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "N"}
    post = entra.post("/Groups", {**body, "members": [{"value": "a\x00"}]})
    _refusal(post, "invalidValue", "members[0].value holds U+0000")
    group = create_group(entra, "Nul")
    remove = {"op": "remove", "path": 'members[value eq "a\\u0000"]'}
    _refusal(entra.patch(f"/Groups/{group}", patch_body(remove)), "invalidValue", "U+0000")
