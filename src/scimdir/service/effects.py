"""What a provisioning request did, in words, for the provisioning log.

Computed from the change the use case already holds (the stored document before and after, the
membership row counts), never from an extra query. Examples: ``created``, ``linked to an
existing account``, ``updated displayName and department``, ``deactivated; updated title``,
``added 3 members, removed 1``, ``no change``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA

__all__ = ["document_change", "join_effects", "members_change"]

_SHOWN: Final = 6


def _changed_names(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for key in sorted(set(before) | set(after)):
        if key == "active" or before.get(key) == after.get(key):
            continue
        old, new = before.get(key), after.get(key)
        if (
            key == ENTERPRISE_USER_SCHEMA
            and isinstance(old or {}, dict)
            and isinstance(new or {}, dict)
        ):
            names.extend(_changed_names(old or {}, new or {}))
        else:
            names.append(key)
    return names


def _listing(names: list[str]) -> str:
    if len(names) > _SHOWN:
        return f"{', '.join(names[:_SHOWN])} and {len(names) - _SHOWN} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def document_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """``deactivated``/``reactivated`` and the attributes that changed, or ``no change``."""
    parts: list[str] = []
    was, now = before.get("active", True), after.get("active", True)
    if was is not False and now is False:
        parts.append("deactivated")
    elif was is False and now is not False:
        parts.append("reactivated")
    names = _changed_names(before, after)
    if names:
        parts.append(f"updated {_listing(names)}")
    return "; ".join(parts) or "no change"


def members_change(added: int, removed: int) -> str | None:
    """``added 3 members, removed 1``; None when nothing changed."""
    parts = []
    if added:
        parts.append(f"added {added} member{'s' if added != 1 else ''}")
    if removed:
        parts.append(
            f"removed {removed}" + ("" if added else f" member{'s' if removed != 1 else ''}")
        )
    return ", ".join(parts) or None


def join_effects(*effects: str | None) -> str | None:
    """Several effects of one request as one text (``updated displayName; added 2 members``)."""
    kept = [e for e in effects if e and e != "no change"]
    if kept:
        return "; ".join(kept)
    return "no change" if any(effects) else None
