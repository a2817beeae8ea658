"""PostgreSQL connections (``storage/sql/pg_pool.py``): no pre-ping, yet a connection the server
closed never turns the next request into an error (autocommit reads: test_autocommit_reads.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from scimdir.devtools.asgi_client import InProcessClient
from scimdir.service.ports import TransientConflict
from scimdir.service.unit_of_work import write
from scimdir.settings import Settings
from scimdir.storage.sql import SqlStorage
from scimdir.web.app import create_app
from tests.storage.helpers import create_directory

pytestmark = pytest.mark.postgres


@pytest.fixture
def one_connection(postgres_url: str) -> Iterator[SqlStorage]:
    """A storage whose pool holds a single connection (so the killed one is the next one)."""
    storage = SqlStorage(postgres_url, pool_size=1, max_overflow=0)
    yield storage
    storage.dispose()


def _backend_pid(storage: SqlStorage) -> int:
    with storage.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(postgres_url: str, pid: int) -> None:
    """``pg_terminate_backend`` from another session, then wait until the backend is gone."""
    admin = create_engine(postgres_url, poolclass=None)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
            conn.commit()
            if alive == 0:
                break
            time.sleep(0.02)
    admin.dispose()


def test_a_terminated_pooled_connection_is_replaced_at_checkout(
    one_connection: SqlStorage, postgres_url: str
) -> None:
    """After pg_terminate_backend of the pooled connection, the next unit of work gets a new
    connection (no pre-ping, no error) and reads normally."""
    directory_id = create_directory(one_connection)
    killed = _backend_pid(one_connection)
    _terminate(postgres_url, killed)
    with one_connection.transaction(readonly=True, snapshot=False) as tx:
        found = tx.get_directory(directory_id)
    assert (found is not None, _backend_pid(one_connection) != killed) == (True, True)


def test_a_connection_lost_inside_a_write_is_run_again(
    one_connection: SqlStorage, postgres_url: str
) -> None:
    """A connection that dies in the middle of a write (before COMMIT) leaves as a
    TransientConflict, so write() runs the unit of work again on a new connection."""
    directory_id = create_directory(one_connection)
    runs: list[int] = []

    def work(tx: object) -> int:
        runs.append(1)
        if len(runs) == 1:
            _terminate(postgres_url, _backend_pid_of(tx))
        return tx.append_event(directory_id, "t", "User", "x", {}, datetime.now(UTC))  # type: ignore[attr-defined, no-any-return]

    assert (write(one_connection, work), len(runs)) == (1, 2)


def _backend_pid_of(tx: object) -> int:
    conn = tx.conn  # type: ignore[attr-defined]
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_lost_connection_is_a_transient_conflict(
    one_connection: SqlStorage, postgres_url: str
) -> None:
    """Without write(), the loss surfaces as TransientConflict (nothing was committed)."""
    directory_id = create_directory(one_connection)
    with pytest.raises(TransientConflict), one_connection.transaction() as tx:
        _terminate(postgres_url, _backend_pid_of(tx))
        tx.append_event(directory_id, "t", "User", "x", {}, datetime.now(UTC))


def test_a_request_after_the_server_closed_the_connection_is_served(postgres_url: str) -> None:
    """Through the SCIM API: a lookup after its pooled connection was terminated answers 200,
    never a 500."""
    app = create_app(
        Settings(database_url=postgres_url, public_url="https://scim.example.test", threads=1)
    )
    services = app.state.services
    created = services.directories.create("killed", "entra")
    url = f"/scim/{created.directory.id}/v2/Users"
    with InProcessClient(app, secret=created.secret) as client:
        assert client.request("GET", url).status_code == 200
        with services.storage.engine.connect() as conn:
            pids = [int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())]
        for pid in pids:
            _terminate(postgres_url, pid)
        statuses = [client.request("GET", url).status_code for _ in range(3)]
    services.storage.dispose()
    assert statuses == [200, 200, 200]


def test_the_pool_covers_every_thread_by_default() -> None:
    """By default a process keeps one connection per thread that can use the database and
    opens none beyond it (an overflow connection would be closed and reopened under load)."""
    settings = Settings(threads=16)
    assert (settings.db_pool(), settings.db_overflow()) == (18, 0)
    assert Settings(threads=16, db_pool_size=5).db_overflow() == 13
