"""The event object of the feed and of webhook bodies (docs/events.md, "The event object")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """One change to a directory: ``data`` is the SCIM resource after it (``{"id"}`` once deleted;
    ``{"group", "member"}`` for membership events). Store ``cursor`` to resume after it."""

    id: str
    cursor: str
    type: str
    occurred_at: datetime
    directory_id: str
    data: dict[str, Any]
    changed_attributes: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Event:
        """Parse the JSON event object; ``occurred_at`` is RFC 3339 (``Z`` accepted)."""
        changed = raw.get("changed_attributes")
        return cls(
            id=str(raw["id"]),
            cursor=str(raw["cursor"]),
            type=str(raw["type"]),
            occurred_at=datetime.fromisoformat(str(raw["occurred_at"]).replace("Z", "+00:00")),
            directory_id=str(raw["directory_id"]),
            data=dict(raw["data"]),
            changed_attributes=tuple(changed) if changed is not None else None,
        )
