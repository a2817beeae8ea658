"""Find a PostgreSQL server for the test suite when ``SCIMDIR_TEST_POSTGRES_URL`` is not set.

``make test`` promises that the PostgreSQL half of the suite runs whenever a server answers on
127.0.0.1:5432. :func:`discover` makes that true: it tries a few usual logins there (``postgres``
and the current user with trust authentication, then the ``scimdir``/``scimdir`` role the README
suggests), creates the test database if it is missing, and returns its URL; or ``None`` with the
reason, for the skip message. Each attempt gives up after about a second, so a machine without
PostgreSQL loses no time.

Several pytest-xdist workers run this at once: creating the database tolerates a concurrent
creator (PostgreSQL reports the loser as ``duplicate_database`` or as a unique violation on
``pg_database``), and migrating it afterwards takes an advisory lock (``SqlStorage.migrate``).
"""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass

import psycopg
from psycopg import errors, sql

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5432
DEFAULT_DATABASE = "scimdir_test"
CONNECT_TIMEOUT_SECONDS = 1


@dataclass(frozen=True)
class Discovery:
    """The outcome: ``url`` of a usable database, or ``None`` and ``reason`` saying why not."""

    url: str | None
    reason: str


def libpq_url(url: str) -> str:
    """``url`` (SQLAlchemy's ``postgresql+psycopg://...``) as libpq and psycopg take it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _logins() -> list[tuple[str, str | None]]:
    users: list[tuple[str, str | None]] = [("postgres", None)]
    try:
        current = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        current = ""
    if current and current != "postgres":
        users.append((current, None))
    users.append(("scimdir", "scimdir"))
    return users


def _ensure_database(conn: psycopg.Connection[tuple[object, ...]], database: str) -> None:
    for _ in range(20):
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if conn.execute(query, (database,)).fetchone():
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            return
        except (errors.DuplicateDatabase, errors.UniqueViolation):
            return  # another worker created it first: that is what we wanted
        except errors.ObjectInUse:
            time.sleep(0.1)  # the template is busy with another CREATE DATABASE: look again
    raise errors.ObjectInUse(f"could not create database {database}: template kept busy")


def discover(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, database: str = DEFAULT_DATABASE
) -> Discovery:
    """Connect to ``host:port``, make sure ``database`` exists, and return its SQLAlchemy URL."""
    failures: list[str] = []
    for user, password in _logins():
        try:
            with psycopg.connect(
                host=host,
                port=port,
                user=user,
                password=password,
                dbname="postgres",
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                autocommit=True,
            ) as conn:
                _ensure_database(conn, database)
        except psycopg.Error as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            failures.append(f"as {user}: {first_line}")
            continue
        credentials = user if password is None else f"{user}:{password}"
        return Discovery(
            f"postgresql+psycopg://{credentials}@{host}:{port}/{database}",
            f"found PostgreSQL on {host}:{port} (user {user})",
        )
    return Discovery(
        None,
        f"no usable PostgreSQL on {host}:{port} ({'; '.join(failures)})",
    )
