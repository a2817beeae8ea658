"""PostgreSQL's hot statements through libpq's extended protocol, below psycopg's cursor.

A prepared statement run through a psycopg cursor costs about 70-90 µs of CPU on the test
machine: a new cursor, the query's placeholder conversion, parameter dumping, a generator-driven
non-blocking wait and the result's loading, in Python. The same statement sent with
``PGconn.exec_prepared`` (psycopg's own libpq wrapper, ``psycopg.pq``), its parameters dumped and
its rows loaded by psycopg's ``Transformer`` (the C adapters the cursor itself uses, with the
connection's adapters map) costs about 13 µs (docs/performance.md, "Fifth pass"). A lookup on
PostgreSQL is one such statement; a PATCH six; an Entra member PATCH eight.

What psycopg's cursor does around a statement, and this module does too:

- **the transaction**: on a connection outside autocommit whose session is idle, psycopg sends
  ``BEGIN`` before the first statement, and waits for its answer; :func:`execute` sends it in
  the same round trip as the statement, both in libpq's pipeline mode
  (https://www.postgresql.org/docs/current/libpq-pipeline-mode.html): a PATCH's ``BEGIN`` and
  its locked read cost one wait for the server instead of two. Plain ``BEGIN`` only: a
  connection given an isolation level, read-only or deferrable mode is not :func:`usable` and
  its statement goes through the cursor, which renders psycopg's own ``BEGIN ...``;
- **prepared statements**: named on the server per connection and per (SQL, parameter types),
  as psycopg's prepared-statement cache keys them, at a statement's second execution on the
  connection (the first is sent unnamed, in one round trip: preparing takes one of its own); at
  most :data:`MAX_PREPARED` per connection, further statements run unnamed (``exec_params``);
  protocol-level prepared statements outlive a rolled-back transaction, so a name is never
  reused;
- **errors**: a failed statement raises psycopg's own exception for its SQLSTATE
  (``errors.error_from_result``), so SQLAlchemy's translation, ``statement_timeout``'s 57014 and
  unique violations read as before; a connection that broke raises ``OperationalError`` and
  leaves the connection ``broken``, which SQLAlchemy's ``is_disconnect`` reads; a statement
  whose name the session lost (someone ran ``DEALLOCATE ALL`` or ``DISCARD ALL``) is prepared
  anew, and run again at once when no transaction was open (autocommit);
- **parameters in text format** with the types psycopg's dumpers choose (``str`` as unknown, so
  the server infers it from the column as it does for the cursor's text parameters).

libpq's blocking calls release the GIL while they wait (``psycopg_binary``), as the cursor's
wait does. On the event loop's connections inside a bridged greenlet
(``pg_loop_connection.py``) the same statements are sent with libpq's non-blocking ``send_*``
calls and their results awaited on the loop (psycopg's own ``generators.execute`` through the
connection's ``wait``), so the loop serves other requests during the round trip.

Only ``DriverStatement`` uses this module, with SQL compiled for it with ``$n`` placeholders
(``driver_statements.py``); everything else keeps the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

from psycopg import Connection as PgConnection
from psycopg import OperationalError, errors, generators, pq
from psycopg.adapt import PyFormat, Transformer

from scimdir.storage.sql.pg_loop_connection import waits_on_loop

__all__ = ["MAX_PREPARED", "UNPREPARED", "execute", "prepared_count", "usable"]

MAX_PREPARED: Final = 256
"""Named statements kept per connection (psycopg's own cache keeps 100); past it, unnamed."""

UNPREPARED: Final[dict[str, Any]] = {"prepare_threshold": None}
"""psycopg's connection arguments for every scimdir connection: psycopg itself prepares nothing.
It answers a ``ROLLBACK``, ``DROP`` or ``ALTER`` on a connection where it has prepared statements
with ``DEALLOCATE ALL``, which would drop this module's statements too (the pool rolls back every
connection it takes back from a failed unit of work). Statements through the cursor are sent
unnamed, planned for their parameters at every run; the prepared ones are this module's, their
cached plans kept right by fresh statistics (``pg_statistics.py``)."""

_IDLE: Final = pq.TransactionStatus.IDLE
_INTRANS: Final = pq.TransactionStatus.INTRANS
_TUPLES_OK: Final = pq.ExecStatus.TUPLES_OK
_COMMAND_OK: Final = pq.ExecStatus.COMMAND_OK
_SUCCESS: Final = frozenset((_TUPLES_OK, _COMMAND_OK))
_BAD: Final = pq.ConnStatus.BAD
_TEXT: Final = pq.Format.TEXT


class _Wire:
    """What one psycopg connection keeps for this module: its transformer and statement names."""

    __slots__ = ("_names", "driver", "encoding", "pgconn", "prepared", "seen", "transformer")

    def __init__(self, driver: PgConnection[Any]) -> None:
        self.driver = driver
        self.pgconn = driver.pgconn
        self.transformer = Transformer(driver)
        self.encoding = driver.info.encoding
        self.prepared: dict[tuple[bytes, tuple[int, ...]], bytes] = {}
        self.seen: set[tuple[bytes, tuple[int, ...]]] = set()
        self._names = 0

    def name_for(self, key: tuple[bytes, tuple[int, ...]]) -> bytes | None:
        """The server-side name of ``key``'s statement, prepared now at its second execution;
        None at its first (sent unnamed: preparing costs a round trip of its own) and past the
        cap."""
        name = self.prepared.get(key)
        if name is None and len(self.prepared) < MAX_PREPARED:
            if key not in self.seen:
                if len(self.seen) < MAX_PREPARED:
                    self.seen.add(key)
                return None
            self._names += 1
            name = b"scimdir_%d" % self._names
            if waits_on_loop(self.driver):
                self.pgconn.send_prepare(name, key[0], key[1])
                self.check(self.awaited())
            else:
                self.check(self.pgconn.prepare(name, key[0], key[1]))
            self.prepared[key] = name
        return name

    def run(
        self, sql: bytes, values: list[bytes], types: tuple[int, ...], name: bytes | None
    ) -> pq.abc.PGresult:
        """One statement's result: ``sql`` unnamed, or the prepared statement ``name``."""
        pgconn = self.pgconn
        if waits_on_loop(self.driver):
            self._send(sql, values, types, name)
            return self.awaited()
        if name is None:
            return pgconn.exec_params(sql, values, types, result_format=_TEXT)
        return pgconn.exec_prepared(name, values, result_format=_TEXT)

    def begin_and_run(
        self, sql: bytes, values: list[bytes], types: tuple[int, ...], name: bytes | None
    ) -> pq.abc.PGresult:
        """``BEGIN`` (as psycopg's cursor sends it before a transaction's first statement) and
        :meth:`run`'s statement in one round trip: both queued in pipeline mode, then one
        ``Sync``. The statement's result; a failed ``BEGIN`` raises (its statement is then
        skipped by the server: ``PIPELINE_ABORTED``)."""
        pgconn = self.pgconn
        pgconn.enter_pipeline_mode()
        try:
            pgconn.send_query_params(b"BEGIN", None)
            self._send(sql, values, types, name)
            pgconn.pipeline_sync()
            results: tuple[pq.abc.PGresult, pq.abc.PGresult]
            results = self.driver.wait(_begun_and_run(pgconn))
            begun, result = results
        finally:
            _leave_pipeline(pgconn)
        self.check(begun)
        return result

    def run_and_commit(
        self, sql: bytes, values: list[bytes], types: tuple[int, ...], name: bytes | None
    ) -> tuple[pq.abc.PGresult, pq.abc.PGresult]:
        """:meth:`run`'s statement and ``COMMIT`` of the open transaction in one round trip,
        queued in pipeline mode with one ``Sync``: the statement's result and the commit's. A
        failed statement makes the server skip the ``COMMIT`` (``PIPELINE_ABORTED``), and the
        transaction is left failed for its unit of work to roll back."""
        pgconn = self.pgconn
        pgconn.enter_pipeline_mode()
        try:
            self._send(sql, values, types, name)
            pgconn.send_query_params(b"COMMIT", None)
            pgconn.pipeline_sync()
            results: tuple[pq.abc.PGresult, pq.abc.PGresult]
            results = self.driver.wait(_begun_and_run(pgconn))
        finally:
            _leave_pipeline(pgconn)
        return results

    def _send(
        self, sql: bytes, values: list[bytes], types: tuple[int, ...], name: bytes | None
    ) -> None:
        """Queue :meth:`run`'s statement with libpq's non-blocking call, its result unread."""
        if name is None:
            self.pgconn.send_query_params(sql, values, types, result_format=_TEXT)
        else:
            self.pgconn.send_query_prepared(name, values, result_format=_TEXT)

    def awaited(self) -> pq.abc.PGresult:
        """The result of the statement just sent, awaited through the connection's ``wait`` (on
        the event loop: ``pg_loop_connection.py``)."""
        results: list[pq.abc.PGresult] = self.driver.wait(generators.execute(self.pgconn))
        return results[-1]  # one statement sent, one result

    def check(self, result: pq.abc.PGresult) -> None:
        """Raise psycopg's exception for a result that is not a success."""
        status = result.status
        if status in _SUCCESS:
            return
        if self.pgconn.status == _BAD:
            message = pq.error_message(result, encoding=self.encoding)
            raise OperationalError(f"the connection broke during the statement: {message}")
        if status != pq.ExecStatus.FATAL_ERROR:
            unexpected = pq.ExecStatus(status).name
            raise errors.InterfaceError(f"unexpected result from the server: {unexpected}")
        error = errors.error_from_result(result, encoding=self.encoding)
        if isinstance(error, errors.InvalidSqlStatementName):  # a DEALLOCATE/DISCARD ALL ran
            self.prepared.clear()  # the session's statements were dropped: prepare anew
        raise error


def _begun_and_run(pgconn: pq.abc.PGconn) -> Any:
    """psycopg's generator protocol (the connection's ``wait`` drives it, blocking or on the
    event loop): flush a pipeline of two commands and ``Sync`` (``BEGIN`` and a statement, or a
    statement and ``COMMIT``), then take its three results, each followed by libpq's
    end-of-query marker but the last; the two commands' results."""
    yield from generators.send(pgconn)
    (begun,) = yield from generators.fetch_many(pgconn)
    (result,) = yield from generators.fetch_many(pgconn)
    yield from generators.fetch_many(pgconn)  # PIPELINE_SYNC
    return begun, result


def _leave_pipeline(pgconn: pq.abc.PGconn) -> None:
    """Back out of pipeline mode; on a connection that broke half-way libpq refuses (results
    still pending), and the connection, ``BAD`` by then, is invalidated by its caller."""
    try:
        pgconn.exit_pipeline_mode()
    except OperationalError:
        if pgconn.status != _BAD:
            raise


_WIRE = "_scimdir_wire"
"""The attribute of a psycopg connection holding its :class:`_Wire`. On the connection, not in a
module-level ``WeakKeyDictionary`` keyed by it: the wire's transformer and ``driver`` refer to
the connection, so a dictionary's value would keep its own key alive and every connection ever
used would stay in memory after it was closed and dropped (a leak this attribute replaced: the
cycle connection, wire, transformer is collected with the connection)."""


def _wire(driver: PgConnection[Any]) -> _Wire:
    wire: _Wire | None = getattr(driver, _WIRE, None)
    if wire is None:
        wire = _Wire(driver)
        setattr(driver, _WIRE, wire)
    return wire


def usable(driver: Any) -> bool:
    """Whether :func:`execute` can run ``driver``'s next statement: always, except when psycopg
    would start a transaction with more than a plain ``BEGIN`` (an isolation level, read-only or
    deferrable mode), which the cursor renders."""
    return (
        driver.autocommit
        or driver.pgconn.transaction_status != _IDLE
        or (
            driver.isolation_level is None
            and driver.read_only is None
            and driver.deferrable is None
        )
    )


def execute(
    driver: PgConnection[Any],
    sql: bytes,
    params: Sequence[Any],
    *,
    fetch: bool,
    commit: bool = False,
) -> tuple[int, list[tuple[Any, ...]]]:
    """Run ``sql`` (``$n`` placeholders) with ``params``: ``(rowcount, rows)``; rows only when
    ``fetch``. ``commit``: when a transaction is open, commit it in the statement's round trip
    (:meth:`_Wire.run_and_commit`; the session is idle after, so psycopg's own ``commit`` then
    sends nothing). The caller checked :func:`usable`."""
    wire = _wire(driver)
    pgconn = wire.pgconn
    # What psycopg's cursor would send first, in the statement's round trip.
    begin = not driver.autocommit and pgconn.transaction_status == _IDLE
    commit = commit and not begin and pgconn.transaction_status == _INTRANS
    try:
        return _execute(wire, sql, params, fetch=fetch, begin=begin, commit=commit)
    except errors.InvalidSqlStatementName:
        if pgconn.transaction_status != _IDLE:
            raise  # inside a transaction the failure aborted it: the unit of work fails
        return _execute(wire, sql, params, fetch=fetch)  # in autocommit: prepared anew


def _execute(
    wire: _Wire,
    sql: bytes,
    params: Sequence[Any],
    *,
    fetch: bool,
    begin: bool = False,
    commit: bool = False,
) -> tuple[int, list[tuple[Any, ...]]]:
    transformer = wire.transformer
    # None is SQL NULL for libpq (psycopg's cursor passes it too; its stubs say otherwise).
    values = cast(list[bytes], transformer.dump_sequence(params, [PyFormat.TEXT] * len(params)))
    key = (sql, tuple(transformer.types or ()))
    name = wire.name_for(key)  # preparing is not transactional: before BEGIN is fine
    committed = None
    if begin:
        result = wire.begin_and_run(sql, values, key[1], name)
    elif commit:
        result, committed = wire.run_and_commit(sql, values, key[1], name)
    else:
        result = wire.run(sql, values, key[1], name)
    wire.check(result)
    if committed is not None:
        wire.check(committed)
    rows: list[tuple[Any, ...]] = []
    if fetch and result.ntuples:
        transformer.set_pgresult(result)
        rows = transformer.load_rows(0, result.ntuples, tuple)
    count = result.command_tuples
    return (-1 if count is None else count), rows


def prepared_count(driver: PgConnection[Any]) -> int:
    """How many statements this module has named on ``driver``'s session (for tests)."""
    wire: _Wire | None = getattr(driver, _WIRE, None)
    return 0 if wire is None else len(wire.prepared)
