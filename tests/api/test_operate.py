"""``/api/v1/directories/{id}/log``, ``/problems``, ``/health`` and ``/api/v1/health``."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import USER_SCHEMA, Api, Directory, problem


def _reader(api: Api, directory: Directory) -> dict[str, str]:
    key = api.services.api_keys.create("app", "reader", directory.id).key
    return {"Authorization": f"Bearer {key}"}


def _log(api: Api, url: str, **params: Any) -> dict[str, Any]:
    """GET a log-reading URL after writing the entries the sink still holds."""
    api.services.log_sink.flush()
    response = api.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _fail_patch(directory: Directory, user_id: str) -> None:
    """A PATCH the directory refuses (an unknown operation), as an IdP retrying would send."""
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "frobnicate", "path": "title", "value": "x"}],
    }
    assert directory.scim("PATCH", f"/Users/{user_id}", body).status_code == 400


def test_log_is_newest_first_and_pages_with_next_cursor(api: Api, directory: Directory) -> None:
    """Three user creations: limit=2 gives the newest two, next_cursor the oldest, then null."""
    for name in ("ann", "bob", "cat"):
        directory.add_user(f"{name}@contoso.com")
    first = _log(api, directory.url("/log"), limit=2)
    assert [e["subject"] for e in first["data"]] == ["cat@contoso.com", "bob@contoso.com"]
    body = _log(api, directory.url("/log"), limit=2, cursor=first["next_cursor"])
    assert [e["subject"] for e in body["data"]][:1] == ["ann@contoso.com"]
    assert body["next_cursor"] is None


def test_log_filters_failures_user_and_since(api: Api, directory: Directory) -> None:
    """failures=true keeps the refused PATCH; user= keeps one user's entries; since= applies."""
    ann = directory.add_user("ann@contoso.com")
    directory.add_user("bob@contoso.com")
    _fail_patch(directory, ann)
    failed = _log(api, directory.url("/log"), failures="true")["data"]
    assert [(e["method"], e["status"], e["resource_id"]) for e in failed] == [("PATCH", 400, ann)]
    assert failed[0]["explanation"] and failed[0]["fix"]
    mine = _log(api, directory.url("/log"), user="ANN@contoso.com")["data"]
    assert {e["subject"] for e in mine} == {"ann@contoso.com"}
    assert len(_log(api, directory.url("/log"), since="2h")["data"]) == 3


def test_user_detail_carries_its_latest_log_entries(api: Api, directory: Directory) -> None:
    """GET a user: a log field with its entries, newest first, no other user's."""
    ann = directory.add_user("ann@contoso.com")
    directory.add_user("bob@contoso.com")
    _fail_patch(directory, ann)
    log = _log(api, directory.url(f"/users/{ann}"))["log"]
    assert [(e["method"], e["status"]) for e in log] == [("PATCH", 400), ("POST", 201)]


def test_problems_lists_the_open_problem(api: Api, directory: Directory) -> None:
    """A user refused twice the same way is one open problem, counted twice."""
    ann = directory.add_user("ann@contoso.com")
    _fail_patch(directory, ann)
    _fail_patch(directory, ann)
    [found] = _log(api, directory.url("/problems"))["data"]
    assert (found["resource_id"], found["count"], found["resolved"]) == (ann, 2, None)


def test_directory_health_and_summary(api: Api, directory: Directory) -> None:
    """A directory the IdP called is healthy; the summary lists every directory."""
    directory.add_user("ann@contoso.com")
    quiet = api.directory("Quiet")
    body = _log(api, directory.url("/health"))
    assert (body["id"], body["state"], body["last_hour"]["requests"]) == (
        directory.id,
        "healthy",
        1,
    )
    summary = api.get("/api/v1/health").json()["data"]
    ours = (directory.id, quiet.id)
    assert [(h["id"], h["state"]) for h in summary if h["id"] in ours] == [
        (directory.id, "healthy"),
        (quiet.id, "never_connected"),
    ]


@pytest.mark.parametrize("path", ["/log", "/problems", "/health"])
def test_unknown_directory_is_404(api: Api, path: str) -> None:
    """A directory that does not exist: a 404 problem."""
    problem(api.get(f"/api/v1/directories/nosuch{path}"), 404)


@pytest.mark.parametrize(
    "params", [{"since": "yesterday"}, {"since": "999d"}, {"cursor": "abc"}, {"cursor": "9" * 30}]
)
def test_bad_log_parameters_are_400(api: Api, directory: Directory, params: dict[str, Any]) -> None:
    """A duration or cursor the log cannot read: a 400 problem naming the parameter."""
    body = problem(api.get(directory.url("/log"), params=params), 400)
    assert body["parameter"] == next(iter(params))


@pytest.mark.parametrize("path", ["/log", "/problems", "/health"])
def test_a_reader_key_reads_its_own_directory_only(
    api: Api, directory: Directory, path: str
) -> None:
    """A reader key reads its directory's log, problems and health; another's is 403."""
    headers = _reader(api, directory)
    other = api.directory("Other")
    assert api.client.get(directory.url(path), headers=headers).status_code == 200
    problem(api.client.get(other.url(path), headers=headers), 403)


@pytest.mark.parametrize("path", ["/log", "/problems", "/health"])
def test_no_key_is_401(api: Api, directory: Directory, path: str) -> None:
    """Without a key: 401."""
    problem(api.client.get(directory.url(path)), 401)


def test_the_summary_needs_an_admin_key(api: Api, directory: Directory) -> None:
    """GET /api/v1/health: 401 without a key, 403 with a reader key."""
    problem(api.client.get("/api/v1/health"), 401)
    problem(api.client.get("/api/v1/health", headers=_reader(api, directory)), 403)


def test_a_user_body_in_the_log_is_redacted(api: Api, directory: Directory) -> None:
    """A failed request's body is kept with its password redacted."""
    body = {"schemas": [USER_SCHEMA], "userName": "", "password": "hunter2-secret"}
    assert directory.scim("POST", "/Users", body).status_code == 400
    [entry] = _log(api, directory.url("/log"), failures="true")["data"]
    assert entry["request_body"] and "hunter2-secret" not in entry["request_body"]
