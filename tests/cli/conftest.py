"""The CLI run in process (click's CliRunner) against a SQLite file per test."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner

from scimdir.cli.main import CliState, cli


class Run(Protocol):
    """Invoke the CLI and return its output, asserting success (or failure with ok=False)."""

    def __call__(self, *args: str, input: str | None = None, ok: bool = True) -> str: ...


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """A CLI on a fresh database whose public URL is https://scim.example.test."""
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SCIMDIR_PUBLIC_URL", "https://scim.example.test")
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, ok: bool = True) -> str:
        result = runner.invoke(cli, list(args), obj=CliState(), input=input)
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code != 0, result.output
        return result.output

    return invoke
