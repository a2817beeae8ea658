"""Bounds on every field of a provisioning-log entry, applied before it is stored.

A log row must never fail to insert: PostgreSQL refuses a ``varchar(64)`` value of 65
characters, any NUL character, and a lone UTF-16 surrogate (``"\\ud800"`` from a JSON escape),
and one such value would fail the whole batch it is written with, dropping every tenant's rows
of that batch. :func:`bound_record` makes each text storable on both dialects: NUL becomes
``\\0``, an unencodable surrogate becomes U+FFFD, and a value longer than its column's limit is
cut with an ellipsis.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from scimdir.service.ports import LogRecord

__all__ = ["LIMITS", "bound", "bound_record"]

# Characters kept per field: String(n) columns get at most n, Text columns a size that keeps
# a row small (bodies have their own cap, applied when they are redacted).
LIMITS: Final[dict[str, int]] = {
    "directory_id": 64,
    "request_id": 64,
    "method": 16,
    "path": 2048,
    "scim_type": 32,
    "resource_type": 32,
    "resource_id": 64,
    "subject": 256,
    "effect": 512,
    "problem": 64,
    "detail": 2000,
    "explanation": 2000,
    "fix": 2000,
    "client": 64,
    "user_agent": 256,
    "request_body": 8192,
    "response_body": 8192,
}
QUIRK_LIMIT: Final = 64
QUIRKS_KEPT: Final = 32
_ELLIPSIS = "…"


def bound(text: str, limit: int) -> str:
    """``text`` made storable and at most ``limit`` characters long."""
    if "\x00" in text:
        text = text.replace("\x00", "\\0")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    if len(text) > limit:
        text = text[: max(0, limit - 1)] + _ELLIPSIS
    return text


def _optional(text: str | None, limit: int) -> str | None:
    return None if text is None else bound(text, limit)


def bound_record(record: LogRecord) -> LogRecord:
    """A copy of ``record`` whose every text fits its column (see :data:`LIMITS`)."""
    changes: dict[str, object] = {
        name: _optional(getattr(record, name), limit) for name, limit in LIMITS.items()
    }
    changes["method"] = bound(record.method, LIMITS["method"])
    changes["path"] = bound(record.path, LIMITS["path"])
    changes["quirks"] = tuple(bound(q, QUIRK_LIMIT) for q in record.quirks[:QUIRKS_KEPT])
    return replace(record, **changes)  # type: ignore[arg-type]
