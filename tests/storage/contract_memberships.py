"""The storage contract for memberships under change: rules 4, 6 and 8 of ``ports.py``.

A user membership must name a user (the database refuses any other), and deleting a member bumps
the version and ``last_modified`` of every group that contained it: a group's version covers its
membership.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scimdir.service.ports import GroupRecord, StaleVersion, Storage, UnknownMember, UserRecord

from .helpers import T0, at, group, user

__all__ = ["MembershipContract"]


def _group_and_three_users(
    storage: Storage, directory_id: str
) -> tuple[GroupRecord, UserRecord, UserRecord, UserRecord]:
    """A group ``g`` and the users alice, bob and carol, stored, none a member yet."""
    g = group(directory_id, "g")
    alice, bob, carol = (user(directory_id, name) for name in ("alice", "bob", "carol"))
    with storage.transaction() as tx:
        tx.insert_group(g)
        for u in (alice, bob, carol):
            tx.insert_user(u)
    return g, alice, bob, carol


class MembershipContract:
    """Memberships and the versions of the groups that hold them."""

    def test_unknown_user_member_is_refused(self, storage: Storage, directory_id: str) -> None:
        """A membership naming a user id that does not exist raises UnknownMember, adds nothing."""
        g = group(directory_id, "g")
        with storage.transaction() as tx:
            tx.insert_group(g)
        with pytest.raises(UnknownMember), storage.transaction() as tx:
            tx.add_members(directory_id, g.id, [("no-such-user", "User")])
        with storage.transaction() as tx:
            assert tx.member_ids(directory_id, g.id) == set()

    def test_several_members_one_unknown_add_none(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A batch naming a user that does not exist raises UnknownMember and adds none of the
        batch; a valid batch adds each new row once and reports only the new ones."""
        g, alice, bob, carol = _group_and_three_users(storage, directory_id)
        batch = [(alice.id, "User"), ("no-such-user", "User"), (bob.id, "User")]
        with pytest.raises(UnknownMember), storage.transaction() as tx:
            tx.add_members(directory_id, g.id, batch)
        with storage.transaction() as tx:
            assert tx.member_ids(directory_id, g.id) == set()
            assert tx.add_members(directory_id, g.id, [(alice.id, "User"), (bob.id, "User")]) == 2
            added = [(bob.id, "User"), (carol.id, "User"), (alice.id, "User")]
            assert tx.add_members(directory_id, g.id, added) == 1
            assert tx.member_ids(directory_id, g.id) == {alice.id, bob.id, carol.id}

    def test_add_user_members_checks_and_adds_in_one_call(
        self, storage: Storage, new_directory: Callable[[], str]
    ) -> None:
        """``add_user_members`` adds the users among the ids (once each, present rows left
        alone and not counted), journals only the new rows, and names every other id in the
        order given: a group, an unknown id, and a user of another directory (tenancy)."""
        directory_id, other_id = new_directory(), new_directory()
        g, alice, bob, carol = _group_and_three_users(storage, directory_id)
        nested = group(directory_id, "nested")
        stranger = user(other_id, "stranger")
        with storage.transaction() as tx:
            tx.insert_group(nested)
            tx.insert_user(stranger)
            tx.add_members(directory_id, g.id, [(bob.id, "User")])
            tx.take_member_changes(g.id)
        ids = [carol.id, nested.id, alice.id, "no-such-id", bob.id, stranger.id, carol.id]
        with storage.transaction() as tx:
            added, others = tx.add_user_members(directory_id, g.id, ids)
            assert (added, others) == (2, [nested.id, "no-such-id", stranger.id])
            changes = tx.take_member_changes(g.id)
            assert [(c.member_id, c.member_type, c.added) for c in changes] == [
                (carol.id, "User", True),
                (alice.id, "User", True),
            ]
            assert tx.member_ids(directory_id, g.id) == {alice.id, bob.id, carol.id}
            assert tx.add_user_members(directory_id, g.id, [alice.id]) == (0, [])
        with storage.transaction() as tx:
            assert tx.member_ids(other_id, g.id) == set()

    def test_add_user_members_rolled_back_with_its_unit(
        self, storage: Storage, directory_id: str
    ) -> None:
        """The rows ``add_user_members`` added go with a unit of work that fails afterwards (the
        service refuses an unknown id after the users were added)."""
        g, alice, _, _ = _group_and_three_users(storage, directory_id)
        with pytest.raises(RuntimeError), storage.transaction() as tx:
            assert tx.add_user_members(directory_id, g.id, [alice.id, "no-such-id"]) == (
                1,
                ["no-such-id"],
            )
            raise RuntimeError("refused")
        with storage.transaction() as tx:
            assert tx.member_ids(directory_id, g.id) == set()

    def test_deleted_user_cannot_become_a_member(self, storage: Storage, directory_id: str) -> None:
        """After a user is deleted, adding it as a member raises UnknownMember."""
        g, alice = group(directory_id, "g"), user(directory_id, "alice")
        with storage.transaction() as tx:
            tx.insert_group(g)
            tx.insert_user(alice)
        with storage.transaction() as tx:
            tx.delete_user(directory_id, alice.id)
        with pytest.raises(UnknownMember), storage.transaction() as tx:
            tx.add_members(directory_id, g.id, [(alice.id, "User")])

    def test_delete_user_bumps_the_groups_it_was_in(
        self, storage: Storage, directory_id: str
    ) -> None:
        """Deleting a user bumps the version and last_modified of its groups, only theirs."""
        a, b, other = group(directory_id, "a"), group(directory_id, "b"), group(directory_id, "c")
        alice = user(directory_id, "alice")
        with storage.transaction() as tx:
            for g in (a, b, other):
                tx.insert_group(g)
            tx.insert_user(alice)
            tx.add_members(directory_id, a.id, [(alice.id, "User")])
            tx.add_members(directory_id, b.id, [(alice.id, "User")])
        with storage.transaction() as tx:
            assert tx.delete_user(directory_id, alice.id, modified=at(9)) is True
        with storage.transaction() as tx:
            found = [tx.get_group(directory_id, g.id) for g in (a, b, other)]
        assert [(g.version, g.last_modified) for g in found if g] == [
            (2, at(9)),
            (2, at(9)),
            (1, T0),
        ]

    def test_delete_group_bumps_its_parents(self, storage: Storage, directory_id: str) -> None:
        """Deleting a group that is a member of another bumps the other's version."""
        parent, child = group(directory_id, "parent"), group(directory_id, "child")
        with storage.transaction() as tx:
            tx.insert_group(parent)
            tx.insert_group(child)
            tx.add_members(directory_id, parent.id, [(child.id, "Group")])
        with storage.transaction() as tx:
            assert tx.delete_group(directory_id, child.id, modified=at(3)) is True
            found = tx.get_group(directory_id, parent.id)
            members = tx.member_ids(directory_id, parent.id)
        assert (found.version if found else None, members) == (2, set())

    def test_delete_at_a_stale_version_deletes_nothing(
        self, storage: Storage, directory_id: str
    ) -> None:
        """delete_user/delete_group with an expected version that is not stored raise
        StaleVersion and delete nothing."""
        alice, g = user(directory_id, "alice"), group(directory_id, "g")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            tx.insert_group(g)
            with pytest.raises(StaleVersion):
                tx.delete_user(directory_id, alice.id, expected_version=7)
            with pytest.raises(StaleVersion):
                tx.delete_group(directory_id, g.id, expected_version=7)
            assert tx.delete_user(directory_id, alice.id, expected_version=1) is True
            kept = tx.get_group(directory_id, g.id)
        assert kept == g

    def test_locked_read_returns_the_row(self, storage: Storage, directory_id: str) -> None:
        """get_user/get_group with for_update return what a plain read returns."""
        alice, g = user(directory_id, "alice"), group(directory_id, "g")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            tx.insert_group(g)
        with storage.transaction() as tx:
            locked = (
                tx.get_user(directory_id, alice.id, for_update=True),
                tx.get_group(directory_id, g.id, for_update=True),
            )
        assert locked == (alice, g)

    def test_a_membership_change_bumps_the_group_with_its_events(
        self, storage: Storage, directory_id: str
    ) -> None:
        """update_group_with_events after a member add (the group read, its name and document
        as read): the version and last_modified move, the events follow in seq order with
        their data; at another version, StaleVersion and neither the bump nor an event."""
        g, alice, bob, carol = _group_and_three_users(storage, directory_id)
        with storage.transaction() as tx:
            first = tx.append_event(directory_id, "before", "Group", g.id, {}, T0)
        for added in ([alice], [bob, carol]):  # one event, then two
            with storage.transaction() as tx:
                current = tx.get_group(directory_id, g.id, for_update=True)
                assert current is not None
                tx.add_members(directory_id, g.id, [(u.id, "User") for u in added])
                current.version, current.last_modified = current.version + 1, at(current.version)
                items = [("group.member_added", "Group", g.id, {"m": u.id}) for u in added]
                tx.update_group_with_events(current, current.version - 1, items, at(5))
        with storage.transaction(readonly=True) as tx:
            stored = tx.get_group(directory_id, g.id)
            listed = tx.list_events(directory_id, first, 10)
        assert stored is not None and (stored.version, stored.last_modified) == (3, at(2))
        assert [(e.seq, e.type, e.data, e.created) for e in listed] == [
            (first + 1, "group.member_added", {"m": alice.id}, at(5)),
            (first + 2, "group.member_added", {"m": bob.id}, at(5)),
            (first + 3, "group.member_added", {"m": carol.id}, at(5)),
        ]
        with storage.transaction() as tx:
            current = tx.get_group(directory_id, g.id, for_update=True)
            assert current is not None
            with pytest.raises(StaleVersion):
                tx.update_group_with_events(current, 1, [("x", "Group", g.id, {})], at(6))
        with storage.transaction(readonly=True) as tx:
            assert tx.get_group(directory_id, g.id) == stored
            assert tx.event_high_water(directory_id) == first + 3
