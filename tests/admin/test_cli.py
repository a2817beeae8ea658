"""``scimdir admin create`` and the one-time link of ``serve --bootstrap``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scimdir.cli import main as cli_main
from scimdir.cli.state import CliState
from tests.admin.conftest import PASSWORD
from tests.cli.conftest import Run


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The CLI on a fresh SQLite database."""
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def invoke(*args: str, input: str | None = None, ok: bool = True) -> str:
        result = CliRunner().invoke(cli_main.cli, list(args), obj=CliState(), input=input)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return invoke


def test_admin_create_reads_the_password_from_stdin(run: Run) -> None:
    """--password-stdin takes the first line; the account then signs in with it."""
    out = run(
        "admin",
        "create",
        "--email",
        "Ops@Example.com",
        "--password-stdin",
        "--json",
        input=PASSWORD + "\n",
    )
    assert '"email": "ops@example.com"' in out
    state = CliState()
    assert state.services.admin_accounts.verify("ops@example.com", PASSWORD) is not None
    state.services.storage.dispose()


def test_admin_create_refuses_a_short_password(run: Run) -> None:
    """A password under 12 characters exits 1 with the reason."""
    out = run(
        "admin", "create", "--email", "a@example.com", "--password-stdin", input="short\n", ok=False
    )
    assert "at least 12 characters" in out


def test_bootstrap_prints_a_one_time_setup_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve --bootstrap on an empty database prints a /admin/setup link that is valid."""
    monkeypatch.setattr(cli_main.uvicorn, "run", lambda *a, **kw: None)
    monkeypatch.setattr(cli_main, "_stdout_is_terminal", lambda: True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path / 'boot.db'}")
    result: Any = CliRunner().invoke(cli_main.cli, ["serve", "--bootstrap"], obj=CliState())
    assert result.exit_code == 0, result.output
    link = re.search(r"http://127\.0\.0\.1:8000/admin/setup/(\S+)", result.output)
    assert link is not None
    state = CliState()
    assert state.services.admin_accounts.link_valid(link.group(1))
    state.services.admin_accounts.create("a@example.com", PASSWORD)
    again: Any = CliRunner().invoke(cli_main.cli, ["serve", "--bootstrap"], obj=CliState())
    assert "/admin/setup/" not in again.output  # an account exists: no link
    state.services.storage.dispose()
