"""The hot path's reads run on the DB-API connection directly, not through SQLAlchemy's
execution path.

Every SCIM request authenticates, and most of an identity provider's traffic is matching
(``userName eq "..."``) and reads by id. Running such a statement through
``Connection.execute`` costs about 100 µs of Python (cache-key generation, parameter
construction, event dispatch, the result proxy); the same statement on the driver's own
``execute`` costs about 6 µs on SQLite (docs/performance.md, "The request path after the
rework"). For a lookup that is most of the request's database work.

A :class:`DriverStatement` keeps the SQLAlchemy Core statement as the single source of the SQL
(the same ``Select`` the general path would run, so the contract suite checks one statement on
both databases), compiles it once per dialect, converts its parameters and result columns with
the columns' own type processors (``UtcDateTime``'s ISO strings on SQLite, ``JsonText``,
booleans), and runs it on the connection of the caller's unit of work: same transaction, same
snapshot. SQLAlchemy has no public "run this compiled statement cheaply" API, hence this module.

Errors keep SQLAlchemy's semantics: a driver error leaves as SQLAlchemy's ``DBAPIError``
(``DBAPIError.instance``, which is what the storage's error translation expects), a lost
connection is invalidated so the pool never hands it out again, and a statement SQLite's
progress handler interrupted past the read deadline leaves as the port's ``ReadTimeLimit``.
The engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners see these
statements (with no execution context, and they cannot rewrite them): tests that count
statements and tracing keep working.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

from scimdir.service.ports import ReadTimeLimit, read_deadline
from scimdir.storage.sql.types import JsonText, UtcDateTime, json_from_storage, utc_from_storage

__all__ = ["DriverStatement", "interrupted_past_deadline"]

Processor = Callable[[Any], Any]


def interrupted_past_deadline(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "interrupted" raised by the progress handler once the
    context's read deadline had passed (a scanning read's time limit, ``storage.py``)."""
    deadline = read_deadline.get()
    return deadline is not None and time.monotonic() > deadline and "interrupted" in str(exc)


class _Compiled:
    """One statement compiled for one dialect: SQL text, parameter order and processors."""

    def __init__(self, stmt: Select[Any], dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        names = list(compiled.positiontup or []) if dialect.positional else list(compiled.binds)
        self.positional = dialect.positional
        self.names = names
        # Values fixed in the statement itself (``.limit(1)`` binds ``param_1``).
        self.fixed = {
            name: bind.value for name, bind in compiled.binds.items() if bind.value is not None
        }
        self.binders: list[tuple[str, Processor]] = []
        for name in dict.fromkeys(names):
            binder = compiled.binds[name].type.bind_processor(dialect)
            if binder is not None:
                self.binders.append((name, binder))
        columns = list(stmt.selected_columns)
        self.keys = tuple(stmt.selected_columns.keys())
        self.readers: list[tuple[int, Processor]] = []
        for i, column in enumerate(columns):
            process = _reader(column.type, dialect)
            if process is not None:
                self.readers.append((i, process))

    def parameters(self, params: Mapping[str, Any]) -> Any:
        values = {**self.fixed, **params}
        for name, process in self.binders:
            values[name] = process(values[name])
        if self.positional:
            return tuple(values[name] for name in self.names)
        return values

    def mapping(self, row: Any) -> dict[str, Any]:
        values = list(row)
        for i, process in self.readers:
            values[i] = process(values[i])
        return dict(zip(self.keys, values, strict=True))


def _reader(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """The column's result conversion; our own types' without SQLAlchemy's wrappers."""
    if isinstance(type_, UtcDateTime):
        return utc_from_storage
    if isinstance(type_, JsonText):
        return json_from_storage
    process: Processor | None = type_.result_processor(dialect, None)
    return process


class DriverStatement:
    """A Core ``Select`` run on the DB-API connection of a unit of work (see the module)."""

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row, each as a mapping of the statement's column keys to converted values."""
        dialect = conn.dialect
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _Compiled(self.stmt, dialect)
        bound = compiled.parameters(params)
        driver = conn.connection.dbapi_connection  # the driver's own (psycopg, sqlite3)
        assert driver is not None
        events = conn.dispatch
        try:
            cursor = driver.cursor()
            if events.before_cursor_execute:  # observers (tests, tracing) see the statement
                events.before_cursor_execute(conn, cursor, compiled.sql, bound, None, False)
            cursor.execute(compiled.sql, bound)
            fetched = cursor.fetchall()
            if events.after_cursor_execute:
                events.after_cursor_execute(conn, cursor, compiled.sql, bound, None, False)
            cursor.close()
        except dialect.loaded_dbapi.Error as exc:
            raise _translated(conn, exc, compiled.sql, bound) from exc
        return [compiled.mapping(row) for row in fetched]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row, or None (the statement should carry its own ``LIMIT``)."""
        found = self.rows(conn, params)
        return found[0] if found else None


def _translated(conn: Connection, exc: Exception, sql: str, params: Any) -> Exception:
    """What SQLAlchemy would have raised for the driver's ``exc`` (see the module docstring)."""
    if interrupted_past_deadline(exc):
        return ReadTimeLimit("the read ran past its time limit and was interrupted")
    dialect = conn.dialect
    disconnect = dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)  # type: ignore[arg-type]
    if disconnect:
        conn.invalidate(exc)
    return DBAPIError.instance(
        sql,
        params,
        exc,
        dialect.loaded_dbapi.Error,
        connection_invalidated=disconnect,
        dialect=dialect,
    )
