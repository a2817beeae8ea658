"""``scimdir mapping preview --directory`` warns about targets the directory would refuse,
drop, or keep unfilterable, against its declared extension schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from scimdir.cli.mapping_commands import mapping
from scimdir.composition import Services
from scimdir.scim.schema import USER_TYPE
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.preview_targets import target_warnings
from scimdir.settings import Settings
from scimdir.web.app import create_app

ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
OTHER = "urn:ietf:params:scim:schemas:extension:Other:2.0:User"
MAPPINGS = [
    {"target": "userName", "source": "userPrincipalName", "matchingPrecedence": 1},
    {"target": "displayName", "source": "displayName"},
    {"target": 'emails[type eq "work"].value', "source": "mail"},
    {"target": f"{ACME}:costCenter", "source": "department"},
    {"target": f"{OTHER}:badge", "source": "department"},
    {"target": "nosuchattribute", "source": "department"},
    {"target": "groups", "source": "department"},
]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[str, Services, Path]]:
    url = f"sqlite:///{tmp_path / 'scimdir.db'}"
    app = create_app(Settings(database_url=url, public_url="https://scim.example.test"))
    with TestClient(app):
        services: Services = app.state.services
        created = services.directories.create("Entra", "entra")
        services.extension_schemas.add(
            created.directory.id, {"urn": ACME, "attributes": [{"name": "costCenter"}]}
        )
        yield url, services, tmp_path
    services.storage.dispose()


def _preview(url: str, tmp_path: Path, directory_id: str) -> dict[str, Any]:
    users = tmp_path / "users.json"
    users.write_text(json.dumps([{"userPrincipalName": "a@x.com", "displayName": "A",
                                  "mail": "a@x.com", "department": "D"}]))  # fmt: skip
    maps = tmp_path / "maps.json"
    maps.write_text(json.dumps({"mappings": MAPPINGS}))
    result = CliRunner().invoke(
        mapping,
        ["preview", "--users", str(users), "--mappings", str(maps), "--directory", directory_id,
         "--json"],
        env={"SCIMDIR_DATABASE_URL": url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_preview_warns_per_target(setup: tuple[str, Services, Path]) -> None:
    """Declared targets pass; undeclared is kept (Entra preset), unknown refused, readOnly
    dropped."""
    url, services, tmp_path = setup
    directory_id = services.directories.list_all()[0].id
    targets = {t["target"]: t for t in _preview(url, tmp_path, directory_id)["targets"]}
    assert set(targets) == {f"{OTHER}:badge", "nosuchattribute", "groups"}
    assert targets[f"{OTHER}:badge"]["outcome"] == "kept"
    assert "scimdir schema add" in targets[f"{OTHER}:badge"]["fix"]
    assert targets["nosuchattribute"]["outcome"] == "refused"
    assert targets["groups"]["outcome"] == "dropped"


def test_preview_says_undeclared_would_be_refused(setup: tuple[str, Services, Path]) -> None:
    """At a refuse directory the undeclared target fails every user, with the declaring command."""
    url, services, tmp_path = setup
    directory_id = services.directories.list_all()[0].id
    services.directories.set_setting(directory_id, "undeclared_attributes", "refuse")
    targets = {t["target"]: t for t in _preview(url, tmp_path, directory_id)["targets"]}
    assert targets[f"{OTHER}:badge"]["outcome"] == "refused"
    assert "every user would fail" in targets[f"{OTHER}:badge"]["message"]
    assert (
        f"scimdir schema add --directory {directory_id} {OTHER}"
        in (targets[f"{OTHER}:badge"]["fix"])
    )


def test_password_target_is_dropped() -> None:
    """A writeOnly target is accepted and never stored."""
    (warning,) = target_warnings(USER_TYPE, DirectorySettings(), "d", ["password", "userName"])
    assert (warning.target, warning.outcome) == ("password", "dropped")
