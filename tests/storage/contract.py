"""The storage contract: one test class per port rule (``scimdir.service.ports``).

Backends run it by subclassing :class:`StorageContract` (and :class:`SearchContract` in
``contract_search.py``) and providing a ``storage`` fixture; see ``test_sqlite.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE
from scimdir.service.ports import (
    DirectoryRecord,
    LogRecord,
    ProblemHit,
    SearchQuery,
    SecretRecord,
    StaleVersion,
    Storage,
    StorageError,
    UniquenessViolation,
    UnknownMember,
    UserRecord,
    log_row,
)

from .helpers import T0, at, group, log, new_id, user

__all__ = ["StorageContract"]

_PLUS_2 = timezone(timedelta(hours=2))


def _users(directory_id: str, n: int) -> list[UserRecord]:
    return [user(directory_id, f"member{i}") for i in range(n)]


class StorageContract:
    """Rules 1-4, 6, 7 and the directory/secret/log methods."""

    # rule 1: the service owns the transaction
    def test_commit_on_success(self, storage: Storage, directory_id: str) -> None:
        """Leaving the block normally commits."""
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
        with storage.transaction() as tx:
            found = tx.get_user(directory_id, alice.id)
        assert found == alice

    def test_rollback_on_exception(self, storage: Storage, directory_id: str) -> None:
        """An exception rolls back everything the transaction wrote, events included."""
        alice = user(directory_id, "alice")
        with pytest.raises(RuntimeError), storage.transaction() as tx:
            tx.insert_user(alice)
            tx.append_event(directory_id, "user.created", "User", alice.id, {}, T0)
            raise RuntimeError("boom")
        with storage.transaction() as tx:
            assert tx.get_user(directory_id, alice.id) is None
            assert tx.list_events(directory_id, 0, 10) == []

    def test_a_pinned_read_keeps_its_snapshot(self, storage: Storage, directory_id: str) -> None:
        """A read-only unit opened with snapshot=False reads one snapshot once it pinned one:
        a user created and committed meanwhile is not seen, nor its change of the list."""
        with storage.transaction(readonly=True, snapshot=False) as reader:
            reader.pin_snapshot()
            before = reader.search_users(directory_id, SearchQuery()).total
            with storage.transaction() as writer:
                writer.insert_user(user(directory_id, "late"))
            after = reader.search_users(directory_id, SearchQuery())
            late = reader.find_user_by_user_name(directory_id, "late")
        with storage.transaction(readonly=True, snapshot=False) as fresh:
            seen = fresh.find_user_by_user_name(directory_id, "late")
        assert (before, after.total, after.items, late, seen is not None) == (0, 0, [], None, True)

    def test_a_list_reads_one_snapshot_without_a_pin(
        self, storage: Storage, directory_id: str
    ) -> None:
        """search_users pins its own snapshot: its total and its page agree in a unit opened
        with snapshot=False."""
        with storage.transaction() as tx:
            for name in ("a", "b", "c"):
                tx.insert_user(user(directory_id, name))
        with storage.transaction(readonly=True, snapshot=False) as reader:
            page = reader.search_users(directory_id, SearchQuery(count=2))
        assert (page.total, len(page.items)) == (3, 2)

    def test_datetimes_round_trip_aware_utc(self, storage: Storage, directory_id: str) -> None:
        """Datetimes come back timezone-aware in UTC, equal to what was written."""
        plus2 = datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
        alice = user(directory_id, "alice", created=plus2)
        with storage.transaction() as tx:
            tx.insert_user(alice)
            found = tx.get_user(directory_id, alice.id)
        assert found is not None
        assert (found.created, found.created.utcoffset()) == (plus2, timedelta(0))

    # rule 2: tenancy
    def test_user_invisible_from_other_directory(
        self, storage: Storage, new_directory: Callable[[], str], directory_id: str
    ) -> None:
        """A user id guessed from another directory finds nothing."""
        other = new_directory()
        alice = user(directory_id, "alice", externalId="x1")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            assert tx.get_user(other, alice.id) is None
            assert tx.find_user_by_user_name(other, "alice") is None
            assert tx.find_user_by_external_id(other, "x1") is None
            assert tx.existing_user_ids(other, [alice.id]) == set()
            assert tx.delete_user(other, alice.id) is False
            assert tx.get_user(directory_id, alice.id) == alice

    def test_existing_user_ids(self, storage: Storage, directory_id: str) -> None:
        """The ids that are users of the directory, for one id (repeated or not) as for many."""
        alice, bob = user(directory_id, "alice"), user(directory_id, "bob")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            tx.insert_user(bob)
        with storage.transaction(readonly=True) as tx:
            assert tx.existing_user_ids(directory_id, [alice.id]) == {alice.id}
            assert tx.existing_user_ids(directory_id, [alice.id, alice.id]) == {alice.id}
            assert tx.existing_user_ids(directory_id, ["nobody"]) == set()
            assert tx.existing_user_ids(directory_id, [bob.id, "nobody", alice.id]) == {
                alice.id,
                bob.id,
            }

    def test_same_user_name_in_two_directories(
        self, storage: Storage, new_directory: Callable[[], str], directory_id: str
    ) -> None:
        """userName is unique per directory, not globally."""
        other = new_directory()
        with storage.transaction() as tx:
            tx.insert_user(user(directory_id, "alice"))
            tx.insert_user(user(other, "alice"))
            found = tx.find_user_by_user_name(other, "ALICE")
        assert found is not None
        assert found.directory_id == other

    def test_group_and_members_invisible_from_other_directory(
        self, storage: Storage, new_directory: Callable[[], str], directory_id: str
    ) -> None:
        """Groups and their members are not readable through another directory's id."""
        other = new_directory()
        g, u1 = group(directory_id, "admins"), user(directory_id, "u1")
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.insert_user(u1)
            tx.add_members(directory_id, g.id, [(u1.id, "User")])
            assert tx.get_group(other, g.id) is None
            assert tx.member_ids(other, g.id) == set()
            assert tx.count_members(other, g.id) == 0
            assert tx.existing_group_ids(other, [g.id]) == set()
            assert tx.delete_group(other, g.id) is False

    # rule 3: uniqueness
    @pytest.mark.parametrize("taken", ["ALICE", "Alice", "\uff41lice"])
    def test_user_name_unique_after_folding(
        self, storage: Storage, directory_id: str, taken: str
    ) -> None:
        """A userName equal after NFKC case-folding collides with UniquenessViolation."""
        with storage.transaction() as tx:
            tx.insert_user(user(directory_id, "alice"))
        with pytest.raises(UniquenessViolation) as caught, storage.transaction() as tx:
            tx.insert_user(user(directory_id, taken))
        assert caught.value.field == "userName"

    def test_duplicate_user_id(self, storage: Storage, directory_id: str) -> None:
        """Inserting a taken user id raises UniquenessViolation("id")."""
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            clash = user(directory_id, "bob")
            clash.id = alice.id
            with pytest.raises(UniquenessViolation) as caught:
                tx.insert_user(clash)
        assert caught.value.field == "id"

    def test_group_display_name_unique_case_insensitive(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A group displayName differing only in case collides with UniquenessViolation."""
        with storage.transaction() as tx:
            tx.insert_group(group(directory_id, "Admins"))
            with pytest.raises(UniquenessViolation) as caught:
                tx.insert_group(group(directory_id, "ADMINS"))
        assert caught.value.field == "displayName"

    def test_transaction_usable_after_violation(self, storage: Storage, directory_id: str) -> None:
        """After a UniquenessViolation the transaction can go on and commit."""
        alice, bob = user(directory_id, "alice"), user(directory_id, "bob")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            with pytest.raises(UniquenessViolation):
                tx.insert_user(user(directory_id, "ALICE"))
            bob_renamed = user(directory_id, "bob")
            tx.insert_user(bob)
            bob_renamed.id, bob_renamed.user_name = bob.id, "Alice"
            with pytest.raises(UniquenessViolation) as caught:
                tx.update_user(bob_renamed, expected_version=1)
            tx.insert_group(group(directory_id, "g"))
        with storage.transaction() as tx:
            kept = tx.get_user(directory_id, bob.id)
            assert tx.search_groups(directory_id, SearchQuery()).total == 1
        assert (caught.value.field, kept) == ("userName", bob)

    def test_group_rename_to_taken_name(self, storage: Storage, directory_id: str) -> None:
        """Renaming a group onto another's displayName raises UniquenessViolation."""
        a, b = group(directory_id, "a"), group(directory_id, "b")
        with storage.transaction() as tx:
            tx.insert_group(a)
            tx.insert_group(b)
            b.display_name = "A"
            with pytest.raises(UniquenessViolation) as caught:
                tx.update_group(b, expected_version=1)
        assert caught.value.field == "displayName"

    def test_concurrent_inserts_one_wins(self, storage: Storage, directory_id: str) -> None:
        """Concurrent writers of one userName: exactly one commits, the rest get a violation."""
        results: list[str] = []
        barrier = threading.Barrier(4)

        def insert(name: str) -> None:
            barrier.wait()
            try:
                with storage.transaction() as tx:
                    tx.insert_user(user(directory_id, name))
                results.append("ok")
            except UniquenessViolation as exc:
                results.append(exc.field)

        threads = [threading.Thread(target=insert, args=(n,)) for n in ("x", "X", "x", "X")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["ok", "userName", "userName", "userName"]

    def test_user_in_missing_directory(self, storage: Storage) -> None:
        """Writing into a directory that does not exist is a StorageError, not a 409."""
        with pytest.raises(StorageError) as caught, storage.transaction() as tx:
            tx.insert_user(user("no-such-directory", "alice"))
        assert type(caught.value) is StorageError

    # rule 4: optimistic concurrency
    def test_update_bumps_version(self, storage: Storage, directory_id: str) -> None:
        """update_user writes when the version matches and stores version + 1."""
        alice = user(directory_id, "alice", displayName="A")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            alice.document = {"displayName": "Alice"}
            alice.last_modified = at(5)
            tx.update_user(alice, expected_version=1)
            found = tx.get_user(directory_id, alice.id)
        assert found is not None
        assert (found.version, found.document, found.last_modified, found.created) == (
            2,
            {"displayName": "Alice"},
            at(5),
            T0,
        )

    def test_update_stale_version(self, storage: Storage, directory_id: str) -> None:
        """A version mismatch raises StaleVersion and writes nothing."""
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            changed = user(directory_id, "alicia")
            changed.id = alice.id
            with pytest.raises(StaleVersion):
                tx.update_user(changed, expected_version=7)
            assert tx.get_user(directory_id, alice.id) == alice

    def test_update_vanished_user(self, storage: Storage, directory_id: str) -> None:
        """Updating a user that does not exist raises StaleVersion."""
        with pytest.raises(StaleVersion), storage.transaction() as tx:
            tx.update_user(user(directory_id, "ghost"), expected_version=1)

    def test_update_group_stale(self, storage: Storage, directory_id: str) -> None:
        """Groups follow the same version rule."""
        g = group(directory_id, "g")
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.update_group(g, expected_version=1)
            with pytest.raises(StaleVersion):
                tx.update_group(g, expected_version=1)
            found = tx.get_group(directory_id, g.id)
        assert found is not None
        assert found.version == 2

    def test_a_group_read_for_update_takes_a_bump_or_a_change(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A group read for update and written with its name and document as read (a
        membership change) gets version + 1 and the new last_modified, or StaleVersion at
        another version with the unit left usable; one whose document was changed in place
        after the read is written whole, and a rename onto a taken name is refused."""
        g, other = group(directory_id, "g", externalId="e1"), group(directory_id, "taken")
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.insert_group(other)
        with storage.transaction() as tx:
            current = tx.get_group(directory_id, g.id, for_update=True)
            assert current is not None
            with pytest.raises(StaleVersion):
                tx.update_group(replace(current, last_modified=at(1)), expected_version=7)
            current = tx.get_group(directory_id, g.id, for_update=True)
            assert current is not None
            tx.update_group(replace(current, last_modified=at(2)), expected_version=1)
        with storage.transaction() as tx:
            found = tx.get_group(directory_id, g.id, for_update=True)
            assert found is not None
            assert (found.version, found.last_modified, found.document) == (2, at(2), g.document)
            found.document["displayName"] = found.display_name = "renamed"
            found.document["externalId"] = "e2"
            tx.update_group(found, expected_version=2)
        with storage.transaction() as tx:
            stored = tx.get_group(directory_id, g.id, for_update=True)
            assert stored is not None
            assert (stored.version, stored.display_name, stored.document["externalId"]) == (
                3,
                "renamed",
                "e2",
            )
            query = SearchQuery(filter=parse_filter(GROUP_TYPE, 'externalId eq "e2"'))
            assert [x.id for x in tx.search_groups(directory_id, query).items] == [g.id]
            stored.document["displayName"] = stored.display_name = "TAKEN"
            with pytest.raises(UniquenessViolation):
                tx.update_group(stored, expected_version=3)
            assert tx.get_group(directory_id, g.id) == replace(
                stored,
                display_name="renamed",
                document={**stored.document, "displayName": "renamed"},
            )

    def test_append_events_one_or_several(self, storage: Storage, directory_id: str) -> None:
        """append_events of one event stores it as append_event would; of several, in order."""
        with storage.transaction() as tx:
            tx.append_events(directory_id, [("a", "Group", "g", {"n": 1})], T0)
            tx.append_events(
                directory_id, [("b", "Group", "g", {"n": 2}), ("c", "User", "u", {})], at(1)
            )
        with storage.transaction(readonly=True) as tx:
            stored = tx.list_events(directory_id, 0, 10)
        assert [
            (e.seq, e.type, e.resource_type, e.resource_id, e.data, e.created) for e in stored
        ] == [
            (1, "a", "Group", "g", {"n": 1}, T0),
            (2, "b", "Group", "g", {"n": 2}, at(1)),
            (3, "c", "User", "u", {}, at(1)),
        ]
        assert [e.changed for e in stored] == [None, None, None]
        assert len({e.event_id for e in stored}) == 3

    # rule 6: memberships are rows
    def test_add_members_idempotent(self, storage: Storage, directory_id: str) -> None:
        """add_members counts only new rows; repeating it adds nothing."""
        g, (u1, u2, u3) = group(directory_id, "g"), _users(directory_id, 3)
        with storage.transaction() as tx:
            tx.insert_group(g)
            for u in (u1, u2, u3):
                tx.insert_user(u)
            first = tx.add_members(directory_id, g.id, [(u1.id, "User"), (u2.id, "User")])
            again = tx.add_members(directory_id, g.id, [(u2.id, "User"), (u3.id, "User")])
            ids = tx.member_ids(directory_id, g.id)
            count = tx.count_members(directory_id, g.id)
        assert (first, again, ids, count) == (2, 1, {u1.id, u2.id, u3.id}, 3)

    def test_remove_members_idempotent(self, storage: Storage, directory_id: str) -> None:
        """remove_members ignores missing members and returns how many it removed."""
        g, (u1, u2) = group(directory_id, "g"), _users(directory_id, 2)
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.insert_user(u1)
            tx.insert_user(u2)
            tx.add_members(directory_id, g.id, [(u1.id, "User"), (u2.id, "User")])
            removed = tx.remove_members(directory_id, g.id, [u1.id, "missing"])
            again = tx.remove_members(directory_id, g.id, [u1.id])
            ids = tx.member_ids(directory_id, g.id)
        assert (removed, again, ids) == (1, 0, {u2.id})

    def test_remove_all_members(self, storage: Storage, directory_id: str) -> None:
        """remove_all_members empties the group and returns the count."""
        g, (u1, u2) = group(directory_id, "g"), _users(directory_id, 2)
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.insert_user(u1)
            tx.insert_user(u2)
            tx.add_members(directory_id, g.id, [(u1.id, "User"), (u2.id, "User")])
            removed = tx.remove_all_members(directory_id, g.id)
            assert (removed, tx.count_members(directory_id, g.id)) == (2, 0)

    def test_add_members_to_missing_group(self, storage: Storage, directory_id: str) -> None:
        """Members of a group that does not exist are refused with a StorageError."""
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
        with pytest.raises(StorageError) as caught, storage.transaction() as tx:
            tx.add_members(directory_id, "no-such-group", [(alice.id, "User")])
        assert not isinstance(caught.value, UnknownMember)

    def test_iter_members_batches(self, storage: Storage, directory_id: str) -> None:
        """iter_members streams every member once, ordered by id, with display names."""
        g, sub = group(directory_id, "g"), group(directory_id, "Sub")
        people = [user(directory_id, f"user{i:02}") for i in range(20)]
        people[0].document = {"displayName": "Zero"}
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.insert_group(sub)
            for p in people:
                tx.insert_user(p)
            members = [(p.id, "User") for p in people] + [(sub.id, "Group")]
            tx.add_members(directory_id, g.id, members)
            streamed = list(tx.iter_members(directory_id, g.id, batch=7))
        expected = {p.id: ("User", p.document.get("displayName", p.user_name)) for p in people}
        expected[sub.id] = ("Group", "Sub")
        assert [m.value for m in streamed] == sorted(expected)
        assert {m.value: (m.type, m.display) for m in streamed} == expected

    def test_delete_user_removes_memberships(self, storage: Storage, directory_id: str) -> None:
        """Deleting a user deletes its membership rows."""
        g, (alice, bob) = group(directory_id, "g"), _users(directory_id, 2)
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.insert_user(alice)
            tx.insert_user(bob)
            tx.add_members(directory_id, g.id, [(alice.id, "User"), (bob.id, "User")])
            assert tx.delete_user(directory_id, alice.id) is True
            assert tx.member_ids(directory_id, g.id) == {bob.id}
            assert tx.groups_of_user(directory_id, alice.id) == []

    def test_delete_group_removes_both_directions(
        self, storage: Storage, directory_id: str
    ) -> None:
        """Deleting a group deletes its member rows and the rows where it is a member."""
        parent, child = group(directory_id, "parent"), group(directory_id, "child")
        u1 = user(directory_id, "u1")
        with storage.transaction() as tx:
            tx.insert_group(parent)
            tx.insert_group(child)
            tx.insert_user(u1)
            tx.add_members(directory_id, parent.id, [(child.id, "Group")])
            tx.add_members(directory_id, child.id, [(u1.id, "User")])
            assert tx.delete_group(directory_id, child.id) is True
            assert tx.member_ids(directory_id, parent.id) == set()
            assert tx.member_ids(directory_id, child.id) == set()

    def test_groups_of_user(self, storage: Storage, directory_id: str) -> None:
        """groups_of_user lists (id, displayName) of the user's direct groups."""
        a, b, c = (group(directory_id, n) for n in ("B-team", "a-team", "c-team"))
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            for g in (a, b, c):
                tx.insert_group(g)
            tx.add_members(directory_id, a.id, [(alice.id, "User")])
            tx.add_members(directory_id, b.id, [(alice.id, "User")])
            found = tx.groups_of_user(directory_id, alice.id)
        assert found == [(b.id, "a-team"), (a.id, "B-team")]

    def test_get_user_with_groups(self, storage: Storage, directory_id: str) -> None:
        """get_user_with_groups is get_user and groups_of_user read together: the same record
        and the same (id, displayName) pairs in the same order, names with a comma, quotes,
        braces or a backslash kept as they are; an empty list without groups; None for a user
        of another directory or none."""
        names = ('B, "team"', "a-team", "{c}\\ team", "NULL")
        made = [group(directory_id, n) for n in names]
        alice, bob = user(directory_id, "alice"), user(directory_id, "bob")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            tx.insert_user(bob)
            for g in made:
                tx.insert_group(g)
                tx.add_members(directory_id, g.id, [(alice.id, "User")])
        for for_update in (False, True):
            with storage.transaction() as tx:
                found = tx.get_user_with_groups(directory_id, alice.id, for_update=for_update)
                expected = (
                    tx.get_user(directory_id, alice.id),
                    tx.groups_of_user(directory_id, alice.id),
                )
                assert found == expected
                assert sorted(name for _, name in found[1]) == sorted(names)
                assert tx.get_user_with_groups(directory_id, bob.id) == (bob, [])
                assert tx.get_user_with_groups(directory_id, "nobody") is None
                assert tx.get_user_with_groups("other-directory", alice.id) is None

    def test_a_user_read_with_groups_for_update_is_written_as_read(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A user read with its groups for update takes an update like get_user's (rule 4)."""
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
        with storage.transaction() as tx:
            found = tx.get_user_with_groups(directory_id, alice.id, for_update=True)
            assert found is not None
            current = found[0]
            current.document = {**current.document, "displayName": "Alice A."}
            tx.update_user(current, current.version)
        with storage.transaction() as tx:
            stored = tx.get_user(directory_id, alice.id)
        assert stored is not None and stored.version == alice.version + 1
        assert stored.document["displayName"] == "Alice A."

    # reset
    def test_delete_provisioned(self, storage: Storage, directory_id: str) -> None:
        """Reset deletes all groups and the IdP's users, keeping local users."""
        idp, local, g = (
            user(directory_id, "idp"),
            user(directory_id, "local", source="local"),
            group(directory_id, "g"),
        )
        with storage.transaction() as tx:
            tx.insert_user(idp)
            tx.insert_user(local)
            tx.insert_group(g)
            tx.add_members(directory_id, g.id, [(idp.id, "User")])
            counts = tx.delete_provisioned(directory_id, unlink_users=False)
            assert tx.get_user(directory_id, idp.id) is None
            assert tx.get_user(directory_id, local.id) == local
            assert tx.get_group(directory_id, g.id) is None
            assert tx.member_ids(directory_id, g.id) == set()
        assert counts == (1, 1)

    def test_delete_provisioned_unlinks(self, storage: Storage, directory_id: str) -> None:
        """With unlink_users, users stay but are no longer linked to the IdP."""
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            counts = tx.delete_provisioned(directory_id, unlink_users=True)
            found = tx.get_user(directory_id, alice.id)
        assert found is not None
        assert (counts, found.linked) == ((0, 1), False)

    # rule 7: events
    def test_event_seq_per_directory(
        self, storage: Storage, new_directory: Callable[[], str], directory_id: str
    ) -> None:
        """seq starts at 1 and grows by one per directory, independently of others."""
        other = new_directory()
        with storage.transaction() as tx:
            seqs = [tx.append_event(directory_id, "t", "User", f"u{i}", {}, T0) for i in range(3)]
            other_seq = tx.append_event(other, "t", "User", "x", {"k": [1]}, T0)
            listed = tx.list_events(directory_id, after=1, limit=1)
            others = tx.list_events(other, after=0, limit=10)
        assert (seqs, other_seq) == ([1, 2, 3], 1)
        assert [(e.seq, e.resource_id) for e in listed] == [(2, "u1")]
        assert [(e.seq, e.directory_id, e.data, e.created) for e in others] == [
            (1, other, {"k": [1]}, T0)
        ]

    def test_events_in_commit_order(self, storage: Storage, directory_id: str) -> None:
        """Concurrent transactions get seqs in commit order: no gap a poller could skip."""
        done: list[int] = []
        barrier = threading.Barrier(5)

        def write(i: int) -> None:
            barrier.wait()
            with storage.transaction() as tx:
                seq = tx.append_event(directory_id, "t", "User", f"u{i}", {}, T0)
                done.append(seq)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert done == [1, 2, 3, 4, 5]

    def test_insert_user_with_event(self, storage: Storage, directory_id: str) -> None:
        """insert_user_with_event stores the user as insert_user does (e-mails and values
        searchable, counted) and appends its event as append_event does, next in seq."""
        phone = [{"value": "+1 555 0100", "type": "work"}]
        alice = user(
            directory_id,
            "alice",
            emails=[{"value": "Alice@Example.com", "primary": True}, {"value": "a2@x.io"}],
            phoneNumbers=phone,
            addresses=[{"country": "DE"}],
        )
        linked_out = user(directory_id, "local", source="local", linked=False)
        data = {"id": alice.id, "userName": "alice"}
        with storage.transaction() as tx:
            tx.append_event(directory_id, "t", "User", "first", {}, T0)
        with storage.transaction() as tx:
            seq = tx.insert_user_with_event(alice, "user.created", data, T0)
        with storage.transaction() as tx:
            assert tx.insert_user_with_event(linked_out, "user.created", {}, T0) == seq + 1
        assert seq == 2
        with storage.transaction(readonly=True) as tx:
            assert tx.get_user(directory_id, alice.id) == alice
            events = tx.list_events(directory_id, 1, 10)
            for expr in (
                'emails.value eq "alice@example.com"',
                'emails eq "a2@x.io"',
                'phoneNumbers.value eq "+1 555 0100"',
                'addresses.country eq "de"',
            ):
                query = SearchQuery(filter=parse_filter(USER_TYPE, expr))
                assert [u.id for u in tx.search_users(directory_id, query).items] == [alice.id]
            assert tx.search_users(directory_id, SearchQuery(count=0)).total == 1
        first = events[0]
        assert (first.seq, first.type, first.resource_type, first.resource_id) == (
            2,
            "user.created",
            "User",
            alice.id,
        )
        assert (first.data, first.created, first.changed) == (data, T0, None)
        assert first.event_id.startswith("evt_") and events[1].event_id != first.event_id
        assert [e.resource_id for e in events] == [alice.id, linked_out.id]

    def test_insert_user_with_event_refused_writes_nothing(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A taken userName (any case) or id raises UniquenessViolation naming it and writes
        neither the user nor its event nor a count; the unit of work stays usable."""
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_user_with_event(alice, "user.created", {}, T0)
        same_name, same_id = user(directory_id, "ALICE"), user(directory_id, "other")
        same_id.id = alice.id
        bob = user(directory_id, "bob")
        for clash, field in ((same_name, "userName"), (same_id, "id")):
            with storage.transaction() as tx:
                with pytest.raises(UniquenessViolation) as caught:
                    tx.insert_user_with_event(clash, "user.created", {}, T0)
                assert caught.value.field == field
                assert tx.get_user(directory_id, alice.id) == alice
        with storage.transaction() as tx:
            with pytest.raises(UniquenessViolation):
                tx.insert_user_with_event(same_name, "user.created", {}, T0)
            tx.insert_user_with_event(bob, "user.created", {}, T0)
        with storage.transaction(readonly=True) as tx:
            assert [e.resource_id for e in tx.list_events(directory_id, 0, 10)] == [
                alice.id,
                bob.id,
            ]
            assert tx.event_high_water(directory_id) == 2
            assert tx.search_users(directory_id, SearchQuery(count=0)).total == 2

    def test_insert_user_with_event_rolls_back_with_its_unit(
        self, storage: Storage, directory_id: str
    ) -> None:
        """After other writes in the unit, an exception rolls it back with them (rule 1)."""
        alice, bob = user(directory_id, "alice"), user(directory_id, "bob")
        with pytest.raises(RuntimeError), storage.transaction() as tx:
            tx.insert_user(alice)
            tx.insert_user_with_event(bob, "user.created", {}, T0)
            raise RuntimeError("boom")
        with storage.transaction(readonly=True) as tx:
            assert tx.get_user(directory_id, alice.id) is None
            assert tx.get_user(directory_id, bob.id) is None
            assert tx.list_events(directory_id, 0, 10) == []
            assert tx.search_users(directory_id, SearchQuery(count=0)).total == 0

    def test_insert_user_with_event_needs_the_directory(self, storage: Storage) -> None:
        """A directory that does not exist is a StorageError, and nothing is written."""
        ghost = user("no-such-directory", "alice")
        with pytest.raises(StorageError), storage.transaction() as tx:
            tx.insert_user_with_event(ghost, "user.created", {}, T0)

    # directories, secrets, log
    def test_directory_round_trip(self, storage: Storage) -> None:
        """Directories are inserted, listed, updated and deleted with everything in them."""
        d = DirectoryRecord(new_id(), "Acme", "okta", {"deletion": "soft"}, T0, T0)
        alice = user(d.id, "alice")
        with storage.transaction() as tx:
            tx.insert_directory(d)
            tx.insert_user(alice)
            with pytest.raises(UniquenessViolation) as caught:
                tx.insert_directory(d)
            d.settings, d.updated = {"deletion": "hard"}, at(9)
            tx.update_directory(d)
            assert tx.get_directory(d.id) == d
            assert d in tx.list_directories()
            tx.delete_directory(d.id)
            assert (tx.get_directory(d.id), tx.get_user(d.id, alice.id)) == (None, None)
        assert caught.value.field == "id"

    def test_secrets(
        self, storage: Storage, new_directory: Callable[[], str], directory_id: str
    ) -> None:
        """Secrets are stored per directory and updated in place."""
        s1 = SecretRecord(new_id(), directory_id, "hash1", T0)
        s2 = SecretRecord(new_id(), directory_id, "hash2", at(1), expires=at(99))
        other = new_directory()
        with storage.transaction() as tx:
            tx.insert_secret(s1)
            tx.insert_secret(s2)
            s1.revoked, s1.last_used = at(5), datetime(2026, 1, 2, tzinfo=UTC)
            tx.update_secret(s1)
            assert tx.list_secrets(directory_id) == [s1, s2]
            assert tx.list_secrets(other) == []

    def test_authenticate_finds_only_a_live_secret_of_that_directory(
        self, storage: Storage, new_directory: Callable[[], str], directory_id: str
    ) -> None:
        """authenticate returns the directory and the secret for a live hash of that directory,
        and None for an unknown hash, another directory, a revoked or an expired secret."""
        other = new_directory()
        live = SecretRecord(new_id(), directory_id, "hash-live", T0, expires=at(50))
        revoked = SecretRecord(new_id(), directory_id, "hash-revoked", T0, revoked=at(5))
        expired = SecretRecord(new_id(), directory_id, "hash-expired", T0, expires=at(5))
        with storage.transaction() as tx:
            for record in (live, revoked, expired):
                tx.insert_secret(record)
        with storage.transaction(readonly=True) as tx:
            found = tx.authenticate(directory_id, "hash-live", at(10))
            assert found is not None
            assert (found[0], found[1]) == (tx.get_directory(directory_id), live)
            assert tx.authenticate(directory_id, "hash-revoked", at(4)) is not None
            assert tx.authenticate(directory_id, "hash-expired", at(4)) is not None
            refused = [
                tx.authenticate(directory_id, "hash-unknown", at(10)),
                tx.authenticate(other, "hash-live", at(10)),
                tx.authenticate(new_id(), "hash-live", at(10)),
                tx.authenticate(directory_id, "hash-revoked", at(5)),
                tx.authenticate(directory_id, "hash-expired", at(5)),
                tx.authenticate(directory_id, "hash-live", at(50)),
            ]
        assert refused == [None] * 6

    def test_touch_secret_last_used_writes_nothing_else(self, storage: Storage) -> None:
        """Recording a use sets last_used alone, never backwards: a revocation and a new expiry
        committed after the record was read stand."""
        directory_id = new_id()
        with storage.transaction() as tx:
            tx.insert_directory(DirectoryRecord(directory_id, "d", "entra", {}, T0, T0))
            read = SecretRecord(new_id(), directory_id, "hash1", T0)
            tx.insert_secret(read)
        with storage.transaction() as tx:
            tx.update_secret(SecretRecord(read.id, directory_id, "hash1", T0, at(7), at(5)))
        with storage.transaction() as tx:
            tx.touch_secret_last_used(read.id, at(9))
            tx.touch_secret_last_used(read.id, at(8))
            tx.touch_secret_last_used(new_id(), at(9))
            (stored,) = tx.list_secrets(directory_id)
        assert stored == SecretRecord(read.id, directory_id, "hash1", T0, at(7), at(5), at(9))

    def test_log_rows_are_stored_as_the_equal_records(
        self, storage: Storage, new_directory: Callable[[], str]
    ) -> None:
        """append_log_rows stores its rows in their order, each read back as the LogRecord it
        equals (log_row) and as append_logs stores that record: every column, quirks, a
        created in another zone, an entry without a directory."""
        by_records, by_rows = new_directory(), new_directory()
        marker = new_id()

        def entries(directory_id: str) -> list[LogRecord]:
            full = LogRecord(
                directory_id, "PATCH", "/Users/u1?x=1", 400, at(3), 2.25, scim_type="invalidValue",
                resource_type="User", resource_id="u1", detail="bad", quirks=("b", "a"),
                request_id=marker, subject="Ann@x", effect="renamed", problem="invalid_value",
                explanation="why", fix="how", client="10.0.0.1", user_agent="agent",
                request_body='{"a":1}', response_body='{"b":2}',
            )  # fmt: skip
            plain = LogRecord(directory_id, "GET", "/Users", 200, at(4).astimezone(_PLUS_2), 1)
            return [
                full,
                plain,
                LogRecord(None, "GET", "/x", 401, at(5), 0.5, category="auth", request_id=marker),
            ]

        with storage.transaction() as tx:
            tx.append_logs(entries(by_records))
        with storage.transaction() as tx:
            tx.append_log_rows([log_row(entry) for entry in entries(by_rows)])
        with storage.transaction(readonly=True) as tx:
            stored = {d: tx.list_log(d) for d in (by_records, by_rows)}
            unknown = [e for e in tx.list_log(None, limit=1000) if e.request_id == marker]
        for directory_id, expected in ((by_records, entries(by_records)),
                                       (by_rows, entries(by_rows))):  # fmt: skip
            full, plain = stored[directory_id][1], stored[directory_id][0]  # newest first
            assert full == replace(expected[0], id=full.id)
            assert plain == replace(expected[1], created=at(4), duration_ms=1.0, id=plain.id)
            assert full.id is not None and plain.id is not None and full.id < plain.id
        assert [replace(e, id=None) for e in unknown] == [entries(by_rows)[2]] * 2

    def test_a_large_batch_of_log_rows_is_stored_whole_and_in_order(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A batch of any size (here 301: more rows than one statement takes, and a remainder)
        is stored whole, each row once, ids in the batch's order."""
        rows = [
            log_row(LogRecord(directory_id, "GET", f"/Users/{i}", 200, at(i), 0.5, subject=None))
            for i in range(301)
        ]
        with storage.transaction() as tx:
            tx.append_log_rows(rows)
        with storage.transaction(readonly=True) as tx:
            stored = tx.list_log(directory_id, limit=1000)
        assert [e.path for e in reversed(stored)] == [f"/Users/{i}" for i in range(301)]
        assert [e.created for e in reversed(stored)] == [at(i) for i in range(301)]

    def test_resolving_problems_touches_only_the_open_ones_named(
        self, storage: Storage, new_directory: Callable[[], str]
    ) -> None:
        """resolve_problems resolves the directory's open problems of the keys it names, and
        nothing else: not another key, not another directory's, not an already resolved one
        (its time stays); a directory without open problems resolves nothing."""
        mine, other, quiet = new_directory(), new_directory(), new_directory()

        def hit(directory_id: str, key: str) -> ProblemHit:
            return ProblemHit(directory_id, key, "invalid_value", 1, T0, T0)

        with storage.transaction() as tx:
            tx.upsert_problems([hit(mine, "a"), hit(mine, "b"), hit(mine, "c"), hit(other, "a")])
            assert tx.resolve_problems(mine, ["c"], at(1)) == 1
        with storage.transaction() as tx:
            resolved = tx.resolve_problems(mine, ["a", "c", "x"], at(2))
            nothing = tx.resolve_problems(quiet, ["a", "auth"], at(2))
        with storage.transaction(readonly=True) as tx:
            states = {p.subject_key: p.resolved for p in tx.list_problems(mine, open_only=False)}
            elsewhere = [p.resolved for p in tx.list_problems(other, open_only=False)]
        assert (resolved, nothing) == (1, 0)
        assert states == {"a": at(2), "b": None, "c": at(1)}
        assert elsewhere == [None]

    def test_log_newest_first(
        self, storage: Storage, new_directory: Callable[[], str], directory_id: str
    ) -> None:
        """list_log returns the newest first, pages with before_id, filters failures."""
        other = new_directory()
        with storage.transaction() as tx:
            for status in (201, 409, 200, 400):
                tx.append_log(log(directory_id, status))
            tx.append_log(log(other, 500))
            newest = tx.list_log(directory_id)
            older = tx.list_log(directory_id, before_id=newest[1].id, limit=1)
            failures = tx.list_log(directory_id, failures_only=True)
        assert [r.status for r in newest] == [400, 200, 409, 201]
        assert [r.status for r in older] == [409]
        assert [r.status for r in failures] == [400, 409]
        assert (newest[0].quirks, newest[0].created, newest[0].duration_ms) == (
            ("entra.capitalised_op",),
            T0,
            1.5,
        )
