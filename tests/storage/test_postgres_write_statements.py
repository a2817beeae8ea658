"""PostgreSQL's folded write-path statements lock and write what the statements they replace
did, no more (``storage/sql/user_ops.py``, ``storage/sql/pg_writes.py``).

The contract suite checks what they return on both databases; these check the locks only
PostgreSQL takes, with a second connection that gives up at once instead of waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from scimdir.devtools.round_trips import RoundTrips
from scimdir.storage.sql import SqlStorage

from .helpers import create_directory, group, user

pytestmark = pytest.mark.postgres


def test_a_locked_read_with_groups_locks_the_user_alone(postgres_storage: SqlStorage) -> None:
    """A PATCH's locked read of the user and its groups (one statement) locks the user row
    (port rule 4), and neither a group nor a membership row (rule 8: groups come first)."""
    directory_id = create_directory(postgres_storage)
    g, alice = group(directory_id, "g"), user(directory_id, "alice")
    with postgres_storage.transaction() as tx:
        tx.insert_user(alice)
        tx.insert_group(g)
        tx.add_members(directory_id, g.id, [(alice.id, "User")])
    params = {"d": directory_id, "g": g.id, "u": alice.id}
    with postgres_storage.transaction() as tx:
        found = tx.get_user_with_groups(directory_id, alice.id, for_update=True)
        assert found == (alice, [(g.id, "g")])
        with postgres_storage.engine.connect() as other:
            for row in (
                "SELECT 1 FROM groups WHERE directory_id = :d AND id = :g FOR UPDATE NOWAIT",
                "SELECT 1 FROM memberships WHERE directory_id = :d AND group_id = :g "
                "FOR UPDATE NOWAIT",
            ):
                assert other.execute(text(row), params).scalar() == 1
            other.rollback()
            with pytest.raises(OperationalError, match="could not obtain lock"):
                other.execute(
                    text(
                        "SELECT 1 FROM users WHERE directory_id = :d AND id = :u FOR UPDATE NOWAIT"
                    ),
                    params,
                )


@pytest.fixture
def one_connection(postgres_url: str) -> Iterator[SqlStorage]:
    """The test database through a pool of one connection: every unit of work reuses it."""
    storage = SqlStorage(postgres_url, pool_size=1, max_overflow=0)
    yield storage
    storage.dispose()


def test_a_create_alone_is_one_statement_and_leaves_the_connection_transactional(
    one_connection: SqlStorage,
) -> None:
    """A unit of work whose first write is insert_user_with_event sends that one statement,
    no BEGIN and no COMMIT; the connection's next unit of work is a transaction again, which
    an exception rolls back whole (port rule 1)."""
    storage = one_connection
    directory_id = create_directory(storage)
    alice, bob, carol = (user(directory_id, n) for n in ("alice", "bob", "carol"))
    # Events of today: a server under test elsewhere on the shared database prunes events past
    # the retention period in every directory, and T0's would be.
    now = datetime.now(UTC)
    counter = RoundTrips.install(storage.engine)
    try:
        with counter.window() as trips, storage.transaction() as tx:
            tx.insert_user_with_event(alice, "user.created", {}, now)
    finally:
        counter.close()
    assert trips.count == 1 and "WITH new_user AS" in trips.messages[0], trips.messages
    dbapi = storage.engine.raw_connection()
    try:
        assert dbapi.driver_connection is not None
        assert dbapi.driver_connection.autocommit is False
    finally:
        dbapi.close()
    with pytest.raises(RuntimeError), storage.transaction() as tx:
        tx.insert_user(bob)
        tx.insert_user_with_event(carol, "user.created", {}, now)
        raise RuntimeError("boom")
    with storage.transaction(readonly=True) as tx:
        assert tx.get_user(directory_id, alice.id) == alice
        assert tx.get_user(directory_id, bob.id) is None
        assert tx.get_user(directory_id, carol.id) is None
        assert [e.resource_id for e in tx.list_events(directory_id, 0, 10)] == [alice.id]


def _group_with_member(storage: SqlStorage) -> tuple[str, str, str]:
    directory_id = create_directory(storage)
    g, alice = group(directory_id, "g"), user(directory_id, "alice")
    with storage.transaction() as tx:
        tx.insert_group(g)
        tx.insert_user(alice)
    return directory_id, g.id, alice.id


def _add_as_last(
    storage: SqlStorage, directory_id: str, group_id: str, member: str, event_type: str
) -> None:
    """A member PATCH's unit of work: the locked group, the row, then the bump with its event
    as the unit's last statement (``last=True``)."""
    with storage.transaction() as tx:
        current = tx.get_group(directory_id, group_id, for_update=True)
        assert current is not None
        tx.add_members(directory_id, group_id, [(member, "User")])
        tx.take_member_changes(group_id)
        current.version += 1
        event = (event_type, "Group", group_id, {"id": group_id})
        tx.update_group_with_events(current, current.version - 1, [event], NOW, last=True)


NOW = datetime.now(UTC)


def test_a_last_statement_commits_in_its_round_trip(one_connection: SqlStorage) -> None:
    """``update_group_with_events(last=True)`` sends the bump and COMMIT as one round trip; the
    unit's own commit then sends nothing; the row, the version and the event are committed."""
    storage = one_connection
    directory_id, group_id, alice = _group_with_member(storage)
    counter = RoundTrips.install(storage.engine)
    try:
        with counter.window() as trips:
            _add_as_last(storage, directory_id, group_id, alice, "group.member_added")
    finally:
        counter.close()
    assert not [m for m in trips.messages if m.strip('"') == "COMMIT"], trips.messages
    with storage.transaction(readonly=True) as tx:
        assert tx.member_ids(directory_id, group_id) == {alice}
        found = tx.get_group(directory_id, group_id)
        assert found is not None and found.version == 2
        events = tx.list_events(directory_id, 0, 10)
        assert [e.type for e in events][-1] == "group.member_added"


def test_a_last_statement_that_fails_commits_nothing(one_connection: SqlStorage) -> None:
    """The bump fails (an event type longer than its column): the server skips the COMMIT
    queued after it, and the unit rolls back the member row written before it."""
    storage = one_connection
    directory_id, group_id, alice = _group_with_member(storage)
    with pytest.raises(Exception, match="too long"):
        _add_as_last(storage, directory_id, group_id, alice, "x" * 100)
    with storage.transaction(readonly=True) as tx:
        assert tx.member_ids(directory_id, group_id) == set()
        found = tx.get_group(directory_id, group_id)
        assert found is not None and found.version == 1


def test_a_statement_after_the_last_fails_the_unit(one_connection: SqlStorage) -> None:
    """A write run after the statement the unit committed with is not committed as if it were
    part of the unit: the unit fails and that write is rolled back."""
    storage = one_connection
    directory_id, group_id, alice = _group_with_member(storage)
    late = user(directory_id, "late")
    committed = "after the unit of work committed"
    with pytest.raises(RuntimeError, match=committed), storage.transaction() as tx:
        current = tx.get_group(directory_id, group_id, for_update=True)
        assert current is not None
        tx.add_members(directory_id, group_id, [(alice, "User")])
        tx.take_member_changes(group_id)
        current.version += 1
        event = ("group.member_added", "Group", group_id, {"id": group_id})
        tx.update_group_with_events(current, 1, [event], NOW, last=True)
        tx.insert_user(late)
    with storage.transaction(readonly=True) as tx:
        assert tx.get_user(directory_id, late.id) is None
        assert tx.member_ids(directory_id, group_id) == {alice}
