"""How the CLI prints provisioning-log entries, open problems and health: as JSON or as lines.

Every text that came from a request (a path, a userName, an error detail, a user agent) passes
through :func:`printable` before it reaches the terminal: a control character (ESC starts a
terminal escape sequence that can rewrite the screen or the title) or an invisible formatting
character (a bidirectional override reorders what the admin reads) is shown escaped, as
``\\x1b`` or ``\\u202e``. JSON output is escaped by the JSON encoder.
"""

from __future__ import annotations

import unicodedata

from scimdir.service.health import DirectoryHealth
from scimdir.service.log_views import entry_json, health_json, problem_json
from scimdir.service.ports import LogRecord

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
