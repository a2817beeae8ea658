"""PostgreSQL's hot statements through libpq directly (``storage/sql/pg_wire.py``) behave as
psycopg's cursor would: the same values back, the same exceptions, the same transaction, and
prepared statements that survive what psycopg's own cache would have dropped."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors, pq
from sqlalchemy import bindparam, select

from scimdir.devtools.round_trips import sync_points
from scimdir.greenlet_bridge import run_bridged
from scimdir.service.ports import DirectoryRecord
from scimdir.storage.sql import SqlStorage, pg_wire
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.pg_loop_connection import LoopConnection, waits_on_loop
from scimdir.storage.sql.pg_wire import UNPREPARED
from scimdir.storage.sql.tables import directories
from tests.postgres_discovery import libpq_url
from tests.storage.test_postgres_connections import _terminate

pytestmark = pytest.mark.postgres

_TABLE = "wire_probe"
_SELECT = f"SELECT id, name, active, seen, doc, n FROM {_TABLE} WHERE id = $1".encode()
_SELECT_CURSOR = f"SELECT id, name, active, seen, doc, n FROM {_TABLE} WHERE id = %s"


@pytest.fixture
def conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection as the event loop's reader has it, with a probe table of its
    own (temporary: no other session, and no schema comparison, sees it)."""
    with psycopg.connect(libpq_url(postgres_url), autocommit=True, **UNPREPARED) as connection:
        connection.execute(
            f"CREATE TEMP TABLE {_TABLE} (id text PRIMARY KEY, name text, active boolean,"
            " seen timestamptz, doc text, n bigint)"
        )
        yield connection


def _insert(conn: psycopg.Connection[Any], *values: Any) -> tuple[int, list[tuple[Any, ...]]]:
    sql = f"INSERT INTO {_TABLE} VALUES ($1, $2, $3, $4, $5, $6)".encode()
    return pg_wire.execute(conn, sql, values, fetch=False)


