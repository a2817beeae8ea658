"""Per-directory advanced settings (policies), typed, with defaults from the IdP preset.

The product's advanced settings (`docs/product.md`): user linking on creation, deletion
behaviour, required attributes. Stored as JSON on the directory row; this module is the only place
that reads or writes that JSON. Nothing is guessed:

- on write (:meth:`DirectorySettings.with_value`, :func:`preset`) an unknown key, value or IdP
  name is refused with a message that lists the valid ones;
- on read, an unknown stored key (from a newer release, or a hand edit) is ignored with a warning
  in the server log, and a stored value the code cannot take makes the directory's SCIM requests
  fail with :class:`StoredSettingsInvalid` (a 500 SCIM error whose detail, like the error in the
  server log, tells the admin to fix it with ``scimdir directory set``), never a silent default.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import orjson

from scimdir.scim.errors import SCIMException

if TYPE_CHECKING:
    from scimdir.service.ports import DirectoryRecord

IDPS: tuple[str, ...] = (
    "entra",
    "okta",
    "onelogin",
    "jumpcloud",
    "pingone",
    "rippling",
    "authentik",
    "generic",
)
REQUIRABLE: tuple[str, ...] = ("userName", "displayName", "email")

DeletionBehaviour = Literal["delete", "deactivate"]
UndeclaredAttributes = Literal["refuse", "keep"]


logger = logging.getLogger(__name__)


class SettingError(ValueError):
    """A setting key or value the directory cannot take; the message says which are allowed."""


class StoredSettingsInvalid(SCIMException):
    """A directory's stored settings hold a value this release cannot take (RFC 7644 §3.12: 500).

    The request cannot be served as configured, and guessing a default could delete where the admin
    chose to deactivate; the detail names the bad setting and the command that fixes it.
    """

    status = 500
    _default_detail = "This directory's stored settings are invalid."


@dataclass(frozen=True)
class DirectorySettings:
    """The advanced settings of one directory.

    - ``user_linking``: on POST, adopt an existing unlinked account whose externalId or userName
      matches instead of answering 409 (off by default).
    - ``deletion``: what DELETE /Users does: ``delete`` (default) or ``deactivate`` (active=false).
    - ``required_attributes``: attributes a user must carry non-empty (default: all three; the
      generic presets set only ``userName``, see :func:`preset`).
    - ``rate_limit``: requests per second this directory may send to one server process (0, the
      default, is no limit; else at least :data:`MIN_RATE_LIMIT`); ``rate_limit_burst`` is the
      bucket size (0: two seconds' worth). See ``scimdir.web.rate_limit``.
    - ``cycle_minutes``: how often the IdP calls (Entra's provisioning cycle is about 40
      minutes); a directory that used to be called and has not been for more than two cycles
      is reported ``silent`` by its health (docs/provisioning-log.md).
    """

    user_linking: bool = False
    deletion: DeletionBehaviour = "delete"
    required_attributes: tuple[str, ...] = REQUIRABLE
    rate_limit: float = 0.0
    rate_limit_burst: float = 0.0

    def burst(self) -> float:
        """The token bucket size of ``rate_limit``: the setting (never below one second's
        worth), or two seconds' worth."""
        if self.rate_limit_burst:
            return max(self.rate_limit_burst, self.rate_limit)
        return 2 * self.rate_limit

    cycle_minutes: int = 40
    undeclared_attributes: UndeclaredAttributes = "refuse"
    """What a write does with an extension URN the directory has not declared: ``refuse`` it
    (400 naming how to declare it) or ``keep`` it as sent, unfilterable and logged
    (:mod:`scimdir.service.undeclared`; docs/extensions.md)."""

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
            try:
                found = cls.from_json(directory.settings)
            except SettingError as exc:
                fix = f"scimdir directory set {directory.id} KEY VALUE"
                logger.error(
                    "directory %s: stored settings are invalid (%s); fix them with `%s`",
                    directory.id,
                    exc,
                    fix,
                )
                raise StoredSettingsInvalid(
                    detail=f"This directory's stored settings are invalid: {exc} An administrator "
                    f"of the SCIM service must fix them with `{fix}`."
                ) from exc
            if len(_BY_DIRECTORY) >= _CACHE_MAX:
                _BY_DIRECTORY.clear()
            _BY_DIRECTORY[key] = found
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DirectorySettings:
        """Read stored JSON; missing keys take their defaults, unknown keys are logged and skipped.

        :raises SettingError: a known key with a value it cannot take.
        """
        settings = cls()
        for key, value in (data or {}).items():
            if key in _KEYS:
                settings = settings.with_value(key, value)
            else:
                logger.warning(
                    "ignoring unknown stored directory setting %r (settings are %s)",
                    key,
                    ", ".join(_KEYS),
                )
        return settings

    @classmethod
    def stored_with(cls, data: dict[str, Any] | None, key: str, value: Any) -> DirectorySettings:
        """The stored settings with ``key`` set: how an admin repairs a bad stored value.

        The stored value of ``key`` itself is not parsed, so ``scimdir directory set`` can replace
        a value this release refuses. :raises SettingError: unknown key or value, or another bad
        stored value.
        """
        canonical = canonical_key(key)
        kept = {k: v for k, v in (data or {}).items() if canonical_key(k) != canonical}
        return cls.from_json(kept).with_value(key, value)

    def with_value(self, key: str, value: Any) -> DirectorySettings:
        """Return a copy with ``key`` set; ``value`` may be a CLI string or a JSON value.

        :raises SettingError: unknown key or value, naming the allowed ones.
        """
        key = canonical_key(key)
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
        if key == "rate_limit":
            rate = _to_number(key, value)
            if 0 < rate < MIN_RATE_LIMIT:
                raise SettingError(
                    f"rate_limit must be 0 (off) or at least {MIN_RATE_LIMIT:g} requests per "
                    "second: Entra expects a SCIM endpoint to take 25 per second."
                )
            return replace(self, rate_limit=rate)
        if key == "rate_limit_burst":
            # Below rate_limit it counts as rate_limit (see burst()): checking it against the
            # rate here would make the order of two `directory set` calls matter.
            return replace(self, rate_limit_burst=_to_number(key, value))
        if key == "cycle_minutes":
            return replace(self, cycle_minutes=_to_minutes(key, value))
        if key == "undeclared_attributes":
            text = str(value).strip().lower() if isinstance(value, str) else value
            if text == "refuse":
                return replace(self, undeclared_attributes="refuse")
            if text == "keep":
                return replace(self, undeclared_attributes="keep")
            raise SettingError(
                "undeclared_attributes must be 'refuse' (answer 400 naming how to declare "
                "the extension) or 'keep' (store such attributes as sent, unfilterable)."
            )
        raise SettingError(f"Unknown setting {key!r}; settings are {', '.join(_KEYS)}.")


_KEYS = (
    "user_linking",
    "deletion",
    "required_attributes",
    "rate_limit",
    "rate_limit_burst",
    "cycle_minutes",
    "undeclared_attributes",
)
MIN_RATE_LIMIT = 25.0
_BY_DIRECTORY: dict[bytes, DirectorySettings] = {}
_CACHE_MAX = 4096
_ALIASES = {
    "linking": "user_linking",
    "delete": "deletion",
    "required": "required_attributes",
    "undeclared": "undeclared_attributes",
}


def canonical_key(key: str) -> str:
    """A setting's canonical name (``user-linking`` and aliases name ``user_linking``)."""
    plain = key.replace("-", "_")
    return _ALIASES.get(plain, plain)


def _to_number(key: str, value: Any) -> float:
    """A non-negative finite number from a CLI string or JSON; ``off`` is 0."""
    if isinstance(value, str) and value.strip().lower() in ("off", "none"):
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise SettingError(
            f"{key} must be a non-negative number (0 or off: no limit), not {value!r}."
        )
    return number


def _to_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    raise SettingError(f"{key} must be true or false, not {value!r}.")


RFC_REQUIRED: tuple[str, ...] = ("userName",)
"""What RFC 7643 §4.1 itself requires of a User: the generic presets ask for nothing more."""

_PRESETS: dict[str, DirectorySettings] = {
    # Entra sends every custom attribute mapping of a non-gallery app as an extension URN; a
    # refused one fails every user on every cycle, so Entra directories keep them (entra.md §9).
    "entra": DirectorySettings(undeclared_attributes="keep"),
    "okta": DirectorySettings(),
    "onelogin": DirectorySettings(
        user_linking=True, deletion="deactivate", required_attributes=RFC_REQUIRED
    ),
    "jumpcloud": DirectorySettings(required_attributes=("userName", "email")),
    "pingone": DirectorySettings(required_attributes=RFC_REQUIRED),
    "rippling": DirectorySettings(deletion="deactivate", required_attributes=("userName", "email")),
    "authentik": DirectorySettings(
        user_linking=True, required_attributes=("userName", "displayName")
    ),
    "generic": DirectorySettings(required_attributes=RFC_REQUIRED),
}


def _to_minutes(key: str, value: Any) -> int:
    try:
        minutes = int(str(value).strip())
    except ValueError as exc:
        raise SettingError(f"{key} must be a whole number of minutes, not {value!r}.") from exc
    if not 1 <= minutes <= 10_080:
        raise SettingError(f"{key} must be between 1 and 10080 minutes (a week).")
    return minutes


def preset(idp: str) -> DirectorySettings:
    """The default settings for an IdP preset (docs/idp/README.md, *Recommended presets*).

    Entra and Okta require a userName, displayName and e-mail (what an application needs of a
    person, and what both IdPs' recommended mappings always send). The others require what the
    IdP can always fill: ``generic`` and PingOne only ``userName`` (RFC 7643 §4.1); OneLogin only
    ``userName`` (its templates send no displayName), deactivates on DELETE and links existing
    accounts (no documented lookup before its POST); JumpCloud ``userName`` and e-mail (its Test
    Connection must pass and must never adopt a real account); authentik ``userName`` and
    ``displayName`` (its default mapping sends both) with linking (it looks a user up only after
    a 409); Rippling ``userName`` and e-mail (an HR system always has the work e-mail; no
    ``displayName`` in its documented attribute lists) and deactivates on DELETE (terminations
    are reversed by rehires; docs/idp/rippling.md §8). Entra keeps attributes of undeclared
    extensions (``undeclared_attributes=keep``): an admin's custom attribute mapping must not stop
    every user (docs/idp/entra.md §9.1); the others refuse them, naming how to declare the
    extension. Each directory can change any of these with ``scimdir directory set``.
    """
    if idp not in IDPS:
        raise SettingError(f"Unknown identity provider {idp!r}; choose one of {', '.join(IDPS)}.")
    return _PRESETS[idp]
