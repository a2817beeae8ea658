"""``/api/v1/directories/{id}/users``: search, cursor paging, one user, unlink, delete."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, Directory, problem


def _pages(api: Api, url: str, **params: Any) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = api.get(url, params=query).json()
        pages.append(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


@pytest.fixture
def people(directory: Directory) -> Directory:
    """Seven users: ann..gus, and Alan whose userName does not start with "a"."""
    for name in ("ann", "bob", "cat", "dan", "eve", "fay", "gus"):
        directory.add_user(f"{name}@contoso.com")
    directory.add_user("zed@contoso.com", display="Alan Zed", email="z@contoso.com")
    return directory


def test_pages_hold_every_user_once_in_user_name_order(api: Api, people: Directory) -> None:
    """limit=3 pages: 3, 3, 2 users; together every user once, ordered by userName."""
    pages = _pages(api, people.url("/users"), limit=3)
    names = [u["user_name"] for page in pages for u in page]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert names == sorted(names) and len(set(names)) == 8


def test_search_is_a_case_insensitive_prefix(api: Api, people: Directory) -> None:
    """search=A finds ann (userName) then Alan Zed (displayName), across pages of one."""
    pages = _pages(api, people.url("/users"), search="A", limit=1)
    assert [u["user_name"] for page in pages for u in page] == [
        "ann@contoso.com",
        "zed@contoso.com",
    ]


def test_summary_fields(api: Api, people: Directory) -> None:
    """A listed user carries its names, e-mail, state and who manages it."""
    [user] = api.get(people.url("/users"), params={"search": "zed"}).json()["data"]
    assert {k: user[k] for k in ("display_name", "email", "active", "source", "linked")} == {
        "display_name": "Alan Zed",
        "email": "z@contoso.com",
        "active": True,
        "source": "idp",
        "linked": True,
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"cursor": "not-a-cursor"}, 400),
        ({"cursor": "WzUsIngiXQ"}, 400),  # [5, "x"]: a stage that does not exist
        ({"limit": 0}, 422),
        ({"limit": 501}, 422),
        ({"search": "x" * 300}, 422),
        ({"search": "a\x01"}, 422),
    ],
)
def test_bad_list_parameters_are_problems(
    api: Api, directory: Directory, params: dict[str, Any], status: int
) -> None:
    """A cursor the API did not issue, a limit out of range, a bad search: a problem."""
    problem(api.get(directory.url("/users"), params=params), status)


def test_show_has_groups_and_the_scim_resource(api: Api, directory: Directory) -> None:
    """GET one user: its groups and its SCIM resource with the tenant's location."""
    user_id = directory.add_user("ann@contoso.com")
    group_id = directory.add_group("Staff", [user_id])
    body = api.get(directory.url(f"/users/{user_id}")).json()
    assert body["groups"] == [{"id": group_id, "display_name": "Staff"}]
    assert body["scim"]["meta"]["location"] == (
        f"https://scim.example.test/scim/{directory.id}/v2/Users/{user_id}"
    )
    assert isinstance(body["log"], list)


def test_unknown_user_is_404(api: Api, directory: Directory) -> None:
    """show, unlink and delete of an id the directory does not have: 404 problem."""
    url = directory.url("/users/0000-nobody")
    for response in (api.get(url), api.post(url + "/unlink"), api.delete(url)):
        assert "0000-nobody" in problem(response, 404)["detail"]


def test_a_user_of_another_directory_is_404(api: Api, directory: Directory) -> None:
    """A user id from another directory is not found in this one."""
    other = api.directory("Other")
    user_id = other.add_user("ann@contoso.com")
    problem(api.get(directory.url(f"/users/{user_id}")), 404)


def test_unlink_needs_user_linking(api: Api, directory: Directory) -> None:
    """Unlink with user_linking off is a 409 problem saying how to turn it on; nothing changes."""
    user_id = directory.add_user("ann@contoso.com")
    body = problem(api.post(directory.url(f"/users/{user_id}/unlink")), 409)
    assert "user_linking" in body["detail"]
    assert api.get(directory.url(f"/users/{user_id}")).json()["linked"] is True


def test_unlinked_user_is_linked_again_by_the_next_post(api: Api, directory: Directory) -> None:
    """After unlink the IdP no longer sees the user; its next POST links to the same account."""
    api.patch(directory.url(), {"settings": {"user_linking": True}})
    user_id = directory.add_user("ann@contoso.com")
    unlinked = api.post(directory.url(f"/users/{user_id}/unlink")).json()
    assert (unlinked["linked"], directory.scim("GET", f"/Users/{user_id}").status_code) == (
        False,
        404,
    )
    assert directory.add_user("ann@contoso.com") == user_id
    assert api.get(directory.url(f"/users/{user_id}")).json()["linked"] is True


def test_unlink_twice_is_idempotent(api: Api, directory: Directory) -> None:
    """Unlinking an unlinked user answers it unchanged."""
    api.patch(directory.url(), {"settings": {"user_linking": True}})
    user_id = directory.add_user("ann@contoso.com")
    first = api.post(directory.url(f"/users/{user_id}/unlink")).json()
    second = api.post(directory.url(f"/users/{user_id}/unlink")).json()
    assert first == second


def test_delete_removes_the_user_and_its_memberships(api: Api, directory: Directory) -> None:
    """DELETE answers 204; the user is gone, and so is its membership."""
    user_id = directory.add_user("ann@contoso.com")
    group_id = directory.add_group("Staff", [user_id])
    assert api.delete(directory.url(f"/users/{user_id}")).status_code == 204
    problem(api.get(directory.url(f"/users/{user_id}")), 404)
    assert api.get(directory.url(f"/groups/{group_id}")).json()["member_count"] == 0


def test_unlink_and_delete_by_the_admin_are_events_with_the_user(
    api: Api, directory: Directory
) -> None:
    """The admin's unlink and delete reach the change feed: user.unlinked carries the User as
    SCIM renders it, user.deleted its id."""
    api.patch(directory.url(), {"settings": {"user_linking": True}})
    user_id = directory.add_user("ann@contoso.com")
    api.post(directory.url(f"/users/{user_id}/unlink"))
    assert api.delete(directory.url(f"/users/{user_id}")).status_code == 204
    feed = api.services.events.read(directory.id, types=["user.unlinked", "user.deleted"])
    unlinked, deleted = (e for e in feed.to_json()["data"])
    assert (unlinked["type"], unlinked["data"]["userName"]) == ("user.unlinked", "ann@contoso.com")
    assert unlinked["data"]["meta"]["location"].endswith(f"/scim/{directory.id}/v2/Users/{user_id}")
    assert (deleted["type"], deleted["data"]) == ("user.deleted", {"id": user_id})
