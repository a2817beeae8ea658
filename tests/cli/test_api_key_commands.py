"""`scimdir api-key create|list|revoke`, a stable interface for scripts."""

from __future__ import annotations

import json

from scimdir.cli.main import CliState

from .conftest import Run


def test_create_json_prints_exactly_the_documented_keys(run: Run) -> None:
    """`api-key create --json` prints one object: id, name, role, directory (null), key."""
    out = json.loads(run("api-key", "create", "--name", "ci", "--role", "admin", "--json"))
    assert sorted(out) == ["directory", "id", "key", "name", "role"]
    assert (out["name"], out["role"], out["directory"]) == ("ci", "admin", None)
    assert out["key"].startswith("scimdir_key_")


def test_the_created_key_authenticates(run: Run) -> None:
    """The printed key is one the API accepts as an admin key."""
    out = json.loads(run("api-key", "create", "--name", "ci", "--role", "admin", "--json"))
    auth = CliState().services.api_keys.authenticate(out["key"])
    assert auth is not None and auth.is_admin


def test_reader_key_is_bound_to_a_directory(run: Run) -> None:
    """A reader key names its directory; without one, or with an unknown one, it is refused."""
    did = json.loads(run("directory", "create", "--name", "App", "--json"))["id"]
    out = json.loads(
        run("api-key", "create", "--name", "app", "--role", "reader", "--directory", did, "--json")
    )
    assert (out["role"], out["directory"]) == ("reader", did)
    assert "reader key" in run("api-key", "create", "--name", "x", "--role", "reader", ok=False)
    unknown = run(
        "api-key", "create", "--name", "x", "--role", "reader", "--directory", "nope", ok=False
    )
    assert "no directory nope" in unknown


def test_list_never_shows_the_key(run: Run) -> None:
    """`api-key list` (table and JSON) shows name, role and times, never the key or its hash."""
    out = json.loads(run("api-key", "create", "--name", "ci", "--role", "admin", "--json"))
    table = run("api-key", "list")
    listed = json.loads(run("api-key", "list", "--json"))
    assert [(k["id"], k["name"], k["revoked"]) for k in listed] == [(out["id"], "ci", None)]
    assert sorted(listed[0]) == [
        "created",
        "directory",
        "id",
        "last_used",
        "name",
        "revoked",
        "role",
    ]
    assert out["key"] not in table + str(listed) and "sha256" not in table + str(listed)
    assert out["id"] in table


def test_revoke_stops_the_key(run: Run) -> None:
    """`api-key revoke ID` revokes it; an unknown id exits non-zero."""
    out = json.loads(run("api-key", "create", "--name", "ci", "--role", "admin", "--json"))
    assert out["id"] in run("api-key", "revoke", out["id"])
    assert CliState().services.api_keys.authenticate(out["key"]) is None
    assert json.loads(run("api-key", "list", "--json"))[0]["revoked"] is not None
    assert "no API key nope" in run("api-key", "revoke", "nope", ok=False)


def test_role_is_required_and_checked(run: Run) -> None:
    """--role must be given and be admin or reader."""
    run("api-key", "create", "--name", "ci", ok=False)
    run("api-key", "create", "--name", "ci", "--role", "root", ok=False)
