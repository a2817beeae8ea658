"""Statements run on the DB-API connection directly (``storage/sql/driver_statements.py``) keep
SQLAlchemy's semantics: converted values, SQLAlchemy's exceptions, the read deadline, and a lost
PostgreSQL connection invalidated rather than handed out again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import DBAPIError

from scimdir.service.ports import (
    DirectoryRecord,
    ReadTimeLimit,
    Storage,
    TransientConflict,
    UnknownMember,
    UserRecord,
)
from scimdir.service.unit_of_work import time_limited
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.tables import directories, users
from tests.storage.helpers import group, user
from tests.storage.test_postgres_connections import _terminate

_DIRECTORY = DriverStatement(select(directories).where(directories.c.id == bindparam("d")).limit(1))


@contextmanager
def sqlalchemy_executions(storage: SqlStorage) -> Iterator[list[object]]:
    """Every statement sent through SQLAlchemy's ``Connection.execute`` inside the block (driver
    statements do not pass there)."""
    executed: list[object] = []

    def seen(conn: object, clause: object, *args: object) -> None:
        executed.append(clause)

    event.listen(storage.engine, "before_execute", seen)
    try:
        yield executed
    finally:
        event.remove(storage.engine, "before_execute", seen)


def _insert_directory(storage: Storage, settings: dict[str, object]) -> DirectoryRecord:
    now = datetime.now(UTC).replace(microsecond=123456)
    record = DirectoryRecord(uuid.uuid4().hex, "driver", "okta", settings, now, now, [])
    with storage.transaction() as tx:
        tx.insert_directory(record)
    return record


def test_values_come_back_as_sqlalchemy_would_convert_them(storage: SqlStorage) -> None:
    record = _insert_directory(storage, {"user_linking": True, "nested": [1, "x"]})
    with storage.transaction(readonly=True) as tx:
        fast = _DIRECTORY.first(tx.conn, {"d": record.id})
        general = tx.conn.execute(_DIRECTORY.stmt, {"d": record.id}).one()._asdict()
        missing = _DIRECTORY.first(tx.conn, {"d": "nope"})
    assert fast == general
    assert fast is not None and missing is None
    assert fast["settings"] == {"user_linking": True, "nested": [1, "x"]}
    assert fast["created"] == record.created and fast["created"].tzinfo is not None


def test_a_driver_error_leaves_as_sqlalchemys_error(storage: SqlStorage) -> None:
    broken = DriverStatement(select(text("nope FROM no_such_table")))
    with pytest.raises(DBAPIError), storage.transaction(readonly=True) as tx:
        broken.rows(tx.conn, {})


def test_a_statement_past_the_read_deadline_is_interrupted(sqlite_storage: SqlStorage) -> None:
    """SQLite's progress handler stops a scanning statement once the deadline has passed; the
    statement leaves as the port's ReadTimeLimit (the SCIM API answers 503)."""
    record = _insert_directory(sqlite_storage, {})
    with sqlite_storage.transaction() as tx:
        tx.conn.execute(
            users.insert(),
            [
                {
                    "directory_id": record.id,
                    "id": f"u{i}",
                    "user_name": f"u{i}",
                    "user_name_norm": f"u{i}",
                    "source": "scim",
                    "linked": True,
                    "document": {},
                    "version": 1,
                    "created": record.created,
                    "last_modified": record.created,
                }
                for i in range(2_000)
            ],
        )
    scan = DriverStatement(select(users.c.id).order_by(users.c.document))
    with sqlite_storage.transaction(readonly=True) as tx:
        assert len(scan.rows(tx.conn, {})) == 2_000  # no deadline: it runs to the end
        with pytest.raises(ReadTimeLimit), time_limited(-1.0):
            scan.rows(tx.conn, {})


