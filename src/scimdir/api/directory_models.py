"""Request and response models of the directory routes (the OpenAPI schemas are generated from
these), and their conversion from service records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scimdir.service.directories import SecretStatus
from scimdir.service.directory_settings import DirectorySettings, SettingError
from scimdir.service.durations import parse_duration
from scimdir.service.ports import DirectoryRecord

__all__ = [
    "DirectoryCreate",
    "DirectoryCreated",
    "DirectoryList",
    "DirectoryOut",
    "DirectoryPatch",
    "IdpName",
    "ResetIn",
    "ResetOut",
    "RotateIn",
    "RotateOut",
    "SecretList",
    "SecretOut",
    "SettingsOut",
]

IdpName = Literal[
    "entra", "okta", "onelogin", "jumpcloud", "pingone", "rippling", "authentik", "generic"
]
"""The IdP presets (``service.directory_settings.IDPS``; a test keeps them equal)."""

Name = Field(min_length=1, max_length=200, description="A name that points back to the app.")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SettingsOut(BaseModel):
    """A directory's advanced settings (README, "Directory settings")."""

    user_linking: bool
    deletion: Literal["delete", "deactivate"]
    required_attributes: list[Literal["userName", "displayName", "email"]]
    rate_limit: float = Field(description="Requests per second per server process; 0 is off.")
    rate_limit_burst: float = Field(description="Token bucket size; 0 is two seconds' worth.")
    cycle_minutes: int = Field(
        description="The IdP's provisioning cycle; health says `silent` after two without a call."
    )
    undeclared_attributes: Literal["refuse", "keep"] = Field(
        default="refuse",
        description="Attributes of extension schemas the directory has not declared: `refuse` "
        "(400 naming how to declare them) or `keep` (stored as sent, not filterable, logged).",
    )


class DirectoryOut(BaseModel):
    """A directory as the admin sees it."""

    id: str
    name: str
    idp: IdpName
    tenant_url: str = Field(description="What the IdP's Tenant URL field takes.")
    settings: SettingsOut
    settings_error: str | None = Field(
        default=None,
        description="Set when the stored settings cannot be read by this release (every SCIM "
        "request of the directory then fails): what is wrong and how to repair it. `settings` "
        "then shows the defaults.",
    )
    created: datetime
    updated: datetime

    @classmethod
    def of(cls, record: DirectoryRecord, tenant_url: str) -> DirectoryOut:
        """The model of ``record``."""
        error: str | None = None
        try:
            settings = DirectorySettings.from_json(record.settings).to_json()
        except SettingError as exc:
            settings = DirectorySettings().to_json()
            error = f"{exc} Repair it with PATCH /api/v1/directories/{record.id}."
        return cls.model_validate(
            {
                "id": record.id,
                "name": record.name,
                "idp": record.idp,
                "tenant_url": tenant_url,
                "settings": settings,
                "settings_error": error,
                "created": record.created,
                "updated": record.updated,
            }
        )


class DirectoryList(BaseModel):
    """Every directory, oldest first."""

    data: list[DirectoryOut]


class DirectoryCreate(_Strict):
    """A new directory."""

    name: str = Name
    idp: IdpName = "entra"


class DirectoryCreated(BaseModel):
    """A new directory and its secret, shown this once (stored only as a hash)."""

    id: str
    name: str
    idp: IdpName
    tenant_url: str
    secret: str


class DirectoryPatch(_Strict):
    """Changes to a directory; absent fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"settings": {"user_linking": True}}},
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    idp: IdpName | None = None
    settings: dict[str, Any] | None = Field(
        default=None,
        max_length=16,
        description="Settings to change: user_linking (true/false), deletion (delete or "
        "deactivate), required_attributes (a subset of userName, displayName, email), rate_limit "
        "and rate_limit_burst (requests/s), cycle_minutes. A bad "
        "key or value is a 400 problem whose `setting` names it.",
    )


class SecretOut(BaseModel):
    """A directory secret's metadata; the secret and its hash are never shown again."""

    id: str
    created: datetime
    last_used: datetime | None
    expires: datetime | None
    revoked: datetime | None
    live: bool = Field(description="Whether it opens the directory now.")

    @classmethod
    def of(cls, status: SecretStatus) -> SecretOut:
        """The model of ``status``."""
        return cls(
            id=status.id,
            created=status.created,
            last_used=status.last_used,
            expires=status.expires,
            revoked=status.revoked,
            live=status.live,
        )


class SecretList(BaseModel):
    """A directory's secrets, oldest first."""

    data: list[SecretOut]


class RotateIn(_Strict):
    """How long the old secrets keep working after a rotation."""

    keep_old_for: str | None = Field(
        default=None,
        pattern=r"^\s*[0-9]{1,9}[smhd]\s*$",
        description="e.g. 1h (units s, m, h, d; at most 366d); absent: old secrets stop now.",
        examples=["1h"],
    )

    @field_validator("keep_old_for")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class RotateOut(BaseModel):
    """The new secret, shown this once."""

    secret: str
    previous_secrets_stop: datetime = Field(
        description="When the secrets issued before stop working."
    )


class ResetIn(_Strict):
    """What a reset does with the provisioned users (groups are always removed)."""

    mode: Literal["delete", "unlink"] = Field(
        description="delete: remove the IdP's users; unlink: keep them as unlinked accounts "
        "that the IdP's next POST links to (with user_linking on)."
    )


class ResetOut(BaseModel):
    """What a reset removed."""

    mode: Literal["delete", "unlink"]
    users: int = Field(description="Users removed (delete) or unlinked (unlink).")
    groups: int = Field(description="Groups removed.")
