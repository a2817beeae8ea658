"""``scimdir mapping preview --directory``: the directory's own policies, and batch uniqueness."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from scimdir.cli.mapping_commands import mapping
from scimdir.composition import Services
from scimdir.devtools.entra_bodies import entra_user
from scimdir.mapping.preview import UserPreview, duplicate_user_names
from scimdir.service.policies import REQUIREMENTS
from scimdir.settings import Settings
from scimdir.web.app import create_app


@dataclass
class Directory:
    """A directory in a SQLite database the CLI reads through SCIMDIR_DATABASE_URL."""

    url: str
    id: str
    services: Services
    tmp_path: Path

    def preview(self, users: list[dict[str, Any]], *extra: str) -> Result:
        path = self.tmp_path / "users.json"
        path.write_text(json.dumps(users), "utf-8")
        args = ["preview", "--users", str(path), "--directory", self.id, *extra]
        if "--mappings" not in extra:
            args += ["--mappings", "entra-recommended"]
        return CliRunner().invoke(mapping, args, env={"SCIMDIR_DATABASE_URL": self.url})


@pytest.fixture
def directory(tmp_path: Path) -> Iterator[Directory]:
    url = f"sqlite:///{tmp_path / 'scimdir.db'}"
    app = create_app(Settings(database_url=url, public_url="https://scim.example.test"))
    with TestClient(app) as http:
        services: Services = app.state.services
        created = services.directories.create("Entra", "entra")
        services.directories.create_local_user(created.directory.id, "Local@Contoso.com", "L", None)
        response = http.post(
            f"/scim/{created.directory.id}/v2/Users",
            json=entra_user("linked@contoso.com"),
            headers={"Authorization": f"Bearer {created.secret}"},
        )
        assert response.status_code == 201, response.text
        yield Directory(url, created.directory.id, services, tmp_path)


ANN = {"userPrincipalName": "ann@contoso.com", "displayName": "Ann", "mail": "ann@contoso.com"}


def test_required_attributes_come_from_the_directory_settings(directory: Directory) -> None:
    """With displayName not required, a user without one is accepted."""
    directory.services.directories.set_setting(directory.id, "required_attributes", "userName")
    mappings = directory.tmp_path / "m.yaml"
    mappings.write_text(
        "mappings:\n  - {target: userName, type: Direct, source: userPrincipalName}\n", "utf-8"
    )
    result = directory.preview([ANN], "--mappings", str(mappings))
    assert result.exit_code == 0, result.output
    assert "== ann@contoso.com: OK" in result.output


def test_missing_attribute_is_explained_as_the_server_does(directory: Directory) -> None:
    """A missing e-mail gets the server's requirement text and Entra fix."""
    mappings = directory.tmp_path / "m.yaml"
    mappings.write_text(
        "mappings:\n"
        "  - {target: userName, type: Direct, source: userPrincipalName}\n"
        "  - {target: displayName, type: Direct, source: displayName}\n",
        "utf-8",
    )
    result = directory.preview([ANN], "--mappings", str(mappings))
    requirement = REQUIREMENTS["email"]
    assert (
        f"  missing email: email ({requirement.scim_path}) is empty; fix: {requirement.entra_fix}"
        in result.output
    )


def test_unlinked_account_with_the_same_user_name_would_fail(directory: Directory) -> None:
    """A local account with that userName (any case) gives a 409 unless user_linking is on."""
    result = directory.preview([{**ANN, "userPrincipalName": "local@contoso.com"}])
    assert "== local@contoso.com: WOULD FAIL" in result.output
    assert (
        f"fix: turn on the directory setting 'user_linking' (scimdir directory set "
        f"{directory.id} user_linking true)" in result.output
    )
    assert "duplicate userName: 1" in result.output


def test_user_linking_turns_the_collision_into_a_note(directory: Directory) -> None:
    """With user_linking on, the same user would be linked: OK with a note."""
    directory.services.directories.set_setting(directory.id, "user_linking", True)
    result = directory.preview([{**ANN, "userPrincipalName": "local@contoso.com"}])
    assert "== local@contoso.com: OK" in result.output
    assert "  note: would be linked to the existing account" in result.output


def test_provisioned_user_is_matched_by_user_name(directory: Directory) -> None:
    """An IdP-managed account with that userName is matched by Entra, so it is OK."""
    result = directory.preview([{**ANN, "userPrincipalName": "LINKED@contoso.com"}])
    assert "== LINKED@contoso.com: OK" in result.output
    assert "Entra would update it, not create it" in result.output


def test_provisioned_user_missed_by_external_id_matching_would_fail(directory: Directory) -> None:
    """Matching on externalId with another value misses the account: the POST would 409."""
    mappings = directory.tmp_path / "m.yaml"
    mappings.write_text(
        "mappings:\n"
        "  - {target: externalId, type: Direct, source: objectId, matchingPrecedence: 1}\n"
        "  - {target: userName, type: Direct, source: userPrincipalName}\n",
        "utf-8",
    )
    user = {"userPrincipalName": "linked@contoso.com", "objectId": "other"}
    result = directory.preview([user], "--mappings", str(mappings))
    assert "duplicate userName: a user with userName 'linked@contoso.com' is already" in (
        result.output
    )
    assert "matching on externalId, would not find it" in result.output


def test_unknown_directory_is_a_usage_error(directory: Directory) -> None:
    """An unknown directory id is refused, saying how to list the ids."""
    directory.id = "nope"
    result = directory.preview([ANN])
    assert result.exit_code == 2
    assert "no directory 'nope'; 'scimdir directory list' shows the ids" in result.output


def test_batch_duplicates_are_flagged_case_insensitively() -> None:
    """The second user whose userName differs only in case gets a duplicate problem."""
    previews = duplicate_user_names(
        [
            UserPreview("a", {"userName": "Ann@c.com"}),
            UserPreview("b", {"userName": "ann@C.COM"}),
            UserPreview("c", {"userName": "bob@c.com"}),
        ]
    )
    assert [[(p.reason, p.attribute) for p in preview.problems] for preview in previews] == [
        [],
        [("duplicate", "userName")],
        [],
    ]
    assert previews[1].problems[0].message.startswith("userName 'ann@C.COM' is also produced for a")