@pytest.mark.postgres
def test_a_lost_postgres_connection_is_invalidated(postgres_url: str) -> None:
    """The statement's failure leaves the unit of work as a TransientConflict (nothing was
    committed) caused by an invalidated connection, and the pool's next connection is a new
    one that works."""
    storage = SqlStorage(postgres_url, pool_size=1, max_overflow=0)
    try:
        record = _insert_directory(storage, {})
        transaction = storage.transaction(readonly=True, snapshot=False)
        with pytest.raises(TransientConflict) as raised, transaction as tx:
            pid = tx.conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _terminate(postgres_url, int(pid))
            _DIRECTORY.first(tx.conn, {"d": record.id})
        cause = raised.value.__cause__
        assert isinstance(cause, DBAPIError) and cause.connection_invalidated
        with storage.transaction(readonly=True, snapshot=False) as tx:
            assert _DIRECTORY.first(tx.conn, {"d": record.id}) is not None
            assert tx.conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        storage.dispose()


@pytest.mark.postgres
def test_postgres_user_writes_and_their_event_run_on_the_driver(
    postgres_storage: SqlStorage,
) -> None:
    """A user create, a user update and their events (``pg_writes.py``'s one-statement writes)
    never take SQLAlchemy's ``Connection.execute`` path, and do what it did: rows, e-mails,
    versions and event seqs as read back."""
    storage = postgres_storage
    directory = _insert_directory(storage, {})
    now = datetime.now(UTC)
    document = {"userName": "w@example.test", "emails": [{"value": "w@example.test"}]}
    record = UserRecord(uuid.uuid4().hex, directory.id, "w@example.test", document, 1, now, now)
    with sqlalchemy_executions(storage) as executed:
        with storage.transaction() as tx:
            tx.insert_user(record)
            first = tx.append_event(directory.id, "user.created", "User", record.id, {}, now)
        with storage.transaction() as tx:
            current = tx.get_user(directory.id, record.id, for_update=True)
            assert current is not None
            renamed = {"userName": "v@example.test", "emails": [{"value": "v@example.test"}]}
            updated = UserRecord(record.id, directory.id, "v@example.test", renamed, 2, now, now)
            tx.update_user(updated, current.version)
            second = tx.append_event(directory.id, "user.updated", "User", record.id, {}, now)
    assert executed == []
    assert second == first + 1
    with storage.transaction(readonly=True) as tx:
        stored = tx.get_user(directory.id, record.id)
        emails = tx.conn.execute(
            text("SELECT value FROM user_emails WHERE directory_id = :d AND user_id = :u"),
            {"d": directory.id, "u": record.id},
        ).scalars()
        assert stored is not None and (stored.version, stored.document) == (2, renamed)
        assert list(emails) == ["v@example.test"]


def test_one_member_added_or_removed_runs_on_the_driver(storage: SqlStorage) -> None:
    """Entra's member PATCH (one member) inserts and deletes its row without SQLAlchemy's
    ``Connection.execute``, with the same answers: new rows counted once, a missing member
    refused, an absent one not removed."""
    directory = _insert_directory(storage, {})
    g = group(directory.id, "one-member")
    member = user(directory.id, "one-member-user")
    with storage.transaction() as tx:
        tx.insert_group(g)
        tx.insert_user(member)
    with sqlalchemy_executions(storage) as executed:
        with storage.transaction() as tx:
            assert tx.add_members(directory.id, g.id, [(member.id, "User")]) == 1
            assert tx.add_members(directory.id, g.id, [(member.id, "User")]) == 0
            ran_on_driver = list(executed)
            assert tx.remove_members(directory.id, g.id, [member.id]) == 1
            assert tx.remove_members(directory.id, g.id, [member.id]) == 0
        with pytest.raises(UnknownMember), storage.transaction() as tx:
            tx.add_members(directory.id, g.id, [(uuid.uuid4().hex, "User")])
    assert ran_on_driver == []
    assert not [clause for clause in executed if "memberships" in str(clause)]
    with storage.transaction(readonly=True) as tx:
        assert tx.member_ids(directory.id, g.id) == set()
