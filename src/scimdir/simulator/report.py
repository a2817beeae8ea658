"""The provisioning report: one entry per object and action, as Entra's provisioning logs show it.

Entra's logs list, per object, the action (Create, Update, Disable, Delete, …), the status
(Success, Failure, Skipped) and, for a failure, the endpoint's error body, which it quotes
(docs/idp/entra.md §8 "Error body": "Entra shows the body in the provisioning log"). The
machine form (:meth:`Report.to_json`) is a stable interface for scripts: ``ok``, ``summary`` and
``entries`` with camelCase keys.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Entry", "Outcome", "Report"]


class Outcome(enum.Enum):
    """The status column of Entra's provisioning log."""

    SUCCESS = "Success"
    FAILURE = "Failure"
    SKIPPED = "Skipped"


@dataclass(frozen=True)
class Entry:
    """One line of the report.

    ``source`` names the object on the Entra side (UPN or group name), ``target_id`` the
    endpoint's id once known, ``status`` the HTTP status of the deciding request (None when no
    request was sent or the endpoint was unreachable).
    """

    phase: str
    object_type: str
    source: str
    action: str
    outcome: Outcome
    status: int | None = None
    target_id: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry in the report's machine form."""
        return {
            "phase": self.phase,
            "objectType": self.object_type,
            "source": self.source,
            "action": self.action,
            "result": self.outcome.value,
            "status": self.status,
            "targetId": self.target_id,
            "detail": self.detail,
        }


@dataclass
class Report:
    """All entries of one simulation run, in the order the objects were processed."""

    tenant_url: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No entry failed."""
        return all(entry.outcome is not Outcome.FAILURE for entry in self.entries)

    def summary(self) -> dict[str, Any]:
        """Counts per result, and per action and result."""
        results = Counter(entry.outcome.value for entry in self.entries)
        by_action: dict[str, dict[str, int]] = {}
        for entry in self.entries:
            key = f"{entry.object_type} {entry.action}"
            counts = by_action.setdefault(key, {})
            counts[entry.outcome.value] = counts.get(entry.outcome.value, 0) + 1
        return {
            "success": results.get("Success", 0),
            "failure": results.get("Failure", 0),
            "skipped": results.get("Skipped", 0),
            "byAction": by_action,
        }

    def to_json(self) -> dict[str, Any]:
        """The machine-readable report (``--json``)."""
        return {
            "tenantUrl": self.tenant_url,
            "ok": self.ok,
            "summary": self.summary(),
            "entries": [entry.to_json() for entry in self.entries],
        }

    def to_text(self) -> str:
        """The human report: a table per phase, then the summary."""
        lines = [f"Provisioning report for {self.tenant_url}"]
        phase = None
        for entry in self.entries:
            if entry.phase != phase:
                phase = entry.phase
                lines.append(f"\n{phase}")
            status = "" if entry.status is None else str(entry.status)
            lines.append(
                f"  {entry.object_type:<6} {entry.source:<36} {entry.action:<22} "
                f"{entry.outcome.value:<8} {status:>3}"
                + (f"  id {entry.target_id}" if entry.target_id else "")
            )
            if entry.detail:
                lines.append(f"      {entry.detail}")
        summary = self.summary()
        lines.append("")
        lines.append(
            f"Summary: {summary['success']} succeeded, {summary['failure']} failed, "
            f"{summary['skipped']} skipped"
        )
        for action, counts in sorted(summary["byAction"].items()):
            parts = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
            lines.append(f"  {action}: {parts}")
        return "\n".join(lines)
