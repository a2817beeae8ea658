"""``scimdir serve --bootstrap``: the first directory's secret goes to a terminal or a 0600 file."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scimdir.cli import main as cli_main
from scimdir.cli.state import CliState
from scimdir.service.secrets import hash_secret


def _bootstrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool) -> tuple[str, str]:
    """Run ``serve --bootstrap`` on a fresh database (uvicorn not started); output, secret."""
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(cli_main.uvicorn, "run", lambda *a, **kw: served.append(kw))
    monkeypatch.setattr(cli_main, "_stdout_is_terminal", lambda: terminal)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path / 'boot.db'}")
    result = CliRunner().invoke(cli_main.cli, ["serve", "--bootstrap"], obj=CliState())
    assert result.exit_code == 0, result.output
    assert len(served) == 1
    state = CliState()
    (directory,) = state.services.directories.list_all()
    (secret,) = state.services.directories.live_secrets(directory.id)
    state.services.storage.dispose()
    return result.output, secret.secret_hash


def test_bootstrap_prints_the_secret_to_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the new directory's secret is printed, and no file is written; the default
    loopback tenant URL comes with the warning that an IdP cannot reach it."""
    output, stored = _bootstrap(tmp_path, monkeypatch, terminal=True)
    assert "cannot reach it" in output
    printed = re.search(r"Secret Token: (\S+)", output)
    assert printed is not None
    assert hash_secret(printed.group(1)) == stored
    assert list(tmp_path.glob("scimdir-secret-*")) == []


def test_bootstrap_writes_the_secret_to_a_0600_file_when_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Piped or logged, the output names a file (mode 0600) holding the secret, not the secret."""
    output, stored = _bootstrap(tmp_path, monkeypatch, terminal=False)
    (path,) = tmp_path.glob("scimdir-secret-*")
    secret = path.read_text("utf-8").strip()
    assert hash_secret(secret) == stored
    assert secret not in output
    assert str(path) in output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
