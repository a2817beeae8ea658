"""The SQL storage backend: engine setup, transactions and migrations (SQLite and PostgreSQL).

SQLite (the default): WAL journal so readers never block the writer,
``foreign_keys=ON`` (off by default in SQLite; cascades depend on it), a ``busy_timeout`` so a
writer waits instead of failing, and ``case_sensitive_like`` so caseExact filters stay exact.
Every writing transaction starts with ``BEGIN IMMEDIATE``: taking the write lock up front avoids the
deadlock two deferred transactions hit when both try to upgrade a read lock (the pysqlite
event-hook recipe from SQLAlchemy's SQLite dialect docs, "Serializable isolation / Savepoints /
Transactional DDL"), after the :class:`WriterLock` that queues writers without SQLite's sleeping
busy handler. Read-only units of work (``transaction(readonly=True)``) begin deferred, so
readers never queue behind each other or a writer, and read one snapshot (WAL). A progress
handler interrupts a statement once the context's read deadline has passed
(``service/ports.py``, ``read_deadline``: set around reads that may scan), raising
``ReadTimeLimit``. ``sqlite://``
(in memory) shares one connection (StaticPool) for tests.

PostgreSQL (``postgresql+psycopg://``): scale-out target; ``migrate`` holds an advisory lock so
concurrent ``scimdir migrate`` runs (several servers starting at once) are safe, and runs each
migration in its own transaction (an index built ``CONCURRENTLY`` needs none). Connections
(``pg_pool.py``): no pre-ping (a dead pooled connection is dropped at checkout without a round
trip). The reads the event loop serves itself (index probes, ``web/db_threads.py``) run on
connections of the loop's own (``held_connections.py``) with a ``statement_timeout`` of
``loop_read_timeout``: a pool checkout could wait behind busy worker threads, and a statement
that blocks the loop must be bounded (a lock held by a schema change, a wedged server). Work
the loop runs through the greenlet bridge (``scimdir/greenlet_bridge.py``: small writes, and
reads when they await the server) awaits PostgreSQL on those connections, writes on a set of
their own without the time limit (``pg_loop_connection.py``).

On both, read-only units of work that ask for no snapshot run in autocommit, each statement its
own snapshot, until a read that needs several statements to agree (a list's total, its
generation and its page) pins one for the rest of the unit of work (``autocommit_reads.py``).

Migrations are Alembic's, shipped inside the package and run in code (no ``alembic.ini``).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, NoReturn

from alembic import command
from alembic.config import Config
from psycopg import IsolationLevel
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool, StaticPool

from scimdir.greenlet_bridge import bridged
from scimdir.service.ports import ReadTimeLimit, StorageBusy, read_deadline, reads_on_event_loop
from scimdir.storage.sql.autocommit_reads import end_autocommit, in_autocommit, read_in_autocommit
from scimdir.storage.sql.base import READONLY
from scimdir.storage.sql.driver_statements import (
    STATEMENT_LIMIT,
    cancelled_at_limit,
    interrupted_past_deadline,
    run_driver_sql,
)
from scimdir.storage.sql.errors import transient
from scimdir.storage.sql.held_connections import HeldConnections
from scimdir.storage.sql.page_marks import PageMarks
from scimdir.storage.sql.pg_loop_connection import LoopConnection
from scimdir.storage.sql.pg_pool import install_liveness_check, server_closed
from scimdir.storage.sql.pg_statistics import StatisticsKeeper
from scimdir.storage.sql.pg_wire import UNPREPARED
from scimdir.storage.sql.transaction import SqlTransaction
from scimdir.storage.sql.wal_checkpoints import SAFETY_PAGES, WalCheckpointer

__all__ = ["DEFAULT_WRITER_TIMEOUT", "MIGRATION_LOCK", "SqlStorage", "alembic_config"]

MIGRATION_LOCK = 0x5C1_D1_0001  # advisory lock key for schema upgrades (PostgreSQL)

LOOP_READ_TIMEOUT = 2.0
"""Seconds a PostgreSQL read on the event loop may run (an index probe takes well under a
millisecond; the limit only bounds how long a wedged database can stall the loop)."""

LOOP_CONNECTIONS = 8
"""PostgreSQL: connections the event loop's reads may hold open at once, and as many for the
writes it runs. Work run by the greenlet bridge awaits the server without blocking the loop
(``pg_loop_connection.py``), so as many units run at once as requests do; past this many, a
unit awaits a free connection. Eight covers an identity provider's concurrency (Entra sends a
handful of requests at once) and the benchmarks' eight connections."""
LOOP_UNREACHABLE_FOR = 5.0
"""Seconds the event loop's reads answer 503 at once after failing to connect to PostgreSQL
(each attempt can block the loop up to the two-second connect timeout)."""
_MIGRATION_POLL_SECONDS = 0.1
_SQLITE_BUSY_MS = 30_000
SQLITE_WAL_PAGES = 1000
"""SQLite's own automatic checkpoint, in pages
(https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint)."""
_WAL_PAGES = "scimdir_wal_autocheckpoint"  # Connection.info: the automatic checkpoint it has
DEFAULT_WRITER_TIMEOUT = 30.0  # seconds a writer queues for the writer lock before StorageBusy
_FLOCK_POLL_MIN = 0.0005
_FLOCK_POLL_MAX = 0.002


