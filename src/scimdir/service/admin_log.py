"""Provisioning-log entries for what an admin did to a directory: settings changes, secret
rotations, resets. Written in the same transaction as the change, so the log never shows an
action that did not happen. Secrets never appear: a rotation says when the old ones stop.
"""

from __future__ import annotations

from datetime import datetime

from scimdir.service.directory_settings import DirectorySettings, SettingError
from scimdir.service.ports import DirectoryRecord, LogRecord

__all__ = ["admin_entry", "settings_entry"]


def admin_entry(directory_id: str, action: str, effect: str, at: datetime) -> LogRecord:
    """An ``admin`` entry: ``action`` names the operation (``settings``, ``rotate-secret``,
    ``reset``), ``effect`` says what changed in words."""
    return LogRecord(
        directory_id=directory_id,
        method="ADMIN",
        path=action,
        status=200,
        created=at,
        duration_ms=0.0,
        category="admin",
        effect=effect,
    )


def settings_entry(record: DirectoryRecord, settings: DirectorySettings, at: datetime) -> LogRecord:
    """The entry of a settings change: each setting whose value changed, before and after."""
    try:
        before = DirectorySettings.from_json(record.settings).to_json()
    except SettingError:  # a stored value this release cannot read, being repaired: as stored
        before = dict(record.settings)
    after = settings.to_json()
    changes = [
        f"{key} {_shown(before.get(key))} -> {_shown(value)}"
        for key, value in after.items()
        if before.get(key) != value
    ]
    effect = "changed " + ", ".join(changes) if changes else "settings saved, no change"
    return admin_entry(record.id, "settings", effect, at)


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)
