"""``/api/v1/directories``: each route's answer, and its 404 and 400 problems."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from .conftest import Api, Directory, problem


def test_create_answers_201_with_the_documented_fields(api: Api) -> None:
    """POST creates a directory: 201, Location, exactly id, name, idp, tenant_url and secret."""
    response = api.post("/api/v1/directories", {"name": "Jira", "idp": "okta"})
    body = response.json()
    assert (response.status_code, sorted(body)) == (
        201,
        ["id", "idp", "name", "secret", "tenant_url"],
    )
    assert response.headers["location"] == f"/api/v1/directories/{body['id']}"
    assert body["tenant_url"] == f"https://scim.example.test/scim/{body['id']}/v2"
    assert (body["name"], body["idp"], body["secret"][:8]) == ("Jira", "okta", "scimdir_")


def test_the_new_secret_opens_the_scim_api(api: Api) -> None:
    """The secret in the 201 answer is the directory's SCIM secret."""
    directory = api.directory()
    assert directory.scim("GET", "/Users").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "x", "idp": "azure"}, {"idp": "okta"}, {"name": "x", "colour": 1}],
)
def test_create_refuses_bad_bodies(api: Api, body: dict[str, str]) -> None:
    """An empty name, an unknown IdP, a missing name or an unknown field is a 422 problem."""
    errors = problem(api.post("/api/v1/directories", body), 422)["errors"]
    assert errors and all(e["loc"][0] == "body" for e in errors)


def test_list_and_read(api: Api, directory: Directory) -> None:
    """GET lists the directory and reads it with its settings; the secret never appears."""
    listed = api.get("/api/v1/directories").json()["data"]
    one = api.get(directory.url()).json()
    assert one in listed
    assert one["settings"] == {
        "user_linking": False,
        "deletion": "delete",
        "required_attributes": ["userName", "displayName", "email"],
        "rate_limit": 0.0,
        "rate_limit_burst": 0.0,
        "cycle_minutes": 40,
        "undeclared_attributes": "keep",
    }
    assert one["settings_error"] is None
    assert directory.secret not in str(listed) + str(one)


def test_unknown_directory_is_404_on_every_directory_route(api: Api) -> None:
    """An id no directory has: 404 problem naming it, for each route."""
    base = "/api/v1/directories/0123abcd"
    calls = [
        api.get(base),
        api.patch(base, {"name": "x"}),
        api.delete(base),
        api.get(base + "/secrets"),
        api.post(base + "/secrets", {}),
        api.post(base + "/reset", {"mode": "delete"}),
        api.get(base + "/users"),
        api.get(base + "/groups"),
    ]
    for response in calls:
        assert "0123abcd" in problem(response, 404)["detail"]


def test_an_impossible_id_is_422(api: Api) -> None:
    """An id with characters no id has is refused before any lookup."""
    problem(api.get("/api/v1/directories/a%00b"), 422)


def test_patch_changes_name_idp_and_settings(api: Api, directory: Directory) -> None:
    """PATCH changes what it names and keeps the rest."""
    body = {"name": "Renamed", "idp": "okta", "settings": {"user_linking": True}}
    changed = api.patch(directory.url(), body).json()
    assert (changed["name"], changed["idp"], changed["settings"]["user_linking"]) == (
        "Renamed",
        "okta",
        True,
    )
    assert changed["settings"]["deletion"] == "delete"
    assert api.get(directory.url()).json() == changed


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"deletion": "shred"}, "deletion"),
        ({"colour": "blue"}, "colour"),
        ({"user_linking": "maybe"}, "user_linking"),
        ({"required_attributes": 5}, "required_attributes"),
        ({"required_attributes": ["title"]}, "required_attributes"),
    ],
)
def test_patch_refuses_a_bad_setting_naming_it(
    api: Api, directory: Directory, settings: dict[str, object], key: str
) -> None:
    """A bad setting key or value is a 400 problem naming the setting; nothing changes."""
    before = api.get(directory.url()).json()
    body = problem(api.patch(directory.url(), {"name": "New", "settings": settings}), 400)
    assert (body["setting"], key in body["detail"]) == (key, True)
    assert api.get(directory.url()).json() == before


def test_delete_removes_the_directory(api: Api, directory: Directory) -> None:
    """DELETE answers 204; the directory is gone and its secret no longer works."""
    assert api.delete(directory.url()).status_code == 204
    problem(api.get(directory.url()), 404)
    assert directory.scim("GET", "/Users").status_code == 401