def _lock_for_migration(conn: Connection) -> None:
    """Take the session advisory lock for schema upgrades, polling without holding a snapshot."""
    while True:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        locked = bool(got.scalar())
        conn.commit()
        if locked:
            return
        time.sleep(_MIGRATION_POLL_SECONDS)


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", "scimdir.storage.sql:migrations")
    return config


def _create_private(path: str, flags: int = os.O_RDONLY) -> int:
    """Open ``path``, creating it readable and writable by its owner only (mode 0600)."""
    return os.open(path, flags | os.O_CREAT, 0o600)


def _sqlite_engine(
    url: str, pool: dict[str, Any], echo: bool, wal_pages: Callable[[], int | None] = lambda: None
) -> Engine:
    parsed = make_url(url)
    memory = parsed.database in (None, "", ":memory:")
    plain_path = not memory and parsed.database and not parsed.query.get("uri")
    if plain_path and parsed.database and not os.path.exists(parsed.database):
        # The database holds secret hashes and personal data: create it 0600 before SQLite
        # does (SQLite would use 0644 less the umask). SQLite gives the -wal and -shm files it
        # creates the permissions of the database file (os_unix.c, findCreateFileMode).
        os.close(_create_private(parsed.database))
    kwargs: dict[str, Any] = {"echo": echo}
    if memory:
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        kwargs.update(pool, connect_args={"check_same_thread": False})
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            pages = wal_pages()
            if pages is not None:  # a server's background checkpoints (wal_checkpoints.py)
                cursor.execute(f"PRAGMA wal_autocheckpoint={pages}")
            cursor.execute(f"PRAGMA mmap_size={_SQLITE_MMAP_BYTES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()
        dbapi_connection.set_progress_handler(_past_read_deadline, _PROGRESS_STEPS)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> BaseException | None:
        # The statement the progress handler interrupted leaves as the port's ReadTimeLimit,
        # wherever it was raised (a fetch inside the read scope, not only at commit).
        if interrupted_past_deadline(context.original_exception):
            return ReadTimeLimit("the read ran past its time limit and was interrupted")
        return None

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Read-only units of work begin deferred, so WAL readers run side by side; those in
        # autocommit send no BEGIN until they pin a snapshot (autocommit_reads.py).
        if in_autocommit(conn):
            return
        run_driver_sql(conn, "BEGIN" if conn.info.get(READONLY) else "BEGIN IMMEDIATE")

    return engine


def _loop_engine(url: str, timeout: float | None, echo: bool) -> Engine:
    """The unpooled PostgreSQL engine of the event loop's connections: each is a
    :class:`LoopConnection`, sets ``timeout`` as its ``statement_timeout`` once, when it
    connects (reads; None: none, writes), and gives up connecting after two seconds."""
    engine = create_engine(
        url, poolclass=NullPool, echo=echo, connect_args={"connect_timeout": 2, **UNPREPARED}
    )

    @event.listens_for(engine, "do_connect")
    def _loop_connection(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        # A psycopg connection whose waits await on the event loop (pg_loop_connection.py).
        return LoopConnection.connect(*cargs, **cparams)

    if timeout is not None:

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            dbapi_connection.execute(f"SET statement_timeout = {max(1, round(timeout * 1000))}")
            dbapi_connection.autocommit = autocommit

    return engine


def _pg_alive(dbapi_connection: Any) -> bool:
    """Whether the loop's held PostgreSQL connection may be used (``pg_pool.py``)."""
    return not dbapi_connection.closed and not server_closed(dbapi_connection)


# Pages read through a memory map instead of a ``pread`` system call each (the connection's own
# page cache, 2 MiB, holds a fraction of a large directory's index and table pages): an index
# probe of a lookup read two pages from the file per request, the log writer's inserts one
# (strace of a server under wrk, docs/performance.md). Address space only: the operating
# system's page cache backs the map, shared by every connection and process.
# https://www.sqlite.org/mmap.html
_SQLITE_MMAP_BYTES = 256 * 1024 * 1024
_PROGRESS_STEPS = 1_000  # SQLite VM instructions between two deadline checks (~10-50 µs)


def _past_read_deadline() -> int:
    """SQLite's progress handler: non-zero interrupts the running statement once the context's
    :data:`~scimdir.service.ports.read_deadline` has passed (a scanning read's time limit)."""
    deadline = read_deadline.get()
    return 1 if deadline is not None and time.monotonic() > deadline else 0


class WriterLock:
    """One SQLite writer at a time across the threads and processes of a database file.

    SQLite admits one writer; the others wait in its busy handler, which sleeps in growing steps
    (1 ms, 2 ms, 5 ms ... 100 ms) and lets an unlucky writer starve: with two worker processes the
    p99 of a user PATCH was about a second. Queueing on a thread lock and then on ``flock`` of a
    file next to the database hands the turn over as soon as it is released: p99 35-50 ms and
    20-50 % more writes per second (docs/performance.md). Readers never take it.

    A writer waits at most ``timeout`` seconds, then gets :class:`StorageBusy` (the SCIM API
    answers 503 with ``Retry-After``) instead of hanging behind a stuck writer. The thread lock
    waits with that timeout; ``flock`` has none, so the process lock is tried without blocking
    and retried every few milliseconds (at most :data:`_FLOCK_POLL_MAX` seconds apart) until the
    deadline.

    The thread that holds it may take it again (a write the event loop runs took it first with
    :meth:`try_acquire`, then its unit of work enters it): only the outermost hold locks the file.
    """

    def __init__(self, path: str, timeout: float = DEFAULT_WRITER_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._thread_lock = threading.RLock()
        self._depth = 0  # holds by the owning thread (guarded by _thread_lock)
        self._fd: int | None = None

    def __enter__(self) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._thread_lock.acquire(timeout=self.timeout):
            raise self._busy()
        try:
            if self._depth == 0 and not _flock_before(self._file(), deadline):
                raise self._busy()
        except BaseException:
            self._thread_lock.release()
            raise
        self._depth += 1

    def try_acquire(self) -> bool:
        """Take the lock only if no thread or process holds it now (never waits); release it
        with :meth:`__exit__`."""
        if not self._thread_lock.acquire(blocking=False):
            return False
        if self._depth == 0:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._thread_lock.release()
                return False
            except BaseException:
                self._thread_lock.release()
                raise
        self._depth += 1
        return True

    def _file(self) -> int:
        if self._fd is None:
            self._fd = _create_private(self.path, os.O_RDWR)
        return self._fd

    def _busy(self) -> StorageBusy:
        return StorageBusy(
            f"Another writer held the database for more than {self.timeout:g} seconds."
        )

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()

    def close(self) -> None:
        """Close the lock file (a later writer opens it again)."""
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _flock_before(fd: int, deadline: float) -> bool:
    """Take ``flock(fd, LOCK_EX)`` unless ``deadline`` (monotonic) passes first."""
    delay = _FLOCK_POLL_MIN
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, _FLOCK_POLL_MAX)


def _raise_transient(exc: DBAPIError, *, committing: bool) -> NoReturn:
    """Raise ``exc`` as ``TransientConflict`` when the database rolled the unit back for a
    reason worth running it again for (``errors.transient``), else as it is."""
    retry = transient(exc, committing=committing)
    if retry is None:
        raise exc
    raise retry from exc


def _writer_lock(url: str, timeout: float) -> WriterLock | None:
    """The writer lock of a SQLite database file; None for memory databases and PostgreSQL."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return WriterLock(database + ".writer-lock", timeout)


class SqlStorage:
    """:class:`scimdir.service.ports.Storage` over SQLAlchemy Core.

    :param url: a SQLAlchemy URL, ``sqlite:///path.db``, ``sqlite://`` (memory) or
        ``postgresql+psycopg://user:pass@host/db``.
    :param pool_size: connections kept open per process.
    :param max_overflow: connections opened beyond ``pool_size`` under load (closed when
        returned); ``pool_size + max_overflow`` bounds the process's connections. The server sizes
        it to cover every thread that can use the database at once
        (:meth:`scimdir.settings.Settings.db_connections`), so a request never waits for one.
    :param pool_timeout: seconds a checkout waits for a free connection before it fails.
    :param echo: log every SQL statement (debugging only).
    :param writer_timeout: seconds a SQLite writer waits for the writer lock before
        :class:`StorageBusy` (PostgreSQL writers do not take it).
    :param loop_read_timeout: PostgreSQL: seconds a read on the event loop may run before the
        server cancels it (:class:`ReadTimeLimit`).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        pool_timeout: float = 30.0,
        echo: bool = False,
        writer_timeout: float = DEFAULT_WRITER_TIMEOUT,
        loop_read_timeout: float = LOOP_READ_TIMEOUT,
    ) -> None:
        pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
        self._readers: HeldConnections | None = None  # every thread's autocommit reads (SQLite)
        self._loop_readers: HeldConnections | None = None  # the event loop's (PostgreSQL)
        self._loop_writers: HeldConnections | None = None  # its bridged writes' (PostgreSQL)
        self.loop_read_timeout = loop_read_timeout
        self._checkpoints: WalCheckpointer | None = None
        self._statistics: StatisticsKeeper | None = None  # PostgreSQL (pg_statistics.py)
        if make_url(url).get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(url, pool, echo, self._wal_pages)
            if _writer_lock(url, writer_timeout) is not None:  # a database file
                unpooled = _sqlite_engine(url, {"poolclass": NullPool}, echo)
                self._readers = HeldConnections(self.engine, unpooled)
                self._checkpoints = WalCheckpointer(unpooled)
        else:
            self.engine = create_engine(url, **pool, echo=echo, connect_args=UNPREPARED)
            install_liveness_check(self.engine)
            self._statistics = StatisticsKeeper(self.engine)
            self._loop_readers = HeldConnections(
                self.engine,
                _loop_engine(url, loop_read_timeout, echo),
                alive=_pg_alive,
                info={STATEMENT_LIMIT: loop_read_timeout},
                unreachable_for=LOOP_UNREACHABLE_FOR,
                shared=LOOP_CONNECTIONS,
            )
            # The loop's writes: the same kind of connections, without the reads' time limit
            # (a write waits for row locks as a worker thread's would).
            self._loop_writers = HeldConnections(
                self.engine,
                _loop_engine(url, None, echo),
                alive=_pg_alive,
                unreachable_for=LOOP_UNREACHABLE_FOR,
                shared=LOOP_CONNECTIONS,
            )

            @event.listens_for(self.engine, "handle_error")
            def _on_error(context: Any) -> BaseException | None:
                # A statement the loop connection's statement_timeout cancelled leaves as the
                # port's ReadTimeLimit, wherever it ran (driver_statements.py does the same).
                if context.connection is None:
                    return None
                return cancelled_at_limit(context.connection, context.original_exception)

        self.marks = PageMarks()
        self._writer = _writer_lock(url, writer_timeout)

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine whose connections run statements: the pool's, then the event loop's
        read and write connections' (PostgreSQL). For tools that watch connections (round
        trips)."""
        if self._loop_readers is None or self._loop_writers is None:
            return (self.engine,)
        return (self.engine, self._loop_readers.connections, self._loop_writers.connections)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Upgrade the schema to the newest revision.

        SQLite: in one transaction (its write lock serialises concurrent runs). PostgreSQL: one
        transaction per migration, so that a migration may build an index ``CONCURRENTLY``
        outside any transaction (docs/deployment.md, "Migrations"), all under a session advisory
        lock that concurrent runs wait for by polling: a waiter blocked inside a statement would
        hold a snapshot, which a concurrent index build waits for in turn (a deadlock).
        """
        config = alembic_config()
        if self.engine.dialect.name != "postgresql":
            with self.engine.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            return
        with self.engine.connect() as conn:
            _lock_for_migration(conn)
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()

    def transaction(
        self, *, readonly: bool = False, snapshot: bool = True
    ) -> AbstractContextManager[SqlTransaction]:
        """One unit of work: commit when the block ends, roll back if it raises (rule 1).

        ``readonly`` promises that the block only reads (on SQLite it begins deferred; on
        PostgreSQL it reads one ``REPEATABLE READ`` snapshot); with ``snapshot=False`` as well,
        it runs in autocommit until a read pins a snapshot (``autocommit_reads.py``). A
        deadlock, serialization failure, busy database or a connection lost before ``COMMIT``
        leaves as ``TransientConflict`` after the rollback. On a SQLite file, every unit runs
        on the thread's own connection (``held_connections.py``).
        """
        on_loop = self._loop_readers is not None and (reads_on_event_loop.get() or bridged())
        if readonly and not snapshot:
            if self._readers is not None:
                return self._thread_read(self._readers)
            if on_loop and self._loop_readers is not None:
                return self._thread_read(self._loop_readers)
        if on_loop and self._loop_writers is not None:
            # Never the pool on the loop: a checkout could wait for worker threads, blocking it.
            return self._unit(self._loop_writers.held, readonly=readonly, snapshot=snapshot)
        if self._readers is not None:
            # A SQLite file: the thread's own connection, the one its reads use, whose page
            # cache its own commits keep (held_connections.py).
            return self._unit(self._thread_connection, readonly=readonly, snapshot=snapshot)
        return self._unit(self.engine.connect, readonly=readonly, snapshot=snapshot)

    @contextmanager
    def _thread_connection(self) -> Iterator[Connection]:
        """The thread's own SQLite connection for a unit of work with a transaction, its
        automatic checkpoint set as the pool's connections' is (raised while the background
        checkpoints run, ``wal_checkpoints.py``; the thread's connection may be older than
        their start or stop)."""
        assert self._readers is not None
        with self._readers.held() as conn:
            pages = self._wal_pages() or SQLITE_WAL_PAGES
            if conn.info.get(_WAL_PAGES) != pages:
                run_driver_sql(conn, f"PRAGMA wal_autocheckpoint={pages}")
                conn.info[_WAL_PAGES] = pages
            yield conn

    @contextmanager
    def _thread_read(self, readers: HeldConnections) -> Iterator[SqlTransaction]:
        try:
            with readers.unit() as conn:
                yield SqlTransaction(conn, self.marks)
        except DBAPIError as exc:
            _raise_transient(exc, committing=False)

    @contextmanager
    def _unit(
        self,
        connect: Callable[[], AbstractContextManager[Connection]],
        *,
        readonly: bool,
        snapshot: bool,
    ) -> Iterator[SqlTransaction]:
        """A unit of work on a connection of ``connect``: the pool's, or the event loop's own
        (PostgreSQL work run by the greenlet bridge)."""
        writer = nullcontext() if readonly or self._writer is None else self._writer
        committing = False
        try:
            with writer, connect() as conn:
                conn.info[READONLY] = readonly
                postgres = readonly and conn.dialect.name == "postgresql"
                autocommit = readonly and not snapshot
                if autocommit:
                    read_in_autocommit(conn)
                elif postgres:  # on the driver, as pin_snapshot does; end_autocommit resets it
                    driver: Any = conn.connection.dbapi_connection
                    driver.isolation_level = IsolationLevel.REPEATABLE_READ
                try:
                    with conn.begin():
                        tx = SqlTransaction(conn, self.marks)
                        yield tx
                        tx.flush_counts()  # the directory row last (port rule 8, counters.py)
                        tx.check_nothing_after_commit()
                        committing = True
                finally:
                    if autocommit or postgres:
                        end_autocommit(conn)
        except DBAPIError as exc:
            _raise_transient(exc, committing=committing)

    def _wal_pages(self) -> int | None:
        """The automatic checkpoint of a new connection: raised while the background
        checkpoints run, SQLite's own otherwise."""
        running = self._checkpoints is not None and self._checkpoints.running
        return SAFETY_PAGES if running else None

    @property
    def awaits_on_loop(self) -> bool:
        """Whether work on the event loop run by :func:`scimdir.greenlet_bridge.run_bridged`
        awaits PostgreSQL there (its units of work take the loop's connections)."""
        return self._loop_readers is not None

    @contextmanager
    def writer_now(self) -> Iterator[bool | None]:
        """True, holding the write lock for the block, when a write may run here and now on the
        caller's thread without waiting or stalling it (SQLite file: no other writer holds the
        lock, and the checkpoint thread runs, so a commit copies no WAL back and syncs
        nothing); False when another writer holds the lock at this moment; None when writes
        never run on the caller here (no single writer, or no checkpoint thread)."""
        writer = self._writer
        running = self._checkpoints is not None and self._checkpoints.running
        if writer is None or not running:
            yield None
            return
        if not writer.try_acquire():
            yield False
            return
        try:
            yield True
        finally:
            writer.__exit__(None, None, None)

    def start_background(self) -> None:
        """A server's background work: on a SQLite file, WAL checkpoints on a thread of their
        own instead of inside a writer's commit (``wal_checkpoints.py``); on PostgreSQL,
        statistics refreshed as the tables grow (``pg_statistics.py``)."""
        if self._statistics is not None:
            self._statistics.start()
        if self._checkpoints is None or self._checkpoints.running:
            return
        self._checkpoints.start()
        self.engine.dispose()  # the pool's next connections raise their automatic checkpoint

    def stop_background(self) -> None:
        """Stop the background work; the pool's next connections checkpoint as SQLite does."""
        if self._statistics is not None:
            self._statistics.close()
        if self._checkpoints is not None and self._checkpoints.running:
            self._checkpoints.close()
            self.engine.dispose()

    def dispose(self) -> None:
        """Close pooled connections and the threads' read connections; stop the background
        work."""
        self.stop_background()
        self.engine.dispose()
        for readers in (self._readers, self._loop_readers, self._loop_writers):
            if readers is not None:
                readers.close()
        if self._writer is not None:
            self._writer.close()
