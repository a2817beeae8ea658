"""`scimdir user list|show|unlink|delete` and `scimdir group list|show` on the service layer."""

from __future__ import annotations

import json

import pytest

from scimdir.cli.main import CliState
from tests.storage.helpers import group, user

from .conftest import Run


@pytest.fixture
def world(run: Run) -> dict[str, str]:
    """A directory with IdP users ann and bob, a local account cat, and group Staff (ann)."""
    did = json.loads(run("directory", "create", "--name", "W", "--json"))["id"]
    ann = user(did, "ann@contoso.com", displayName="Ann", emails=[{"value": "ann@contoso.com"}])
    bob = user(did, "bob@contoso.com", displayName="Bob")
    staff = group(did, "Staff")
    storage = CliState().services.storage
    with storage.transaction() as tx:
        tx.insert_user(ann)
        tx.insert_user(bob)
        tx.insert_group(staff)
        tx.add_members(did, staff.id, [(ann.id, "User")])
    run("user", "create", "--directory", did, "--user-name", "cat@contoso.com")
    return {"directory": did, "ann": ann.id, "bob": bob.id, "staff": staff.id}


def test_user_list_json_pages_with_a_cursor(run: Run, world: dict[str, str]) -> None:
    """`user list --json` is the API's page; --cursor continues where it ended."""
    d = world["directory"]
    first = json.loads(run("user", "list", "--directory", d, "--limit", "2", "--json"))
    rest = json.loads(
        run("user", "list", "--directory", d, "--cursor", first["next_cursor"], "--json")
    )
    names = [u["user_name"] for u in first["data"] + rest["data"]]
    assert (names, rest["next_cursor"]) == (
        ["ann@contoso.com", "bob@contoso.com", "cat@contoso.com"],
        None,
    )


def test_user_list_table_and_search(run: Run, world: dict[str, str]) -> None:
    """The table shows one row per user; --search narrows by prefix."""
    out = run("user", "list", "--directory", world["directory"], "--search", "B")
    assert out.splitlines()[0].split()[:2] == ["USERNAME", "DISPLAY"]
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["bob@contoso.com"]


def test_user_show_lists_groups(run: Run, world: dict[str, str]) -> None:
    """`user show` names the user's groups (table and JSON)."""
    d, ann = world["directory"], world["ann"]
    shown = json.loads(run("user", "show", ann, "--directory", d, "--json"))
    assert shown["groups"] == [{"id": world["staff"], "display_name": "Staff"}]
    assert f"Staff ({world['staff']})" in run("user", "show", ann, "--directory", d)


def test_user_unlink_and_delete(run: Run, world: dict[str, str]) -> None:
    """unlink needs user_linking and then unlinks; delete removes the user."""
    d, bob = world["directory"], world["bob"]
    assert "user_linking" in run("user", "unlink", bob, "--directory", d, ok=False)
    run("directory", "set", d, "user_linking", "true")
    unlinked = json.loads(run("user", "unlink", bob, "--directory", d, "--json"))
    assert unlinked["linked"] is False
    assert json.loads(run("user", "delete", bob, "--directory", d, "--yes", "--json")) == {
        "id": bob,
        "deleted": True,
    }
    assert f"no user {bob}" in run("user", "show", bob, "--directory", d, ok=False)


@pytest.mark.parametrize("command", ["show", "unlink", "delete"])
def test_unknown_user_exits_non_zero(run: Run, world: dict[str, str], command: str) -> None:
    """An unknown user id is an error naming it."""
    extra = ["--yes"] if command == "delete" else []
    out = run("user", command, "nobody", "--directory", world["directory"], *extra, ok=False)
    assert "no user nobody" in out


def test_group_list_and_show(run: Run, world: dict[str, str]) -> None:
    """`group list` and `group show` print the group, its count and members."""
    d = world["directory"]
    listed = json.loads(run("group", "list", "--directory", d, "--json"))
    shown = json.loads(run("group", "show", world["staff"], "--directory", d, "--json"))
    assert [g["display_name"] for g in listed["data"]] == ["Staff"]
    assert (shown["member_count"], [m["id"] for m in shown["members"]]) == (1, [world["ann"]])
    table = run("group", "show", world["staff"], "--directory", d)
    assert any(line.split()[:2] == ["Ann", "User"] for line in table.splitlines())
    assert "no group nope" in run("group", "show", "nope", "--directory", d, ok=False)
