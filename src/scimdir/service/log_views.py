"""The JSON shape of provisioning-log entries, open problems and health: one definition that
the management API (``/api/v1``) and the CLI's ``--json`` both print, so they never drift apart.
JSON escapes control characters itself; the CLI's text form escapes them in
``scimdir.cli.log_format``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scimdir.service.health import DirectoryHealth, Window
from scimdir.service.ports import LogRecord, ProblemRecord

__all__ = ["entry_json", "health_json", "problem_json"]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def entry_json(entry: LogRecord) -> dict[str, Any]:
    """One entry as a JSON object (the same keys as the management API)."""
    return {
        "id": entry.id,
        "time": _iso(entry.created),
        "category": entry.category,
        "request_id": entry.request_id,
        "method": entry.method,
        "path": entry.path,
        "status": entry.status,
        "scim_type": entry.scim_type,
        "resource_type": entry.resource_type,
        "resource_id": entry.resource_id,
        "subject": entry.subject,
        "effect": entry.effect,
        "problem": entry.problem,
        "detail": entry.detail,
        "explanation": entry.explanation,
        "fix": entry.fix,
        "quirks": list(entry.quirks),
        "duration_ms": entry.duration_ms,
        "client": entry.client,
        "user_agent": entry.user_agent,
        "request_body": entry.request_body,
        "response_body": entry.response_body,
    }


def problem_json(problem: ProblemRecord) -> dict[str, Any]:
    """One problem as a JSON object."""
    return {
        "subject": problem.subject,
        "resource_type": problem.resource_type,
        "resource_id": problem.resource_id,
        "kind": problem.kind,
        "count": problem.count,
        "first_seen": _iso(problem.first_seen),
        "last_seen": _iso(problem.last_seen),
        "resolved": _iso(problem.resolved),
        "explanation": problem.explanation,
        "fix": problem.fix,
        "request_id": problem.request_id,
    }


def _window(window: Window) -> dict[str, Any]:
    return {
        "requests": window.requests,
        "failures": window.failures,
        "failures_by_kind": window.failures_by_kind,
    }


def health_json(health: DirectoryHealth) -> dict[str, Any]:
    """One directory's health as a JSON object."""
    return {
        "id": health.directory_id,
        "name": health.name,
        "idp": health.idp,
        "state": health.state,
        "reason": health.reason,
        "last_contact": _iso(health.last_contact),
        "silent_after_minutes": int(health.silent_after.total_seconds() // 60),
        "last_hour": _window(health.last_hour),
        "last_day": _window(health.last_day),
        "open_problems": [problem_json(p) for p in health.open_problems],
        "quirks_last_day": health.quirks,
    }
