"""The CLI says when a tenant URL cannot be reached, and refuses a public URL without scheme."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scimdir.cli.main import cli
from scimdir.cli.state import CliState


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("SCIMDIR_PUBLIC_URL", raising=False)


@pytest.mark.usefixtures("database")
def test_directory_create_warns_on_stderr_when_the_tenant_url_is_loopback() -> None:
    """With the default http://127.0.0.1:8000 a warning goes to stderr; --json stays one object."""
    result = CliRunner().invoke(
        cli, ["directory", "create", "--name", "Laptop", "--json"], obj=CliState()
    )
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {"id", "name", "idp", "tenant_url", "secret"}
    assert "cannot reach it" in result.stderr
    assert "SCIMDIR_PUBLIC_URL" in result.stderr


@pytest.mark.usefixtures("database")
def test_a_public_url_gives_no_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """A public https URL is what Entra needs: no warning, and it is the tenant URL's base."""
    monkeypatch.setenv("SCIMDIR_PUBLIC_URL", "https://scim.example.com")
    result = CliRunner().invoke(
        cli, ["directory", "create", "--name", "Prod", "--json"], obj=CliState()
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tenant_url"].startswith("https://scim.example.com/scim/")
    assert result.stderr == ""


@pytest.mark.usefixtures("database")
def test_a_public_url_without_scheme_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """SCIMDIR_PUBLIC_URL=scim.example.com is one error line and exit 2, no traceback."""
    monkeypatch.setenv("SCIMDIR_PUBLIC_URL", "scim.example.com")
    result = CliRunner().invoke(cli, ["directory", "list"], obj=None)
    assert result.exit_code == 2
    assert "SCIMDIR_PUBLIC_URL: must be an absolute http(s) URL" in result.stderr
    assert "Traceback" not in result.output
