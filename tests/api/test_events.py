"""``GET /api/v1/directories/{id}/events``: the change feed over HTTP, with long-polling."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from scimdir.service.event_feed import MAX_WAIT_SECONDS

from .conftest import Api, Directory, problem


def _events(api: Api, directory: Directory, **params: Any) -> dict[str, Any]:
    response = api.get(directory.url("/events"), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_feed_pages_after_the_cursor(api: Api, directory: Directory) -> None:
    """Events come oldest first; next_cursor continues after the page, and ends empty."""
    ann = directory.add_user("ann@contoso.com")
    directory.add_group("Staff", [ann])
    first = _events(api, directory, limit=1)
    assert [(e["type"], e["data"]["id"]) for e in first["data"]] == [("user.created", ann)]
    rest = _events(api, directory, after=first["next_cursor"])
    assert [e["type"] for e in rest["data"]] == ["group.created", "group.member_added"]
    assert _events(api, directory, after=rest["next_cursor"])["data"] == []


def test_types_keeps_the_listed_types(api: Api, directory: Directory) -> None:
    """types=a,b keeps only those event types."""
    ann = directory.add_user("ann@contoso.com")
    directory.add_group("Staff", [ann])
    body = _events(api, directory, types="group.created,user.created")
    assert [e["type"] for e in body["data"]] == ["user.created", "group.created"]


def test_a_long_poll_answers_when_a_change_commits(api: Api, directory: Directory) -> None:
    """A waiting request returns the event a later SCIM POST commits, before its time is up."""
    start = _events(api, directory)["next_cursor"]
    answer: dict[str, Any] = {}

    def wait() -> None:
        answer.update(_events(api, directory, after=start, wait=MAX_WAIT_SECONDS))

    waiter = threading.Thread(target=wait)
    waiter.start()
    ann = directory.add_user("ann@contoso.com")
    waiter.join(timeout=MAX_WAIT_SECONDS + 30)
    assert [(e["type"], e["data"]["id"]) for e in answer["data"]] == [("user.created", ann)]


def test_a_wait_above_the_limit_is_capped_not_refused(api: Api, directory: Directory) -> None:
    """wait=3600 is served (capped at the feed's limit); with events there, at once."""
    directory.add_user("ann@contoso.com")
    assert len(_events(api, directory, wait=3600)["data"]) == 1


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"after": "abc"}, "after"), ({"types": "user.created,user.exploded"}, "types")],
)
def test_bad_feed_parameters_are_400(
    api: Api, directory: Directory, params: dict[str, Any], parameter: str
) -> None:
    """A cursor the feed did not hand out, an unknown type: a 400 naming the parameter."""
    body = problem(api.get(directory.url("/events"), params=params), 400)
    assert body["parameter"] == parameter


def test_an_unknown_directory_is_404(api: Api) -> None:
    """A directory that does not exist: 404."""
    problem(api.get("/api/v1/directories/nosuch/events"), 404)


def test_auth(api: Api, directory: Directory) -> None:
    """No key: 401; a reader key reads its own directory's feed, another's is 403."""
    problem(api.client.get(directory.url("/events")), 401)
    reader = api.services.api_keys.create("app", "reader", directory.id).key
    headers = {"Authorization": f"Bearer {reader}"}
    directory.add_user("ann@contoso.com")
    own = api.client.get(directory.url("/events"), headers=headers)
    assert [e["type"] for e in own.json()["data"]] == ["user.created"]
    problem(api.client.get(api.directory("Other").url("/events"), headers=headers), 403)
