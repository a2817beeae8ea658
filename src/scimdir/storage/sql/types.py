"""Column types that behave the same on SQLite and PostgreSQL.

- :class:`UtcDateTime`: timezone-aware UTC datetimes in and out. PostgreSQL stores
  ``timestamptz``; SQLite has no datetime type, so we store a fixed-width ISO 8601 string
  (``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``) whose lexical order is its chronological order, which is
  what the ``meta.created gt ...`` filters and the default ``(created, id)`` ordering need.
  SQLAlchemy's own ``DateTime`` on SQLite returns naive values, hence this decorator.
- :class:`JsonText`: JSON documents as text, encoded with orjson (docs/architecture.md, rule 4:
  orjson for JSON); text rather than JSONB because we only ever read whole documents and never
  query inside them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, Dialect, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["JsonText", "UtcDateTime"]

_ISO = "%Y-%m-%dT%H:%M:%S.%f+00:00"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
        value = value.astimezone(UTC)
        return value.strftime(_ISO) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)


class JsonText(TypeDecorator[Any]):
    """A JSON value stored as text (orjson)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else orjson.dumps(value).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else orjson.loads(value)
