"""Every error of the management API is an RFC 9457 problem (``application/problem+json``)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from .conftest import Api, problem


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v2/directories", "/api/", "/api/v1"])
def test_unknown_routes_under_api_are_404_problems(api: Api, path: str) -> None:
    """A path no route serves under /api/ is a 404 problem, with or without a key."""
    problem(api.get(path), 404)
    problem(api.client.get(path), 404)


def test_a_wrong_method_is_a_405_problem_with_allow(api: Api) -> None:
    """A method the route does not take: 405 problem and the Allow header."""
    response = api.client.put("/api/v1/directories", headers=api.headers)
    problem(response, 405)
    assert response.headers["allow"] == "GET, POST"


def test_validation_errors_name_the_field_without_echoing_input(api: Api) -> None:
    """A 422 lists where and why, and never repeats the value sent."""
    body = problem(api.post("/api/v1/directories", {"name": "n" * 5000}), 422)
    assert body["errors"] == [
        {"loc": ["body", "name"], "msg": "String should have at most 200 characters"}
    ]
    assert "nnnn" not in str(body)


def test_a_body_that_is_not_json_is_a_422_problem(api: Api) -> None:
    """Malformed JSON is refused as a problem."""
    response = api.client.post(
        "/api/v1/directories",
        content=b"{not json",
        headers={**api.headers, "content-type": "application/json"},
    )
    problem(response, 422)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_large_body_is_a_413_problem(api: Api, chunked: bool) -> None:
    """A body over 64 KiB is refused, declared or streamed, before it is parsed."""
    payload = b'{"name": "' + b"x" * 70_000 + b'"}'
    content = iter([payload[:1000], payload[1000:]]) if chunked else payload
    response = api.client.post(
        "/api/v1/directories",
        content=content,
        headers={**api.headers, "content-type": "application/json"},
    )
    problem(response, 413)


def test_an_unexpected_error_is_a_bare_500_problem(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception answers a 500 problem that reveals nothing of it."""

    def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.services.directories, "list_all", broken)
    client = TestClient(api.client.app, raise_server_exceptions=False)
    body = problem(client.get("/api/v1/directories", headers=api.headers), 500)
    assert "internals" not in body["detail"]
