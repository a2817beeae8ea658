"""``scimdir entra simulate`` through click's CliRunner against the in-process server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from scimdir.cli.entra_commands import SECRET_ENV, entra
from scimdir.cli.main import cli
from tests.simulator.conftest import ALICE, BOB, Endpoint


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return str(path)


def run(endpoint: Endpoint, *args: str) -> Result:
    base = ["simulate", "--tenant-url", endpoint.tenant_url]
    return CliRunner().invoke(
        entra, [*base, *args], obj=endpoint.http, env={SECRET_ENV: endpoint.secret}
    )


def test_json_report_counts_every_object(endpoint: Endpoint, tmp_path: Path) -> None:
    """--json prints one object whose summary counts the provisioned users and groups."""
    users = write(tmp_path, "users.json", [ALICE, BOB])
    groups = write(
        tmp_path, "groups.json", [{"displayName": "Eng", "objectId": "g1", "members": ["oid-bob"]}]
    )
    result = run(endpoint, "--users", users, "--groups", groups, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["summary"]["byAction"] == {
        "User Test connection": {"Success": 1},
        "Group Test connection": {"Success": 1},
        "User Create": {"Success": 2},
        "Group Create": {"Success": 1},
        "Group Add members": {"Success": 1},
    }
    assert endpoint.member_names("Eng") == ["bob@contoso.com"]


def test_csv_users_and_changes_file(endpoint: Endpoint, tmp_path: Path) -> None:
    """Entra's CSV export provisions users; a changes file then disables one."""
    users = write(
        tmp_path,
        "users.csv",
        "User principal name,Display name,Email,Id\n"
        "ann@contoso.com,Ann Lee,ann@contoso.com,oid-ann\n",
    )
    changes = write(
        tmp_path,
        "changes.json",
        {
            "users": [
                {
                    "objectId": "oid-ann",
                    "userPrincipalName": "ann@contoso.com",
                    "displayName": "Ann Lee",
                    "assigned": False,
                }
            ]
        },
    )
    result = run(endpoint, "--users", users, "--changes", changes)
    assert result.exit_code == 0, result.output
    assert "ann@contoso.com" in result.stdout
    assert "Disable" in result.stdout
    assert endpoint.find_user("ann@contoso.com")[0]["active"] is False


def test_failure_exits_non_zero_with_the_servers_detail(endpoint: Endpoint, tmp_path: Path) -> None:
    """A mappings file without the UPN fallback makes a mail-less user fail: exit code 1."""
    mappings = write(
        tmp_path,
        "mappings.yaml",
        "mappings:\n"
        "  - {target: userName, type: Direct, source: userPrincipalName}\n"
        "  - {target: displayName, type: Direct, source: displayName}\n"
        "  - {target: 'emails[type eq \"work\"].value', type: Direct, source: mail}\n",
    )
    users = write(tmp_path, "users.json", [{**BOB, "displayName": "Bob Lee"}])
    result = run(endpoint, "--users", users, "--mappings", mappings)
    assert result.exit_code == 1
    assert "Failure  400" in result.stdout
    assert 'map emails[type eq "work"].value with the expression' in result.stdout
    assert "Summary: 1 succeeded, 1 failed, 0 skipped" in result.stdout


def test_bad_groups_file_is_a_usage_error(endpoint: Endpoint, tmp_path: Path) -> None:
    """A group without displayName is refused before any request, naming the group."""
    users = write(tmp_path, "users.json", [ALICE])
    groups = write(tmp_path, "groups.json", [{"objectId": "g1"}])
    result = run(endpoint, "--users", users, "--groups", groups)
    assert result.exit_code == 2
    assert "group #1 needs a string 'displayName'" in result.output


def test_entra_group_is_registered_on_the_main_cli() -> None:
    """`scimdir entra simulate --help` is reachable from the main command."""
    result = CliRunner().invoke(cli, ["entra", "simulate", "--help"])
    assert result.exit_code == 0
    assert "--tenant-url" in result.output


def test_the_secret_comes_from_a_hidden_prompt_without_the_variable(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    """Without SCIMDIR_SIMULATE_SECRET the secret is asked for and never echoed."""
    users = write(tmp_path, "users.json", [ALICE])
    args = ["simulate", "--tenant-url", endpoint.tenant_url, "--users", users, "--json"]
    result = CliRunner().invoke(
        entra, args, obj=endpoint.http, input=endpoint.secret + "\n", env={SECRET_ENV: None}
    )
    assert result.exit_code == 0, result.output
    assert "Secret Token" in result.output
    assert endpoint.secret not in result.output
    assert json.loads(result.output.splitlines()[-1])["ok"] is True


def test_a_secret_on_the_command_line_is_refused(endpoint: Endpoint, tmp_path: Path) -> None:
    """--secret is refused with a usage error that names the variable to use instead."""
    users = write(tmp_path, "users.json", [ALICE])
    args = ["simulate", "--tenant-url", endpoint.tenant_url, "--users", users]
    result = CliRunner().invoke(entra, [*args, "--secret", endpoint.secret], obj=endpoint.http)
    assert result.exit_code == 2
    assert SECRET_ENV in result.output
    assert endpoint.get("/Users").json()["totalResults"] == 0
