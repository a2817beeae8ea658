"""Bounds on every field of a provisioning-log entry, applied before it is stored.

A log row must never fail to insert: PostgreSQL refuses a ``varchar(64)`` value of 65
characters, any NUL character, and a lone UTF-16 surrogate (``"\\ud800"`` from a JSON escape),
and one such value would fail the whole batch it is written with, dropping every tenant's rows
of that batch. :func:`bound_record` makes each text storable on both dialects: NUL becomes
``\\0``, an unencodable surrogate becomes U+FFFD, and a value longer than its column's limit is
cut with an ellipsis. :func:`bound_row` does the same to an entry as a positional row (the log
writer's form, ``LogRow`` of ``service/ports.py``), where the common case (every text short,
ASCII and without NUL) costs a length and two character checks per text and no copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

from scimdir.service.ports import LOG_ROW_COLUMNS, LogRecord, LogRow

__all__ = ["LIMITS", "bound", "bound_record", "bound_row"]

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
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    if len(text) > limit:
        text = text[: max(0, limit - 1)] + _ELLIPSIS
    return text


def bound_record(record: LogRecord) -> LogRecord:
    """``record`` with every text fitting its column (see :data:`LIMITS`): the same record
    when nothing needed changing (the common case, and the cheap one), else a copy."""
    changes: dict[str, Any] = {}
    for name, limit in _ALL_LIMITS:
        value = getattr(record, name)
        if value is not None:
            fitted = bound(value, limit)
            if fitted is not value:
                changes[name] = fitted
    quirks = record.quirks
    if len(quirks) > QUIRKS_KEPT or any(len(q) > QUIRK_LIMIT or not q.isascii() for q in quirks):
        changes["quirks"] = tuple(bound(q, QUIRK_LIMIT) for q in quirks[:QUIRKS_KEPT])
    return replace(record, **changes) if changes else record


def bound_row(row: LogRow) -> LogRow:
    """``row`` with every text fitting its column, as :func:`bound_record` bounds the same
    entry: the same row when nothing needed changing, else a copy."""
    changed: list[Any] | None = None
    values: Sequence[Any] = row
    for i, limit in _ROW_LIMITS:
        value = values[i]
        if value is not None and (len(value) > limit or not value.isascii() or "\x00" in value):
            fitted = bound(value, limit)
            if fitted is not value:
                if changed is None:
                    changed = list(row)
                changed[i] = fitted
    quirks = row[_QUIRKS]
    if quirks and (
        len(quirks) > QUIRKS_KEPT or any(len(q) > QUIRK_LIMIT or not q.isascii() for q in quirks)
    ):
        if changed is None:
            changed = list(row)
        changed[_QUIRKS] = tuple(bound(q, QUIRK_LIMIT) for q in quirks[:QUIRKS_KEPT])
    return row if changed is None else tuple(changed)


_ALL_LIMITS = tuple(LIMITS.items())
_ROW_LIMITS = tuple((LOG_ROW_COLUMNS.index(name), limit) for name, limit in LIMITS.items())
_QUIRKS: Final = 20
if LOG_ROW_COLUMNS[_QUIRKS] != "quirks":  # pragma: no cover
    raise RuntimeError("LOG_ROW_COLUMNS moved quirks")
