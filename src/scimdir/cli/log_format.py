"""How the CLI prints provisioning-log entries, open problems and health: as JSON or as lines.

Every text that came from a request (a path, a userName, an error detail, a user agent) passes
through :func:`printable` before it reaches the terminal: a control character (ESC starts a
terminal escape sequence that can rewrite the screen or the title) or an invisible formatting
character (a bidirectional override reorders what the admin reads) is shown escaped, as
``\\x1b`` or ``\\u202e``. JSON output is escaped by the JSON encoder.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from scimdir.service.health import DirectoryHealth, Window
from scimdir.service.ports import LogRecord, ProblemRecord

__all__ = ["entry_json", "entry_lines", "health_json", "health_lines", "printable", "problem_json"]


def printable(text: str) -> str:
    """``text`` with control and invisible format characters escaped (``\\x1b``, ``\\u202e``)."""
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        elif char == "\\":
            out.append("\\\\")
        else:
            out.append(char)
    return "".join(out)


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


def entry_lines(entry: LogRecord) -> list[str]:
    """One entry as a headline and, for a failure, its explanation and fix."""
    parts = [entry.created.strftime("%Y-%m-%d %H:%M:%S"), entry.method, entry.path]
    parts.append(str(entry.status) if entry.category != "admin" else "")
    if entry.subject:
        parts.append(entry.subject)
    if entry.effect:
        parts.append(f"- {entry.effect}")
    if entry.quirks:
        parts.append(f"[{', '.join(entry.quirks)}]")
    lines = [printable(" ".join(p for p in parts if p))]
    for label, text in (
        ("detail", entry.detail),
        ("why", entry.explanation),
        ("fix", entry.fix),
        ("request id", entry.request_id if entry.status >= 400 else None),
    ):
        if text:
            lines.append(f"    {label}: {printable(text)}")
    return lines


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


def health_lines(health: DirectoryHealth, *, detailed: bool) -> list[str]:
    """A directory's health as a headline, and with ``detailed`` its counts and problems."""
    contact = health.last_contact.strftime("%Y-%m-%d %H:%M") if health.last_contact else "never"
    lines = [
        printable(
            f"{health.directory_id}  {health.state:<15}  last contact {contact}  "
            f"{len(health.open_problems)} open problems  {health.name}"
        )
    ]
    if not detailed:
        return lines
    lines.append(f"    {printable(health.reason)}")
    for label, window in (("last hour", health.last_hour), ("last day", health.last_day)):
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(window.failures_by_kind.items()))
        lines.append(
            f"    {label}: {window.requests} requests, {window.failures} failed"
            + (f" ({printable(kinds)})" if kinds else "")
        )
    if health.quirks:
        fired = ", ".join(f"{k} {n}" for k, n in sorted(health.quirks.items()))
        lines.append(f"    quirks fired (last day): {fired}")
    for p in health.open_problems:
        who = p.subject or p.resource_id or "the directory"
        lines.append(
            printable(
                f"    problem: {who}: {p.kind}, {p.count}x since "
                f"{p.first_seen:%Y-%m-%d %H:%M}; fix: {p.fix or '-'}"
            )
        )
    return lines
