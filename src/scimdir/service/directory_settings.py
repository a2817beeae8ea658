"""Per-directory advanced settings (policies), typed, with defaults from the IdP preset.

The product's advanced settings (`shared/product/README.md`): user linking on creation, deletion
behaviour, required attributes. Stored as JSON on the directory row; this module is the only place
that reads or writes that JSON, so unknown keys and bad values are refused with a clear message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import orjson

if TYPE_CHECKING:
    from scimdir.service.ports import DirectoryRecord

IDPS: tuple[str, ...] = ("entra", "okta", "onelogin", "jumpcloud", "generic")
REQUIRABLE: tuple[str, ...] = ("userName", "displayName", "email")

DeletionBehaviour = Literal["delete", "deactivate"]


class SettingError(ValueError):
    """A setting key or value the directory cannot take; the message says which are allowed."""


@dataclass(frozen=True)
class DirectorySettings:
    """The advanced settings of one directory.

    - ``user_linking``: on POST, adopt an existing unlinked account whose externalId or userName
      matches instead of answering 409 (off by default).
    - ``deletion``: what DELETE /Users does: ``delete`` (default) or ``deactivate`` (active=false).
    - ``required_attributes``: attributes a user must carry non-empty (default: all three).
    """

    user_linking: bool = False
    deletion: DeletionBehaviour = "delete"
    required_attributes: tuple[str, ...] = REQUIRABLE

    def to_json(self) -> dict[str, Any]:
        """The JSON stored on the directory row."""
        data = asdict(self)
        data["required_attributes"] = list(self.required_attributes)
        return data

    @classmethod
    def of(cls, directory: DirectoryRecord) -> DirectorySettings:
        """The settings of ``directory``, parsed once per distinct stored JSON.

        Every SCIM request needs them. The key is the stored JSON itself (read from the database
        on every request), so a change made by any process is seen on the next request.
        """
        key = orjson.dumps(directory.settings, option=orjson.OPT_SORT_KEYS)
        found = _BY_DIRECTORY.get(key)
        if found is None:
            found = cls.from_json(directory.settings)
            if len(_BY_DIRECTORY) >= _CACHE_MAX:
                _BY_DIRECTORY.clear()
            _BY_DIRECTORY[key] = found
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DirectorySettings:
        """Read stored JSON; missing keys take their defaults."""
        settings = cls()
        for key, value in (data or {}).items():
            if key in _KEYS:
                settings = settings.with_value(key, value)
        return settings

    def with_value(self, key: str, value: Any) -> DirectorySettings:
        """Return a copy with ``key`` set; ``value`` may be a CLI string or a JSON value.

        :raises SettingError: unknown key or value, naming the allowed ones.
        """
        key = _ALIASES.get(key.replace("-", "_"), key.replace("-", "_"))
        if key == "user_linking":
            return replace(self, user_linking=_to_bool(key, value))
        if key == "deletion":
            if value not in ("delete", "deactivate"):
                raise SettingError("deletion must be 'delete' or 'deactivate'.")
            return replace(self, deletion=value)
        if key == "required_attributes":
            if isinstance(value, str):
                items = value.split(",")
            elif isinstance(value, list | tuple) and all(isinstance(i, str) for i in value):
                items = list(value)
            else:
                raise SettingError(
                    "required_attributes takes a list of names or a comma-separated string, "
                    f"a subset of {', '.join(REQUIRABLE)}."
                )
            cleaned = tuple(i.strip() for i in items if i.strip())
            unknown = [i for i in cleaned if i not in REQUIRABLE]
            if unknown:
                raise SettingError(
                    f"required_attributes takes a comma-separated subset of {', '.join(REQUIRABLE)}"
                    f" (unknown: {', '.join(unknown)})."
                )
            return replace(self, required_attributes=cleaned)
        raise SettingError(f"Unknown setting {key!r}; settings are {', '.join(_KEYS)}.")


_KEYS = ("user_linking", "deletion", "required_attributes")
_BY_DIRECTORY: dict[bytes, DirectorySettings] = {}
_CACHE_MAX = 4096
_ALIASES = {"linking": "user_linking", "delete": "deletion", "required": "required_attributes"}


def _to_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    raise SettingError(f"{key} must be true or false, not {value!r}.")


def preset(idp: str) -> DirectorySettings:
    """The default settings for an IdP preset (all presets share the product defaults today)."""
    if idp not in IDPS:
        raise SettingError(f"Unknown identity provider {idp!r}; choose one of {', '.join(IDPS)}.")
    return DirectorySettings()
