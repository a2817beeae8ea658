"""Every management API route needs an admin API key: 401 without a live key, 403 for another
role; the key's last use is recorded without slowing or rewriting anything."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from .conftest import Api, Directory, problem


def _operations(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document, ids filled with a placeholder."""
    document = client.get("/api/v1/openapi.json").json()
    found = []
    for path, operations in document["paths"].items():
        concrete = "/api/v1" + path.replace("{directory_id}", "d1").replace(
            "{user_id}", "u1"
        ).replace("{group_id}", "g1").replace("{subscription_id}", "s1")
        found.extend((method.upper(), concrete) for method in operations)
    return found


def _call(api: Api, method: str, url: str, headers: dict[str, str]) -> Any:
    return api.client.request(method, url, headers=headers, json={})


def test_every_route_refuses_a_request_without_a_key(api: Api) -> None:
    """No Authorization header: 401 problem with a Bearer challenge on every route."""
    operations = _operations(api.client)
    assert len(operations) >= 12
    for method, url in operations:
        response = _call(api, method, url, {})
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


# What a reader key of the directory may read (the rest is the admin's).
_READABLE = ("/log", "/problems", "/health", "/events")


def test_every_route_refuses_a_reader_key(api: Api, directory: Directory) -> None:
    """A reader key (bound to a directory) gets 403 on every admin route, even its own."""
    reader = api.services.api_keys.create("app", "reader", directory.id).key
    for method, url in _operations(api.client):
        if url.startswith("/api/v1/directories/") and url.endswith(_READABLE):
            continue
        own = url.replace("/d1", f"/{directory.id}")
        body = problem(_call(api, method, own, {"Authorization": f"Bearer {reader}"}), 403)
        assert "admin" in body["detail"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer scimdir_key_wrong",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        "scimdir_key_no_scheme",
    ],
)
def test_a_wrong_key_is_401(api: Api, authorization: str) -> None:
    """An unknown key, an empty one or another scheme is 401."""
    response = api.client.get("/api/v1/directories", headers={"Authorization": authorization})
    problem(response, 401)


def test_a_revoked_key_is_401(api: Api) -> None:
    """A revoked key stops working at once."""
    created = api.services.api_keys.create("soon revoked", "admin")
    headers = {"Authorization": f"Bearer {created.key}"}
    assert api.client.get("/api/v1/directories", headers=headers).status_code == 200
    api.services.api_keys.revoke(created.record.id)
    body = problem(api.client.get("/api/v1/directories", headers=headers), 401)
    assert "revoked" in body["detail"]


def test_a_directory_secret_is_not_an_api_key(api: Api, directory: Directory) -> None:
    """A directory's SCIM secret does not open the management API."""
    headers = {"Authorization": f"Bearer {directory.secret}"}
    problem(api.client.get(directory.url(), headers=headers), 401)


def test_last_use_is_recorded(api: Api) -> None:
    """A request with a key records its last use (after the response)."""
    created = api.services.api_keys.create("used", "admin")
    [before] = [k for k in api.services.api_keys.list_all() if k.id == created.record.id]
    api.client.get("/api/v1/directories", headers={"Authorization": f"Bearer {created.key}"})
    [after] = [k for k in api.services.api_keys.list_all() if k.id == created.record.id]
    assert (before.last_used, after.last_used is not None) == (None, True)
