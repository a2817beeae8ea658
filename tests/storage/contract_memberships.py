"""The storage contract for memberships under change: rules 4, 6 and 8 of ``ports.py``.

A user membership must name a user (the database refuses any other), and deleting a member bumps
the version and ``last_modified`` of every group that contained it: a group's version covers its
membership.
"""

from __future__ import annotations

import pytest

from scimdir.service.ports import StaleVersion, Storage, UnknownMember

from .helpers import T0, at, group, user

__all__ = ["MembershipContract"]


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
