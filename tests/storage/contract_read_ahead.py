"""The storage contract for a user read ahead by the authentication (``ports.py``: ``UserHint``,
``Transaction.take_read_ahead``, ``Transaction.adopt_read_ahead``).

A hint never changes an answer: authentication returns what it returns without one, and a read
of the user answers as an unlocked read of its own would have at the authentication's statement.
The row serves one read, of that user in that directory only, never a locked read nor a read
after a pinned snapshot; carried to a writing unit of work, it is written only at the version
it holds (rule 4), so a user changed in between is a lost race (``StaleVersion``), never a lost
update. Run by every backend (``test_sqlite.py``, ``test_postgres.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from scimdir.service.ports import (
    ReadAhead,
    SecretRecord,
    StaleVersion,
    Storage,
    UserHint,
    UserRecord,
)

from .helpers import T0, at, group, new_id, user

__all__ = ["ReadAheadContract"]

NOW = at(10)
LIVE = "hash-live"


@dataclass
class Two:
    """A directory with Alice (in one group) and Bob, and another directory with a secret of
    the same hash."""

    directory_id: str
    other_id: str
    alice: UserRecord
    bob: UserRecord
    group_id: str


def _rename(storage: Storage, record: UserRecord, name: str) -> UserRecord:
    """Write ``record`` at its next version with displayName ``name`` (another client's
    write), in a unit of work of its own; returns what was written."""
    document = {**record.document, "displayName": name}
    after = replace(record, document=document, version=record.version + 1, last_modified=at(6))
    with storage.transaction() as tx:
        tx.update_user_with_event(after, record.version, "user.updated", {"id": after.id}, at(6))
    return after


def _authenticated(storage: Storage, directory_id: str, hint: UserHint) -> ReadAhead | None:
    """Authenticate with ``hint`` in a unit of its own and take what it read ahead."""
    with storage.transaction(readonly=True, snapshot=False) as tx:
        assert tx.authenticate(directory_id, LIVE, NOW, hint) is not None
        return tx.take_read_ahead()


class ReadAheadContract:
    """Authentication with a ``UserHint``, and the reads and writes that take its row."""

    @pytest.fixture
    def two(self, storage: Storage, new_directory: Callable[[], str]) -> Two:
        directory_id, other_id = new_directory(), new_directory()
        alice = user(directory_id, "alice", displayName="Alice")
        bob = user(directory_id, "bob")
        team = group(directory_id, "Team")
        with storage.transaction() as tx:
            for d in (directory_id, other_id):
                tx.insert_secret(SecretRecord(new_id(), d, LIVE, T0))
            tx.insert_user(alice)
            tx.insert_user(bob)
            tx.insert_group(team)
            tx.add_members(directory_id, team.id, [(alice.id, "User")])
        return Two(directory_id, other_id, alice, bob, team.id)

    def test_a_user_hint_changes_nothing_of_authentication(
        self, storage: Storage, two: Two
    ) -> None:
        """The same directory and secret with or without a hint (of a user of the directory, of
        no user, of another directory's user); None for a wrong secret or another tenant, and
        then nothing is read ahead."""
        hints = [UserHint(two.alice.id), UserHint("no-such-user"), UserHint(new_id())]
        with storage.transaction(readonly=True, snapshot=False) as tx:
            plain = tx.authenticate(two.directory_id, LIVE, NOW)
            assert plain is not None
            for hint in hints:
                assert tx.authenticate(two.directory_id, LIVE, NOW, hint) == plain, hint
                tx.take_read_ahead()
                assert tx.authenticate(two.directory_id, "hash-wrong", NOW, hint) is None
                assert tx.authenticate(new_id(), LIVE, NOW, hint) is None
                assert tx.take_read_ahead() is None, hint

    def test_a_hinted_read_answers_as_of_the_authentication_and_only_once(
        self, storage: Storage, two: Two
    ) -> None:
        """In the same unit, the first unlocked read of the user is the row the authentication
        read (a write committed in between is not in it: it came from that statement), with
        its groups; the next read reads for itself."""
        with storage.transaction(readonly=True, snapshot=False) as tx:
            assert tx.authenticate(two.directory_id, LIVE, NOW, UserHint(two.alice.id))
            renamed = _rename(storage, two.alice, "Alice Renamed")
            found = tx.get_user_with_groups(two.directory_id, two.alice.id)
            assert found == (two.alice, [(two.group_id, "Team")])
            assert tx.get_user(two.directory_id, two.alice.id) == renamed

    def test_take_and_adopt_carry_the_row_to_another_unit(self, storage: Storage, two: Two) -> None:
        """A writing unit that adopts the row reads the user from it and writes at its version;
        ``take_read_ahead`` empties the authenticating unit."""
        with storage.transaction(readonly=True, snapshot=False) as tx:
            assert tx.authenticate(two.directory_id, LIVE, NOW, UserHint(two.alice.id))
            ahead = tx.take_read_ahead()
            assert tx.take_read_ahead() is None
        assert ahead is not None
        assert (ahead.directory_id, ahead.user_id) == (two.directory_id, two.alice.id)
        after = replace(two.alice, version=two.alice.version + 1, last_modified=at(7))
        with storage.transaction() as tx:
            tx.adopt_read_ahead(ahead)
            found = tx.get_user_with_groups(two.directory_id, two.alice.id)
            assert found == (two.alice, [(two.group_id, "Team")])
            tx.update_user_with_event(after, two.alice.version, "user.updated", {}, at(7))
        with storage.transaction(readonly=True) as tx:
            assert tx.get_user(two.directory_id, two.alice.id) == after

    def test_a_write_at_a_read_ahead_version_that_moved_is_a_lost_race(
        self, storage: Storage, two: Two
    ) -> None:
        """The row carried over is older than a write committed since: the update at its version
        raises ``StaleVersion`` and leaves the other write standing (no lost update)."""
        ahead = _authenticated(storage, two.directory_id, UserHint(two.alice.id))
        assert ahead is not None
        renamed = _rename(storage, two.alice, "Someone Else's Write")
        mine = replace(
            two.alice,
            document={**two.alice.document, "displayName": "Mine"},
            version=two.alice.version + 1,
        )
        with pytest.raises(StaleVersion), storage.transaction() as tx:
            tx.adopt_read_ahead(ahead)
            found = tx.get_user_with_groups(two.directory_id, two.alice.id)
            assert found is not None and found[0] == two.alice
            tx.update_user_with_event(mine, two.alice.version, "user.updated", {}, at(8))
        with storage.transaction(readonly=True) as tx:
            assert tx.get_user(two.directory_id, two.alice.id) == renamed

    @pytest.mark.parametrize("read", ["locked", "other user", "other directory", "pinned"])
    def test_a_read_ahead_serves_only_an_unlocked_read_of_its_user(
        self, storage: Storage, two: Two, read: str
    ) -> None:
        """A locked read, a read of another user, the same id in another directory and a read
        after a pinned snapshot each read for themselves (a write committed after the row was
        read shows that they did)."""
        ahead = _authenticated(storage, two.directory_id, UserHint(two.alice.id))
        assert ahead is not None
        renamed = _rename(storage, two.alice, "Renamed")
        readonly = read == "pinned"
        with storage.transaction(readonly=readonly, snapshot=not readonly) as tx:
            tx.adopt_read_ahead(ahead)
            got: Any
            if read == "locked":
                got = tx.get_user(two.directory_id, two.alice.id, for_update=True)
                expected: Any = renamed
            elif read == "other user":
                got, expected = tx.get_user(two.directory_id, two.bob.id), two.bob
            elif read == "other directory":
                got, expected = tx.get_user(two.other_id, two.alice.id), None
            else:
                tx.pin_snapshot()
                got, expected = tx.get_user(two.directory_id, two.alice.id), renamed
            assert got == expected

    def test_a_row_adopted_after_a_pinned_snapshot_is_ignored(
        self, storage: Storage, two: Two
    ) -> None:
        """A unit that pinned its snapshot before adopting reads for itself: its reads must agree
        with each other, and the row came from before."""
        ahead = _authenticated(storage, two.directory_id, UserHint(two.alice.id))
        assert ahead is not None
        renamed = _rename(storage, two.alice, "Renamed")
        with storage.transaction(readonly=True, snapshot=False) as tx:
            tx.pin_snapshot()
            tx.adopt_read_ahead(ahead)
            assert tx.get_user(two.directory_id, two.alice.id) == renamed
