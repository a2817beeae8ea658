"""Column types that behave the same on SQLite and PostgreSQL.

- :class:`UtcDateTime`: timezone-aware UTC datetimes in and out. PostgreSQL stores
  ``timestamptz``; SQLite has no datetime type, so we store a fixed-width ISO 8601 string
  (``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``) whose lexical order is its chronological order, which is
  what the ``meta.created gt ...`` filters and the default ``(created, id)`` ordering need.
  SQLAlchemy's own ``DateTime`` on SQLite returns naive values, hence this decorator.
- :data:`SortText`: the comparison form of a caseExact=false string, compared and ordered by code
  point on both databases: SQLite's default ``BINARY`` collation does, and on PostgreSQL the
  column takes the ``"C"`` collation (migration 0007). A prefix is then exactly a key range, so
  the admin's search and keyset paging walk the same index the uniqueness check uses, whatever
  the database's default locale (a linguistic collation orders ``"al-j"`` between ``"ali"`` and
  ``"alj"``).
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

__all__ = ["JsonText", "SortText", "UtcDateTime", "json_from_storage", "utc_from_storage"]

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
        # isoformat with microseconds is _ISO's format for a UTC datetime, at a third of
        # strftime's cost (tests/storage/test_types.py).
        return value.isoformat(timespec="microseconds") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return utc_from_storage(value)


def utc_from_storage(value: Any) -> datetime | None:
    """A stored ``UtcDateTime`` (SQLite's ISO string, PostgreSQL's datetime) as an aware UTC
    datetime; also used without SQLAlchemy's type machinery (``driver_statements.py``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def json_from_storage(value: Any) -> Any:
    """A stored ``JsonText`` value, decoded (None stays None)."""
    return None if value is None else orjson.loads(value)


class JsonText(TypeDecorator[Any]):
    """A JSON value stored as text (orjson)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else orjson.dumps(value).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return json_from_storage(value)


SortText: TypeEngine[str] = Text().with_variant(Text(collation="C"), "postgresql")
"""Text ordered by code point on both databases (see the module docstring)."""
