"""``/api/v1/directories/{id}/groups``: search, cursor paging, one group with its members."""

from __future__ import annotations

from .conftest import Api, Directory, problem


def test_pages_and_search(api: Api, directory: Directory) -> None:
    """Groups page by displayName (case-insensitively); search is a prefix."""
    for name in ("staff", "Admins", "admins-eu", "ops"):
        directory.add_group(name)
    first = api.get(directory.url("/groups"), params={"limit": 3}).json()
    rest = api.get(directory.url("/groups"), params={"cursor": first["next_cursor"]}).json()
    found = api.get(directory.url("/groups"), params={"search": "ADM"}).json()
    assert [g["display_name"] for g in first["data"] + rest["data"]] == [
        "Admins",
        "admins-eu",
        "ops",
        "staff",
    ]
    assert (rest["next_cursor"], [g["display_name"] for g in found["data"]]) == (
        None,
        ["Admins", "admins-eu"],
    )


def test_show_counts_members_and_lists_them(api: Api, directory: Directory) -> None:
    """GET one group: its member count and members with their type and display name."""
    ann = directory.add_user("ann@contoso.com", display="Ann")
    inner = directory.add_group("Inner")
    group_id = directory.add_group("Outer", [ann, inner])
    body = api.get(directory.url(f"/groups/{group_id}")).json()
    assert body["member_count"] == 2
    assert sorted((m["id"], m["type"], m["display"]) for m in body["members"]) == sorted(
        [(ann, "User", "Ann"), (inner, "Group", "Inner")]
    )


def test_unknown_group_is_404(api: Api, directory: Directory) -> None:
    """A group id the directory does not have: 404 problem."""
    problem(api.get(directory.url("/groups/no-such-group")), 404)
