"""The README's quick start, followed as a new user would: real processes, real HTTP.

Starts ``scimdir serve`` on a free port with a fresh SQLite database, creates a directory with the
CLI (``--json``), and provisions a user over HTTP with the printed secret.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.real_servers import SCIMDIR, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with running_server(f"sqlite:///{tmp_path / 'quickstart.db'}", tmp_path) as served:
        yield served.url, served.env


def test_quick_start_provisions_a_user_over_http(server: tuple[str, dict[str, str]]) -> None:
    """CLI-created directory + printed secret → Test Connection, POST, lookup over real HTTP."""
    base, env = server
    created = subprocess.run(
        [*SCIMDIR, "directory", "create", "--name", "Quick start", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    directory = json.loads(created.stdout)
    assert sorted(directory) == ["id", "idp", "name", "secret", "tenant_url"]
    assert directory["tenant_url"] == f"{base}/scim/{directory['id']}/v2"
    auth = {"Authorization": f"Bearer {directory['secret']}"}
    tenant = directory["tenant_url"]

    test_connection = httpx.get(
        f"{tenant}/Users",
        params={"filter": 'userName eq "0f8fad5b-d9cb-469f-a165-70867728950e"'},
        headers=auth,
    )
    assert test_connection.status_code == 200
    assert test_connection.json()["totalResults"] == 0

    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "first@contoso.com",
        "displayName": "First User",
        "emails": [{"value": "first@contoso.com", "type": "work", "primary": True}],
        "active": "True",
    }
    posted = httpx.post(
        f"{tenant}/Users",
        content=json.dumps(user),
        headers={**auth, "Content-Type": "application/scim+json; charset=utf-8"},
    )
    assert posted.status_code == 201
    assert posted.headers["content-type"].startswith("application/scim+json")
    found = httpx.get(
        f"{tenant}/Users", params={"filter": 'userName eq "FIRST@contoso.com"'}, headers=auth
    ).json()
    assert found["Resources"][0]["id"] == posted.json()["id"]
