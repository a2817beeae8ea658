"""The floor app answers the benchmark's routes with constant bodies (bench/floor.py)."""

from __future__ import annotations

import asyncio
import json

import httpx
from bench.floor import app


def request(method: str, path: str, body: bytes = b"") -> httpx.Response:
    """Send one request to the floor app in process."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            return await client.request(method, path, content=body)

    return asyncio.run(go())


def test_get_answers_a_one_resource_list_response() -> None:
    """A GET gets 200 and a ListResponse holding one user."""
    response = request("GET", "/scim/t/v2/Users?filter=userName+eq+%22a%22")
    assert response.status_code == 200
    assert json.loads(response.content)["totalResults"] == 1


def test_post_answers_201_with_a_user() -> None:
    """A POST gets 201 and a user body."""
    response = request("POST", "/scim/t/v2/Users", b'{"userName": "a"}')
    assert response.status_code == 201
    assert json.loads(response.content)["userName"] == "user0000001@example.test"


def test_group_patch_answers_204_without_body() -> None:
    """A group PATCH gets 204 and no body, as Entra expects."""
    response = request("PATCH", "/scim/t/v2/Groups/g", b"{}")
    assert (response.status_code, response.content) == (204, b"")


def test_user_patch_answers_200_with_a_user() -> None:
    """A user PATCH gets 200 and a user body."""
    response = request("PATCH", "/scim/t/v2/Users/u", b"{}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/scim+json"


def test_other_methods_answer_404() -> None:
    """Routes the benchmark does not use get 404."""
    assert request("DELETE", "/scim/t/v2/Users/u").status_code == 404
