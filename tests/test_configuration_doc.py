"""docs/configuration.md lists every environment variable the server reads."""

from __future__ import annotations

from pathlib import Path

from scimdir.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_in_the_configuration_table() -> None:
    """Each Settings field appears as its SCIMDIR_ variable in docs/configuration.md."""
    text = DOC.read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"`SCIMDIR_{n.upper()}`" not in text]
    assert missing == []
