"""Stored settings and IdP names are refused on write and reported on read, never guessed."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scimdir.scim.dialects import dialect_for
from scimdir.service.directories import AdminError, DirectoryService
from scimdir.service.directory_settings import (
    DirectorySettings,
    SettingError,
    StoredSettingsInvalid,
)
from scimdir.service.ports import DirectoryRecord, Storage
from scimdir.service.runtime import system_runtime

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _directory(settings: dict[str, object], idp: str = "entra") -> DirectoryRecord:
    return DirectoryRecord(uuid.uuid4().hex, "D", idp, settings, NOW, NOW)


def test_an_unknown_stored_key_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """An unknown key in the stored JSON is a warning naming it; the known keys still apply."""
    with caplog.at_level(logging.WARNING, logger="scimdir.service.directory_settings"):
        settings = DirectorySettings.from_json({"user_linking": True, "colour": "blue"})
    assert settings.user_linking is True
    assert "'colour'" in caplog.text
    assert "user_linking, deletion, required_attributes" in caplog.text


def test_an_unknown_key_is_refused_on_write() -> None:
    """Writing an unknown key fails with the list of valid keys."""
    with pytest.raises(SettingError, match="settings are user_linking, deletion"):
        DirectorySettings().with_value("colour", "blue")


def test_a_bad_stored_value_is_a_500_scim_error_naming_the_fix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stored value this release refuses fails the request with the fix, and logs an error."""
    directory = _directory({"deletion": "purge"})
    with (
        caplog.at_level(logging.ERROR, logger="scimdir.service.directory_settings"),
        pytest.raises(StoredSettingsInvalid) as raised,
    ):
        DirectorySettings.of(directory)
    assert raised.value.status == 500
    assert f"scimdir directory set {directory.id} KEY VALUE" in raised.value.detail
    assert "deletion must be 'delete' or 'deactivate'" in raised.value.detail
    assert f"directory {directory.id}: stored settings are invalid" in caplog.text


def test_the_admin_can_repair_a_bad_stored_value(storage: Storage) -> None:
    """`directory set` replaces a stored value that this release cannot read."""
    service = DirectoryService(storage, system_runtime())
    directory = service.create("Broken", "okta").directory
    with storage.transaction() as tx:
        tx.update_directory(replace(directory, settings={"deletion": "purge"}))
    repaired = service.set_setting(directory.id, "deletion", "deactivate")
    assert repaired.deletion == "deactivate"
    assert DirectorySettings.of(service.get(directory.id)).deletion == "deactivate"


def test_creating_a_directory_with_an_unknown_idp_is_refused(storage: Storage) -> None:
    """An unknown IdP name at creation is refused with the valid names, not served as generic."""
    service = DirectoryService(storage, system_runtime())
    with pytest.raises(
        AdminError, match="entra, okta, onelogin, jumpcloud, pingone, rippling, authentik, generic"
    ):
        service.create("Typo", "azure-ad")


def test_a_stored_unknown_idp_is_logged_loudly(caplog: pytest.LogCaptureFixture) -> None:
    """A stored IdP name no dialect knows is an error in the server log naming the valid ones."""
    name = f"idp-{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.ERROR, logger="scimdir.scim.dialects"):
        dialect = dialect_for(name)
    assert dialect.name == "generic"
    assert f"unknown IdP preset {name!r}" in caplog.text
    assert "entra, okta" in caplog.text
