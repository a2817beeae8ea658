"""The SQL storage backend: engine setup, transactions and migrations (SQLite and PostgreSQL).

SQLite (DESIGN.md: the default): WAL journal so readers never block the writer,
``foreign_keys=ON`` (off by default in SQLite; cascades depend on it), a ``busy_timeout`` so a
writer waits instead of failing, and ``case_sensitive_like`` so caseExact filters stay exact.
Every writing transaction starts with ``BEGIN IMMEDIATE``: taking the write lock up front avoids the
deadlock two deferred transactions hit when both try to upgrade a read lock (the pysqlite
event-hook recipe from SQLAlchemy's SQLite dialect docs, "Serializable isolation / Savepoints /
Transactional DDL"), after the :class:`WriterLock` that queues writers without SQLite's sleeping
busy handler. Read-only units of work (``transaction(readonly=True)``) begin deferred, so
readers never queue behind each other or a writer, and read one snapshot (WAL). ``sqlite://``
(in memory) shares one connection (StaticPool) for tests.

PostgreSQL (``postgresql+psycopg://``): scale-out target; ``migrate`` holds an advisory lock so
concurrent ``scimdir migrate`` runs (several servers starting at once) are safe. Read-only units of
work run at ``REPEATABLE READ``: one snapshot for all their statements (a list's total, its
generation and its page agree; a read-only transaction never gets a serialization failure), as on
SQLite.

Migrations are Alembic's, shipped inside the package and run in code (no ``alembic.ini``).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from scimdir.storage.sql.base import READONLY
from scimdir.storage.sql.page_marks import PageMarks
from scimdir.storage.sql.transaction import SqlTransaction

__all__ = ["MIGRATION_LOCK", "SqlStorage", "alembic_config"]

MIGRATION_LOCK = 0x5C1_D1_0001  # pg_advisory_xact_lock key for schema upgrades
_SQLITE_BUSY_MS = 30_000


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", "scimdir.storage.sql:migrations")
    return config


def _sqlite_engine(url: str, pool: dict[str, Any], echo: bool) -> Engine:
    parsed = make_url(url)
    memory = parsed.database in (None, "", ":memory:")
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
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Read-only units of work begin deferred, so WAL readers run side by side.
        conn.exec_driver_sql("BEGIN" if conn.info.get(READONLY) else "BEGIN IMMEDIATE")

    return engine


class WriterLock:
    """One SQLite writer at a time across the threads and processes of a database file.

    SQLite admits one writer; the others wait in its busy handler, which sleeps in growing steps
    (1 ms, 2 ms, 5 ms ... 100 ms) and lets an unlucky writer starve: with two worker processes the
    p99 of a user PATCH was about a second. Queueing on a thread lock and then on ``flock`` of a
    file next to the database hands the turn over as soon as it is released: p99 35-50 ms and
    20-50 % more writes per second (docs/performance.md). Readers never take it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()

    def close(self) -> None:
        """Close the lock file (a later writer opens it again)."""
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _writer_lock(url: str) -> WriterLock | None:
    """The writer lock of a SQLite database file; None for memory databases and PostgreSQL."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return WriterLock(database + ".writer-lock")


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
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        pool_timeout: float = 30.0,
        echo: bool = False,
    ) -> None:
        pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
        if make_url(url).get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(url, pool, echo)
        else:
            self.engine = create_engine(url, **pool, echo=echo, pool_pre_ping=True)
        self.marks = PageMarks()
        self._writer = _writer_lock(url)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Upgrade the schema to the newest revision, in one transaction."""
        config = alembic_config()
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[SqlTransaction]:
        """One unit of work: commit when the block ends, roll back if it raises (rule 1).

        ``readonly`` promises that the block only reads (on SQLite it begins deferred).
        """
        writer = nullcontext() if readonly or self._writer is None else self._writer
        with writer, self.engine.connect() as conn:
            conn.info[READONLY] = readonly
            if readonly and conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield SqlTransaction(conn, self.marks)

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()
