"""Directory settings: parsing, validation, and the per-JSON cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scimdir.service.directory_settings import IDPS, DirectorySettings, SettingError, preset
from scimdir.service.ports import DirectoryRecord

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _directory(settings: dict[str, object]) -> DirectoryRecord:
    return DirectoryRecord("d", "D", "entra", settings, NOW, NOW)


def test_cached_settings_follow_the_stored_json() -> None:
    """Two reads of one directory row at the same `updated` but other JSON give other settings."""
    off = DirectorySettings.of(_directory({"user_linking": False}))
    on = DirectorySettings.of(_directory({"user_linking": True}))
    assert (off.user_linking, on.user_linking) == (False, True)
    assert DirectorySettings.of(_directory({"user_linking": True})) is on


def test_values_are_validated_with_the_choices_named() -> None:
    """A bad value is refused with a message naming the allowed values."""
    with pytest.raises(SettingError, match=r"delete.*deactivate"):
        DirectorySettings().with_value("deletion", "shred")
    with pytest.raises(SettingError, match="userName, displayName, email"):
        DirectorySettings().with_value("required_attributes", "userName,phone")
    assert DirectorySettings().with_value("linking", "on").user_linking is True


def test_presets_follow_what_each_idp_can_always_send() -> None:
    """Each preset matches docs/idp/README.md's recommended table (required, deletion, linking)."""
    expected = {
        "entra": (("userName", "displayName", "email"), "delete", False),
        "okta": (("userName", "displayName", "email"), "delete", False),
        "onelogin": (("userName",), "deactivate", True),
        "jumpcloud": (("userName", "email"), "delete", False),
        "pingone": (("userName",), "delete", False),
        "rippling": (("userName", "email"), "deactivate", False),
        "authentik": (("userName", "displayName"), "delete", True),
        "generic": (("userName",), "delete", False),
    }
    assert set(expected) == set(IDPS)
    for idp, (required, deletion, linking) in expected.items():
        got = preset(idp)
        assert (got.required_attributes, got.deletion, got.user_linking) == (
            required,
            deletion,
            linking,
        )