def _server_statements(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute("SELECT name FROM pg_prepared_statements ORDER BY name").fetchall()
    return [row[0] for row in rows]


def test_values_and_row_counts_are_the_cursors(conn: psycopg.Connection[Any]) -> None:
    seen = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    doc = json.dumps({"emails": ["é@example.test"], "quote": "it's"})
    assert _insert(conn, "a", "Ann ☃", True, seen, doc, 2**40) == (1, [])
    assert _insert(conn, "b", None, False, None, None, None) == (1, [])
    for key in ("a", "b", "missing"):
        wire = pg_wire.execute(conn, _SELECT, (key,), fetch=True)
        cursor = conn.execute(_SELECT_CURSOR, (key,)).fetchall()
        assert wire == (len(cursor), cursor)
    _, rows = pg_wire.execute(conn, _SELECT, ("a",), fetch=True)
    assert rows[0][3] == seen and rows[0][4] == doc and rows[0][5] == 2**40
    update = f"UPDATE {_TABLE} SET n = n + $1".encode()
    assert pg_wire.execute(conn, update, (1,), fetch=False) == (2, [])


def test_a_statement_is_prepared_at_its_second_execution(conn: psycopg.Connection[Any]) -> None:
    _insert(conn, "a", "Ann", True, None, None, 1)
    pg_wire.execute(conn, _SELECT, ("a",), fetch=True)
    assert pg_wire.prepared_count(conn) == 0  # the first run was one round trip, unnamed
    assert _server_statements(conn) == []
    for _ in range(3):
        assert pg_wire.execute(conn, _SELECT, ("a",), fetch=True)[1][0][0] == "a"
    assert pg_wire.prepared_count(conn) == 1
    assert len(_server_statements(conn)) == 1


def test_past_the_cap_statements_run_unnamed(
    conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    conn.execute(f"INSERT INTO {_TABLE} (id, name, n) VALUES ('a', 'Ann', 1)")
    monkeypatch.setattr(pg_wire, "MAX_PREPARED", 2)
    for column in ("id", "name", "n"):
        sql = f"SELECT {column} FROM {_TABLE} WHERE id = $1".encode()
        for _ in range(3):
            assert len(pg_wire.execute(conn, sql, ("a",), fetch=True)[1]) == 1
    assert pg_wire.prepared_count(conn) == 2
    assert len(_server_statements(conn)) == 2


def test_prepared_statements_survive_rollbacks_and_ddl(conn: psycopg.Connection[Any]) -> None:
    """psycopg prepares nothing itself (UNPREPARED), so it never answers a ROLLBACK or an ALTER
    with DEALLOCATE ALL, which would drop this module's statements."""
    _insert(conn, "a", "Ann", True, None, None, 1)
    for _ in range(2):
        pg_wire.execute(conn, _SELECT, ("a",), fetch=True)
    names = _server_statements(conn)
    with conn.transaction():
        conn.execute(f"SELECT 1 FROM {_TABLE}").fetchall()
        conn.execute(f"SELECT 2 FROM {_TABLE}").fetchall()
    conn.autocommit = False
    conn.execute(f"ALTER TABLE {_TABLE} ADD COLUMN extra text")
    conn.rollback()
    conn.autocommit = True
    assert _server_statements(conn) == names
    assert pg_wire.execute(conn, _SELECT, ("a",), fetch=True)[1][0][:2] == ("a", "Ann")


def test_a_lost_statement_is_prepared_again(conn: psycopg.Connection[Any]) -> None:
    """After DEALLOCATE ALL (a pooler's reset, an operator), an autocommit read runs again at
    once; inside a transaction the failure ends the transaction and the next one succeeds."""
    _insert(conn, "a", "Ann", True, None, None, 1)
    for _ in range(2):
        pg_wire.execute(conn, _SELECT, ("a",), fetch=True)
    conn.execute("DEALLOCATE ALL")
    assert pg_wire.execute(conn, _SELECT, ("a",), fetch=True)[1][0][0] == "a"
    assert len(_server_statements(conn)) == 1
    conn.execute("DEALLOCATE ALL")
    conn.autocommit = False
    with pytest.raises(errors.InvalidSqlStatementName):
        pg_wire.execute(conn, _SELECT, ("a",), fetch=True)
    conn.rollback()
    assert pg_wire.execute(conn, _SELECT, ("a",), fetch=True)[1][0][0] == "a"
    conn.rollback()


def test_outside_autocommit_the_statement_opens_a_transaction(
    conn: psycopg.Connection[Any],
) -> None:
    """Like psycopg's cursor, the first statement on an idle connection sends BEGIN: a rollback
    undoes it."""
    conn.autocommit = False
    _insert(conn, "a", "Ann", True, None, None, 1)
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    conn.rollback()
    conn.autocommit = True
    assert pg_wire.execute(conn, _SELECT, ("a",), fetch=True) == (0, [])


def _traced(conn: psycopg.Connection[Any], tmp: Path, work: Callable[[], Any]) -> list[str]:
    """The round trips ``work`` costs on ``conn``, read from libpq's trace of it."""
    path = tmp / f"trace-{uuid.uuid4().hex}"
    with open(path, "w") as out:
        conn.pgconn.trace(out.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            work()
        finally:
            conn.pgconn.untrace()
    return sync_points(path.read_text(encoding="utf-8"))


def _begin_shares_the_round_trip(conn: psycopg.Connection[Any], tmp: Path) -> None:
    _insert(conn, "a", "Ann", True, None, None, 1)
    conn.autocommit = False
    trips = _traced(conn, tmp, lambda: pg_wire.execute(conn, _SELECT, ("a",), fetch=True))
    (trip,) = trips  # one Sync: BEGIN and the SELECT queued before it
    assert '"BEGIN"' in trip, trips
    assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
    assert conn.pgconn.pipeline_status == pq.PipelineStatus.OFF
    assert pg_wire.execute(conn, _SELECT, ("a",), fetch=True)[1][0][:2] == ("a", "Ann")
    conn.rollback()


def test_begin_shares_the_first_statements_round_trip(
    conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The transaction's BEGIN and its first statement are one wait for the server (pipeline
    mode), whose answer is the statement's; the connection leaves pipeline mode."""
    _begin_shares_the_round_trip(conn, tmp_path)


def test_a_first_statement_that_fails_leaves_the_transaction_failed(
    conn: psycopg.Connection[Any],
) -> None:
    """A statement refused in BEGIN's round trip raises psycopg's own error, as after a BEGIN
    of its own: the transaction is aborted until rolled back, and the connection works after."""
    _insert(conn, "a", "Ann", True, None, None, 1)
    conn.autocommit = False
    with pytest.raises(errors.UniqueViolation):
        _insert(conn, "a", "again", True, None, None, 1)
    assert conn.info.transaction_status == pq.TransactionStatus.INERROR
    assert conn.pgconn.pipeline_status == pq.PipelineStatus.OFF
    conn.rollback()
    assert _insert(conn, "b", "Bob", True, None, None, 2) == (1, [])
    conn.commit()
    assert len(pg_wire.execute(conn, b"SELECT id FROM " + _TABLE.encode(), (), fetch=True)[1]) == 2
    conn.commit()


def test_a_connection_with_an_isolation_level_goes_through_the_cursor(
    conn: psycopg.Connection[Any],
) -> None:
    """psycopg's BEGIN then names the level; this module sends plain BEGIN only."""
    conn.autocommit = False
    assert pg_wire.usable(conn)
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    assert not pg_wire.usable(conn)
    conn.execute("SELECT 1")
    assert pg_wire.usable(conn)  # inside the transaction psycopg began
    conn.rollback()


def test_errors_are_psycopgs_own(conn: psycopg.Connection[Any]) -> None:
    _insert(conn, "a", "Ann", True, None, None, 1)
    with pytest.raises(errors.UniqueViolation) as raised:
        _insert(conn, "a", "again", True, None, None, 1)
    assert raised.value.sqlstate == "23505"
    with pytest.raises(errors.UndefinedTable):
        pg_wire.execute(conn, b"SELECT 1 FROM no_such_table WHERE 1 = $1", (1,), fetch=True)
    assert pg_wire.execute(conn, _SELECT, ("a",), fetch=True)[0] == 1


def test_a_terminated_backend_raises_and_leaves_the_connection_broken(
    conn: psycopg.Connection[Any], postgres_url: str
) -> None:
    """SQLAlchemy's psycopg dialect reads ``broken`` to invalidate the connection."""
    _terminate(postgres_url, conn.info.backend_pid)
    with pytest.raises(psycopg.OperationalError):
        pg_wire.execute(conn, _SELECT, ("a",), fetch=True)
    assert conn.broken


def test_driver_statements_run_here_with_sqlalchemys_values(postgres_storage: SqlStorage) -> None:
    """A ``DriverStatement`` on PostgreSQL takes this path (named on the session from its second
    run) and still returns what SQLAlchemy's execution would."""
    directory_id = uuid.uuid4().hex
    now = datetime.now(UTC).replace(microsecond=123456)
    record = DirectoryRecord(directory_id, "wire", "entra", {"a": [1, "é"]}, now, now, [])
    with postgres_storage.transaction() as tx:
        tx.insert_directory(record)
    statement = DriverStatement(
        select(directories).where(directories.c.id == bindparam("d")).limit(1)
    )
    with postgres_storage.transaction() as tx:
        driver = tx.conn.connection.dbapi_connection
        before = pg_wire.prepared_count(driver)
        runs = [statement.first(tx.conn, {"d": directory_id}) for _ in range(3)]
        general = tx.conn.execute(statement.stmt, {"d": directory_id}).one()._asdict()
        assert pg_wire.prepared_count(driver) == before + 1
    assert runs == [general] * 3


@pytest.fixture
def loop_conn(postgres_url: str) -> Iterator[LoopConnection]:
    """The ``conn`` fixture's connection as the event loop's reads have it: a LoopConnection."""
    with LoopConnection.connect(
        libpq_url(postgres_url), autocommit=True, **UNPREPARED
    ) as connection:
        connection.execute(
            f"CREATE TEMP TABLE {_TABLE} (id text PRIMARY KEY, name text, active boolean,"
            " seen timestamptz, doc text, n bigint)"
        )
        yield connection


@pytest.mark.parametrize(
    "check",
    [
        test_values_and_row_counts_are_the_cursors,
        test_a_statement_is_prepared_at_its_second_execution,
        test_prepared_statements_survive_rollbacks_and_ddl,
        test_a_lost_statement_is_prepared_again,
        test_outside_autocommit_the_statement_opens_a_transaction,
        test_a_first_statement_that_fails_leaves_the_transaction_failed,
        test_errors_are_psycopgs_own,
    ],
)
def test_in_a_bridged_greenlet_the_same_holds_without_blocking(
    loop_conn: LoopConnection, check: Callable[[psycopg.Connection[Any]], None]
) -> None:
    """On a loop connection inside the greenlet bridge, the statements are sent with libpq's
    non-blocking calls and awaited on the loop; every behaviour above is the same."""

    def bridged_check() -> None:
        assert waits_on_loop(loop_conn)
        check(loop_conn)

    asyncio.run(run_bridged(bridged_check))
    assert not waits_on_loop(loop_conn)  # outside the bridge: libpq's blocking calls


def test_in_a_bridged_greenlet_begin_shares_the_first_statements_round_trip(
    loop_conn: LoopConnection, tmp_path: Path
) -> None:
    """The pipeline of BEGIN and the statement is awaited on the loop as one statement is."""

    def bridged_check() -> None:
        assert waits_on_loop(loop_conn)
        _begin_shares_the_round_trip(loop_conn, tmp_path)

    asyncio.run(run_bridged(bridged_check))


def test_in_a_bridged_greenlet_a_waiting_statement_leaves_the_loop_free(
    loop_conn: LoopConnection, postgres_url: str
) -> None:
    """A prepared statement waiting for a lock another session holds does not hold the loop:
    another task runs to its end meanwhile, and the statement completes once the lock goes."""
    key = 0x5C1D_3173
    loop_conn.execute("SET statement_timeout = 5000")  # a blocking wait fails, not hangs
    wait = b"SELECT pg_advisory_xact_lock($1)::text"
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as holder:

        async def main() -> list[str]:
            order: list[str] = []
            for _ in range(2):  # the second run is a prepared statement
                holder.execute("SELECT pg_advisory_lock(%s)", (key,))
                waiting = asyncio.ensure_future(
                    run_bridged(pg_wire.execute, loop_conn, wait, (key,), fetch=True)
                )
                await asyncio.sleep(0.05)
                order.append("other task done" if not waiting.done() else "statement done")
                holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
                assert await waiting == (1, [("",)])
                order.append("statement done")
            return order

        assert asyncio.run(main()) == ["other task done", "statement done"] * 2
    assert pg_wire.prepared_count(loop_conn) == 1


def test_a_closed_connection_is_not_kept_alive_by_its_statements(postgres_url: str) -> None:
    """What this module keeps per connection (its prepared statements, its transformer) lives
    and dies with the connection: once closed and dropped, the connection is collected, where
    a module-level map keyed by it kept every connection ever used alive."""
    connection = psycopg.connect(libpq_url(postgres_url), autocommit=True, **UNPREPARED)
    for _ in range(2):  # prepared at the second run
        pg_wire.execute(connection, b"SELECT $1::int", [1], fetch=True)
    assert pg_wire.prepared_count(connection) == 1
    gone = weakref.ref(connection)
    connection.close()
    del connection
    gc.collect()
    assert gone() is None
