"""Published request limits over the API, on SQLite and PostgreSQL: refused with a 400 that
names the limit, checked before the dialect expands the request or a transaction starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app
from tests.web.conftest import Tenant, make_tenant
from tests.web.test_entra_conformance import create_group, create_user, patch_body


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def small(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tenant]:
    """An Entra directory on a server with small request limits."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'limits.db'}"
    settings = Settings(
        database_url=url,
        db_pool_size=2,
        max_operations=3,
        max_values_per_attribute=4,
        max_members_per_request=5,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        yield make_tenant(client, app.state.services)
    app.state.services.storage.dispose()


def _refusal(response: Any, scim_type: str, fragment: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["scimType"] == scim_type
    assert fragment in body["detail"], body["detail"]


def _emails(n: int, prefix: str = "e") -> list[dict[str, str]]:
    return [{"value": f"{prefix}{i}@contoso.com", "type": "other"} for i in range(n)]


def test_too_many_values_in_a_patch_are_refused_and_nothing_changes(small: Tenant) -> None:
    """Five e-mails in one PATCH over a limit of four: 400 naming the limit, user unchanged."""
    user = create_user(small, "vals@contoso.com")
    op = {"op": "add", "path": "emails", "value": _emails(5)}
    _refusal(small.patch(f"/Users/{user['id']}", patch_body(op)), "invalidValue", "at most 4")
    assert small.get(f"/Users/{user['id']}").json()["emails"] == user["emails"]


def test_a_patch_may_not_grow_emails_past_the_limit(small: Tenant) -> None:
    """Three e-mails added to a user holding one are accepted; one more is refused."""
    user = create_user(small, "grow@contoso.com")
    ok = small.patch(
        f"/Users/{user['id']}", patch_body({"op": "add", "path": "emails", "value": _emails(3)})
    )
    assert ok.status_code == 200, ok.text
    more = patch_body({"op": "add", "path": "emails", "value": _emails(1, "x")})
    _refusal(small.patch(f"/Users/{user['id']}", more), "invalidValue", "would hold 5 values")


def test_too_many_values_in_a_post_are_refused(small: Tenant) -> None:
    """A POST whose emails exceed the limit is refused before anything is written."""
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "many@contoso.com",
        "displayName": "Many",
        "emails": _emails(5),
    }
    _refusal(
        small.post("/Users", body), "invalidValue", "carries 5 values; scimdir accepts at most 4"
    )
    found = small.get('/Users?filter=userName eq "many@contoso.com"').json()
    assert found["totalResults"] == 0


def test_too_many_members_per_request_are_refused(small: Tenant) -> None:
    """Six members in a group PATCH, PUT or POST over a limit of five: 400 naming the limit."""
    group = create_group(small, "Members")
    members = [{"value": f"m{i}"} for i in range(6)]
    add = patch_body({"op": "Add", "path": "members", "value": members})
    _refusal(small.patch(f"/Groups/{group}", add), "invalidValue", "at most 5 members per request")
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "M2"}
    _refusal(small.post("/Groups", {**body, "members": members}), "invalidValue", "at most 5")
    _refusal(
        small.put(f"/Groups/{group}", {**body, "members": members}), "invalidValue", "at most 5"
    )


def test_entra_member_removal_is_counted_before_it_expands(small: Tenant) -> None:
    """Entra's value-array removal of four members is one operation (limit three), not four;
    six members in it are refused by the member limit before it becomes six operations."""
    ids = [create_user(small, f"r{i}@contoso.com")["id"] for i in range(4)]
    group = create_group(small, "Removal")
    value = [{"value": i} for i in ids]
    added = small.patch(
        f"/Groups/{group}", patch_body({"op": "Add", "path": "members", "value": value})
    )
    assert added.status_code == 204, added.text
    remove = patch_body({"op": "Remove", "path": "members", "value": value})
    assert small.patch(f"/Groups/{group}", remove).status_code == 204
    assert small.get(f"/Groups/{group}").json().get("members", []) == []
    six = patch_body(
        {"op": "Remove", "path": "members", "value": [{"value": f"x{i}"} for i in range(6)]}
    )
    _refusal(small.patch(f"/Groups/{group}", six), "invalidValue", "names 6 members")


def test_operation_count_is_refused_before_any_operation_is_parsed(small: Tenant) -> None:
    """Four operations over a limit of three answer the count, even if the first path is bad."""
    user = create_user(small, "count@contoso.com")
    ops = [{"op": "replace", "path": "emails[", "value": "x"}] * 4
    _refusal(
        small.patch(f"/Users/{user['id']}", patch_body(*ops)),
        "invalidValue",
        "at most 3 operations",
    )


def _ors(n: int) -> str:
    return " or ".join(f'userName eq "u{i}@contoso.com"' for i in range(n))


@pytest.mark.parametrize("terms", [1_100, 8_000])
def test_huge_or_filters_are_invalid_filter(entra: Tenant, terms: int) -> None:
    """1,100 and 8,000 or-terms in .search (and 1,100 in a GET) answer 400 invalidFilter."""
    _refusal(entra.post("/Users/.search", {"filter": _ors(terms)}), "invalidFilter", "published")
    if terms < 2_000:  # a longer query string is beyond what an HTTP client sends
        text = _ors(terms).replace("userName", "displayName")
        _refusal(entra.get("/Groups", params={"filter": text}), "invalidFilter", "published")


def test_a_filter_at_the_limits_is_answered(entra: Tenant) -> None:
    """200 comparisons (the default limit) are evaluated; 201 are refused naming 200."""
    user = create_user(entra, "u7@contoso.com")
    found = entra.post("/Users/.search", {"filter": _ors(200)}).json()
    assert [r["id"] for r in found["Resources"]] == [user["id"]]
    _refusal(entra.post("/Users/.search", {"filter": _ors(201)}), "invalidFilter", "at most 200")


def test_deep_or_subquery_heavy_filters_are_invalid_filter(entra: Tenant) -> None:
    """17 nested parentheses, or 11 tests of multi-valued attributes, answer 400 invalidFilter."""
    deep = "(" * 17 + 'userName eq "a"' + ")" * 17
    _refusal(entra.get("/Users", params={"filter": deep}), "invalidFilter", "at most 16 levels")
    heavy = " and ".join(f'emails.value eq "e{i}"' for i in range(11))
    _refusal(
        entra.get("/Users", params={"filter": heavy}), "invalidFilter", "at most 10 such tests"
    )


def test_service_provider_config_points_at_the_published_limits(entra: Tenant) -> None:
    """The ServiceProviderConfig's documentationUri names the published limits table."""
    config = entra.get("/ServiceProviderConfig").json()
    assert config["documentationUri"].endswith("docs/performance.md#published-limits")
    assert config["filter"] == {"supported": True, "maxResults": 1000}
