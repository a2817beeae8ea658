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
On psycopg the statement is compiled once more with libpq's ``$n`` placeholders and sent below
the cursor (``pg_wire.py``: 13 µs of CPU per prepared statement against 70-90 through a cursor).

Errors keep SQLAlchemy's semantics: a driver error leaves as SQLAlchemy's ``DBAPIError``
(``DBAPIError.instance``, which is what the storage's error translation expects), a lost
connection is invalidated so the pool never hands it out again, and a statement SQLite's
progress handler interrupted past the read deadline leaves as the port's ``ReadTimeLimit``.
The engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners see these
statements (with no execution context, and they cannot rewrite them): tests that count
statements and tracing keep working.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

from scimdir.service.ports import ReadTimeLimit, read_deadline
from scimdir.storage.sql import pg_wire
from scimdir.storage.sql.types import JsonText, UtcDateTime, json_from_storage, utc_from_storage

__all__ = [
    "DriverStatement",
    "driver_error",
    "driver_savepoint",
    "interrupted_past_deadline",
    "run_driver_sql",
    "run_on_driver",
]

logger = logging.getLogger("scimdir.storage")

Processor = Callable[[Any], Any]
Statement = Select[Any] | Insert | Update | Delete


def interrupted_past_deadline(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "interrupted" raised by the progress handler once the
    context's read deadline had passed (a scanning read's time limit, ``storage.py``)."""
    deadline = read_deadline.get()
    return deadline is not None and time.monotonic() > deadline and "interrupted" in str(exc)


STATEMENT_LIMIT = "scimdir_statement_limit"
"""``Connection.info`` key: the seconds after which the server cancels this connection's
statements (``statement_timeout`` on the event loop's PostgreSQL connection, ``storage.py``)."""

_QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout


def cancelled_at_limit(conn: Connection, exc: BaseException) -> ReadTimeLimit | None:
    """The port's ReadTimeLimit when ``exc`` is PostgreSQL cancelling a statement of a
    connection that has a statement time limit (:data:`STATEMENT_LIMIT`), else None."""
    limit = conn.info.get(STATEMENT_LIMIT)
    if limit is None or getattr(exc, "sqlstate", None) != _QUERY_CANCELED:
        return None
    return ReadTimeLimit("the read ran past its time limit and was cancelled", limit_seconds=limit)


class _Compiled:
    """One statement compiled for one dialect: SQL text, parameter order and processors."""

    def __init__(
        self, stmt: Statement, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        self.sql = compiled.string
        names = list(compiled.positiontup or []) if dialect.positional else list(compiled.binds)
        self.positional = dialect.positional
        self.names = names
        # On psycopg, the same statement with ``$n`` placeholders for libpq (``pg_wire.py``).
        self.wire: tuple[str, bytes, tuple[str, ...]] | None = None
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            numbered = stmt.compile(dialect=_numbered(dialect), column_keys=column_keys)
            text = numbered.string
            self.wire = (text, text.encode(), tuple(numbered.positiontup or ()))
        # Values fixed in the statement itself (``.limit(1)`` binds ``param_1``).
        self.fixed = {
            name: bind.value for name, bind in compiled.binds.items() if bind.value is not None
        }
        self.binders: list[tuple[str, Processor]] = []
        for name in dict.fromkeys(names):
            binder = compiled.binds[name].type.bind_processor(dialect)
            if binder is not None:
                self.binders.append((name, binder))
        # A SELECT's columns, or an INSERT's or UPDATE's RETURNING columns (none without).
        columns = list(stmt.exported_columns)
        self.keys = tuple(str(key) for key in stmt.exported_columns.keys())  # noqa: SIM118
        self.readers: list[tuple[int, Processor]] = []
        for i, column in enumerate(columns):
            process = _reader(column.type, dialect)
            if process is not None:
                self.readers.append((i, process))

    def _converted(self, params: Mapping[str, Any]) -> dict[str, Any]:
        values = {**self.fixed, **params}
        for name, process in self.binders:
            values[name] = process(values[name])
        return values

    def parameters(self, params: Mapping[str, Any]) -> Any:
        values = self._converted(params)
        if self.positional:
            return tuple(values[name] for name in self.names)
        return values

    def wire_parameters(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The parameters in the order of the ``$n`` placeholders of :attr:`wire`."""
        assert self.wire is not None
        values = self._converted(params)
        return tuple(values[name] for name in self.wire[2])

    def mapping(self, row: Any) -> dict[str, Any]:
        values = list(row)
        for i, process in self.readers:
            values[i] = process(values[i])
        return dict(zip(self.keys, values, strict=True))


def _numbered(dialect: Dialect) -> Dialect:
    """``dialect`` rendering ``$1, $2, ...`` placeholders (libpq's), everything else the same:
    a shallow copy whose paramstyle is SQLAlchemy's ``numeric_dollar`` (asyncpg's). Made once
    per compiled statement, which is cached (:class:`DriverStatement`)."""
    numbered = copy.copy(dialect)
    numbered.paramstyle = "numeric_dollar"
    numbered.positional = True
    return numbered


def _reader(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """The column's result conversion; our own types' without SQLAlchemy's wrappers."""
    if isinstance(type_, UtcDateTime):
        return utc_from_storage
    if isinstance(type_, JsonText):
        return json_from_storage
    process: Processor | None = type_.result_processor(dialect, None)
    return process


class DriverStatement:
    """A Core statement run on the DB-API connection of a unit of work (see the module): a
    ``Select``, or an ``Insert``/``Update``/``Delete`` (with or without ``RETURNING``).
    ``keyed``: the statement has no values of its own and sets the columns its parameters name,
    as ``Connection.execute`` would (compiled once per dialect and set of parameter names)."""

    def __init__(self, stmt: Statement, *, keyed: bool = False) -> None:
        self.stmt = stmt
        self.keyed = keyed
        self._by_dialect: dict[tuple[str, tuple[str, ...] | None], _Compiled] = {}

    def rows(
        self, conn: Connection, params: Mapping[str, Any], *, commit: bool = False
    ) -> list[dict[str, Any]]:
        """Every row, each as a mapping of the statement's column keys to converted values.
        ``commit``: the unit of work's last statement; on PostgreSQL (below the cursor) its
        open transaction commits in the statement's round trip (``pg_wire.execute``)."""
        return self._run(conn, params, fetch=True, commit=commit)[1]

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; its row count."""
        count, _ = self._run(conn, params, fetch=False)
        return count

    def _run(
        self, conn: Connection, params: Mapping[str, Any], *, fetch: bool, commit: bool = False
    ) -> tuple[int, list[dict[str, Any]]]:
        compiled = self._compiled(conn, params)
        driver: Any = conn.connection.dbapi_connection
        if compiled.wire is not None and pg_wire.usable(driver):
            text, sql, _ = compiled.wire
            bound: Any = compiled.wire_parameters(params)
            events = conn.dispatch
            try:
                if events.before_cursor_execute:
                    events.before_cursor_execute(conn, None, text, bound, None, False)
                count, fetched = pg_wire.execute(driver, sql, bound, fetch=fetch, commit=commit)
                if events.after_cursor_execute:
                    events.after_cursor_execute(conn, None, text, bound, None, False)
            except conn.dialect.loaded_dbapi.Error as exc:
                raise driver_error(conn, exc, text, bound) from exc
        else:
            bound = compiled.parameters(params)
            count, fetched = run_on_driver(conn, compiled.sql, bound, many=False, fetch=fetch)
        return count, [compiled.mapping(row) for row in fetched]

    def execute_many(self, conn: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per parameter set (the driver's ``executemany``)."""
        if not params:
            return
        compiled = self._compiled(conn, params[0])
        bound = [compiled.parameters(p) for p in params]
        run_on_driver(conn, compiled.sql, bound, many=True, fetch=False)

    def _compiled(self, conn: Connection, params: Mapping[str, Any]) -> _Compiled:
        keys = tuple(params) if self.keyed else None
        compiled = self._by_dialect.get((conn.dialect.name, keys))
        if compiled is None:
            compiled = _Compiled(self.stmt, conn.dialect, keys)
            self._by_dialect[(conn.dialect.name, keys)] = compiled
        return compiled

    def first(
        self, conn: Connection, params: Mapping[str, Any], *, commit: bool = False
    ) -> dict[str, Any] | None:
        """The first row, or None (the statement should carry its own ``LIMIT``); ``commit``:
        as for :meth:`rows`."""
        found = self.rows(conn, params, commit=commit)
        return found[0] if found else None


@contextmanager
def driver_savepoint(conn: Connection, name: str = "scimdir_write") -> Iterator[None]:
    """A savepoint around the block, sent on the driver: a failure inside rolls back to it and
    leaves the unit of work usable (PostgreSQL aborts a transaction at a failed statement).
    ``Connection.begin_nested`` costs two SQLAlchemy statement executions more."""
    run_driver_sql(conn, f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        try:
            run_driver_sql(conn, f"ROLLBACK TO SAVEPOINT {name}")
            run_driver_sql(conn, f"RELEASE SAVEPOINT {name}")
        except Exception:  # the connection is gone: the original error says more
            logger.debug("rolling back to savepoint %s failed", name, exc_info=True)
        raise
    run_driver_sql(conn, f"RELEASE SAVEPOINT {name}")


def run_driver_sql(conn: Connection, sql: str) -> None:
    """Run a statement without parameters or rows (``BEGIN IMMEDIATE``) on the driver."""
    run_on_driver(conn, sql, (), many=False, fetch=False)


def run_on_driver(
    conn: Connection, sql: str, bound: Any, *, many: bool, fetch: bool
) -> tuple[int, list[Any]]:
    """Execute on the driver's cursor: ``(rowcount, rows)``; errors as SQLAlchemy's."""
    driver = conn.connection.dbapi_connection  # the driver's own (psycopg, sqlite3)
    assert driver is not None
    events = conn.dispatch
    try:
        cursor = driver.cursor()
        if events.before_cursor_execute:  # observers (tests, tracing) see the statement
            events.before_cursor_execute(conn, cursor, sql, bound, None, many)
        if many:
            cursor.executemany(sql, bound)
        else:
            cursor.execute(sql, bound)
        fetched = list(cursor.fetchall()) if fetch else []
        count = cursor.rowcount
        if events.after_cursor_execute:
            events.after_cursor_execute(conn, cursor, sql, bound, None, many)
        cursor.close()
    except conn.dialect.loaded_dbapi.Error as exc:
        raise driver_error(conn, exc, sql, bound) from exc
    return count, fetched


def driver_error(conn: Connection, exc: Exception, sql: str, params: Any) -> Exception:
    """What SQLAlchemy would have raised for the driver's ``exc`` (see the module docstring)."""
    if interrupted_past_deadline(exc):
        return ReadTimeLimit("the read ran past its time limit and was interrupted")
    cancelled = cancelled_at_limit(conn, exc)
    if cancelled is not None:
        return cancelled
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
