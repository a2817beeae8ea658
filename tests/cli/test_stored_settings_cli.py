"""The CLI shows a directory whose stored settings are bad, with the fix, and can repair it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from scimdir.cli.main import CliState, cli
from scimdir.composition import build_services
from scimdir.settings import Settings


def test_show_names_the_bad_setting_and_set_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`directory show` reports a bad stored value with the command that fixes it; `set` fixes."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", url)
    services = build_services(Settings(database_url=url))
    services.storage.migrate()
    directory = services.directories.create("Broken", "entra").directory
    with services.storage.transaction() as tx:
        tx.update_directory(replace(directory, settings={"deletion": "purge"}))
    services.storage.dispose()
    runner = CliRunner()

    shown = runner.invoke(cli, ["directory", "show", directory.id, "--json"], obj=CliState())
    assert shown.exit_code == 0, shown.output
    settings = json.loads(shown.output)["settings"]
    assert settings["stored"] == {"deletion": "purge"}
    assert f"scimdir directory set {directory.id} KEY VALUE" in settings["error"]

    fixed = runner.invoke(cli, ["directory", "set", directory.id, "deletion", "deactivate"])
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.output)["deletion"] == "deactivate"