def test_rotate_with_overlap_keeps_the_old_secret_working(api: Api, directory: Directory) -> None:
    """POST secrets with keep_old_for issues a new secret; both work until the old expires."""
    response = api.post(directory.url("/secrets"), {"keep_old_for": "1h"})
    rotated = response.json()
    assert (response.status_code, rotated["secret"] != directory.secret) == (201, True)
    stop = datetime.fromisoformat(rotated["previous_secrets_stop"])
    listed = api.get(directory.url("/secrets")).json()["data"]
    assert [(s["live"], s["expires"] is not None) for s in listed] == [(True, True), (True, False)]
    assert datetime.fromisoformat(listed[0]["expires"]) == stop
    assert directory.scim("GET", "/Users").status_code == 200


def test_rotate_without_overlap_revokes_at_once(api: Api, directory: Directory) -> None:
    """POST secrets without a body revokes the old secret now."""
    rotated = api.post(directory.url("/secrets")).json()
    listed = api.get(directory.url("/secrets")).json()["data"]
    assert [s["live"] for s in listed] == [False, True]
    assert listed[0]["revoked"] == rotated["previous_secrets_stop"]
    assert directory.scim("GET", "/Users").status_code == 401


def test_secrets_list_never_shows_a_secret_or_hash(api: Api, directory: Directory) -> None:
    """The secrets list has metadata only."""
    [entry] = api.get(directory.url("/secrets")).json()["data"]
    assert sorted(entry) == ["created", "expires", "id", "last_used", "live", "revoked"]
    assert "sha256" not in str(entry) and directory.secret not in str(entry)


@pytest.mark.parametrize("keep", ["soon", "1y", "99999999d", ""])
def test_rotate_refuses_a_bad_duration(api: Api, directory: Directory, keep: str) -> None:
    """keep_old_for that is not a bounded number and unit is a 422 problem; nothing rotates."""
    problem(api.post(directory.url("/secrets"), {"keep_old_for": keep}), 422)
    assert directory.scim("GET", "/Users").status_code == 200


def test_reset_delete_and_unlink(api: Api, directory: Directory) -> None:
    """reset mode=unlink keeps users as unlinked accounts; mode=delete removes them."""
    directory.add_group("Staff", [directory.add_user("ann@contoso.com")])
    unlinked = api.post(directory.url("/reset"), {"mode": "unlink"}).json()
    users = api.get(directory.url("/users")).json()["data"]
    assert (unlinked, [u["linked"] for u in users]) == (
        {"mode": "unlink", "users": 1, "groups": 1},
        [False],
    )
    deleted = api.post(directory.url("/reset"), {"mode": "delete"}).json()
    assert (deleted["users"], api.get(directory.url("/users")).json()["data"]) == (1, [])


def test_reset_needs_a_mode(api: Api, directory: Directory) -> None:
    """reset without a mode is a 422 problem: a destructive action has no default."""
    problem(api.post(directory.url("/reset"), {}), 422)


def test_a_stored_setting_this_release_cannot_read_is_shown_and_repaired_by_patch(
    api: Api,
) -> None:
    """A bad stored value does not break the listing: the directory shows `settings_error`, and a
    PATCH of that setting repairs it."""
    created = api.post("/api/v1/directories", {"name": "Broken", "idp": "entra"}).json()
    storage = api.services.storage
    with storage.transaction() as tx:
        record = tx.get_directory(created["id"])
        assert record is not None
        tx.update_directory(replace(record, settings={"deletion": "purge"}))
    listed = api.get("/api/v1/directories")
    assert listed.status_code == 200
    shown = next(d for d in listed.json()["data"] if d["id"] == created["id"])
    assert "deletion" in shown["settings_error"]
    fixed = api.patch(
        f"/api/v1/directories/{created['id']}", {"settings": {"deletion": "deactivate"}}
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["settings"]["deletion"] == "deactivate"
    assert fixed.json()["settings_error"] is None


def test_create_with_the_rippling_preset(api: Api) -> None:
    """idp "rippling" is accepted and gets its preset: userName and e-mail, deactivate on DELETE
    (docs/idp/rippling.md §8)."""
    created = api.post("/api/v1/directories", {"name": "HR", "idp": "rippling"})
    assert created.status_code == 201, created.text
    shown = api.get(f"/api/v1/directories/{created.json()['id']}").json()
    assert shown["idp"] == "rippling"
    assert shown["settings"]["required_attributes"] == ["userName", "email"]
    assert (shown["settings"]["deletion"], shown["settings"]["user_linking"]) == (
        "deactivate",
        False,
    )
