"""The storage contract for ``totalResults`` of unfiltered lists (RFC 7644 §3.4.2.4).

Backends may answer the total of an unfiltered list from a counter instead of counting rows; it
must stay exact through every write path. Each test compares the unfiltered total with the count
of a filter that matches every listed resource (``userName pr``, ``displayName pr``), which is
always counted from the rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import pytest

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE
from scimdir.service.ports import SearchQuery, StaleVersion, Storage, UniquenessViolation

from .helpers import group, user

__all__ = ["CountContract"]

_ALL_USERS = SearchQuery(filter=parse_filter(USER_TYPE, "userName pr"), count=0)
_ALL_GROUPS = SearchQuery(filter=parse_filter(GROUP_TYPE, "displayName pr"), count=0)


def totals(storage: Storage, directory_id: str) -> tuple[int, int, int, int]:
    """``(users listed, users matching pr, groups listed, groups matching pr)``."""
    with storage.transaction(readonly=True) as tx:
        return (
            tx.search_users(directory_id, SearchQuery(count=0)).total,
            tx.search_users(directory_id, _ALL_USERS).total,
            tx.search_groups(directory_id, SearchQuery(count=0)).total,
            tx.search_groups(directory_id, _ALL_GROUPS).total,
        )


class CountContract:
    """Unfiltered ``totalResults`` stays exact through every write."""

    def test_new_directory_is_empty(self, storage: Storage, directory_id: str) -> None:
        """A new directory lists zero users and zero groups."""
        assert totals(storage, directory_id) == (0, 0, 0, 0)

    def test_inserts_count_linked_users_only(self, storage: Storage, directory_id: str) -> None:
        """Inserting linked users and groups counts them; an unlinked account is not listed."""
        with storage.transaction() as tx:
            tx.insert_user(user(directory_id, "a"))
            tx.insert_user(user(directory_id, "b"))
            tx.insert_user(user(directory_id, "local", source="local", linked=False))
            tx.insert_group(group(directory_id, "g"))
        assert totals(storage, directory_id) == (2, 2, 1, 1)

    def test_failed_insert_is_not_counted(self, storage: Storage, directory_id: str) -> None:
        """A userName or displayName collision leaves the totals unchanged."""
        with storage.transaction() as tx:
            tx.insert_user(user(directory_id, "a"))
            tx.insert_group(group(directory_id, "g"))
        with storage.transaction() as tx:
            with pytest.raises(UniquenessViolation):
                tx.insert_user(user(directory_id, "A"))
            with pytest.raises(UniquenessViolation):
                tx.insert_group(group(directory_id, "G"))
        assert totals(storage, directory_id) == (1, 1, 1, 1)

    def test_rolled_back_insert_is_not_counted(self, storage: Storage, directory_id: str) -> None:
        """A rolled-back transaction rolls its count back too."""
        with pytest.raises(RuntimeError), storage.transaction() as tx:
            tx.insert_user(user(directory_id, "a"))
            raise RuntimeError("boom")
        assert totals(storage, directory_id) == (0, 0, 0, 0)

    def test_deletes(self, storage: Storage, directory_id: str) -> None:
        """Deleting a user or group uncounts it; deleting a missing one changes nothing."""
        a, b, g = user(directory_id, "a"), user(directory_id, "b"), group(directory_id, "g")
        local = user(directory_id, "local", source="local", linked=False)
        with storage.transaction() as tx:
            for u in (a, b, local):
                tx.insert_user(u)
            tx.insert_group(g)
        with storage.transaction() as tx:
            tx.delete_user(directory_id, a.id)
            tx.delete_user(directory_id, a.id)
            tx.delete_user(directory_id, local.id)
            tx.delete_group(directory_id, g.id)
            tx.delete_group(directory_id, g.id)
        assert totals(storage, directory_id) == (1, 1, 0, 0)

    def test_link_and_unlink(self, storage: Storage, directory_id: str) -> None:
        """An update that links an account counts it; one that unlinks it uncounts it."""
        local = user(directory_id, "local", source="local", linked=False)
        with storage.transaction() as tx:
            tx.insert_user(local)
        linked = replace(local, linked=True)
        with storage.transaction() as tx:
            tx.update_user(linked, expected_version=1)
        after_link = totals(storage, directory_id)
        with storage.transaction() as tx:
            tx.update_user(replace(linked, document={"x": 1}), expected_version=2)
        after_edit = totals(storage, directory_id)
        with storage.transaction() as tx:
            tx.update_user(replace(linked, linked=False), expected_version=3)
        assert (after_link, after_edit, totals(storage, directory_id)) == (
            (1, 1, 0, 0),
            (1, 1, 0, 0),
            (0, 0, 0, 0),
        )

    def test_stale_link_is_not_counted(self, storage: Storage, directory_id: str) -> None:
        """A link refused for a stale version changes no total."""
        local = user(directory_id, "local", source="local", linked=False)
        with storage.transaction() as tx:
            tx.insert_user(local)
        with storage.transaction() as tx, pytest.raises(StaleVersion):
            tx.update_user(replace(local, linked=True), expected_version=7)
        assert totals(storage, directory_id) == (0, 0, 0, 0)

    @pytest.mark.parametrize("unlink_users", [False, True])
    def test_reset(self, storage: Storage, directory_id: str, unlink_users: bool) -> None:
        """A reset empties the groups and leaves exactly the users that stay linked."""
        kept = user(directory_id, "kept", source="local", linked=False)
        with storage.transaction() as tx:
            tx.insert_user(user(directory_id, "a"))
            tx.insert_user(kept)
            tx.update_user(replace(kept, linked=True), expected_version=1)
            tx.insert_group(group(directory_id, "g"))
        with storage.transaction() as tx:
            tx.delete_provisioned(directory_id, unlink_users=unlink_users)
        expected = (0, 0, 0, 0) if unlink_users else (1, 1, 0, 0)
        assert totals(storage, directory_id) == expected

    def test_concurrent_inserts(self, storage: Storage, directory_id: str) -> None:
        """Users and groups inserted from several threads at once are all counted."""
        barrier = threading.Barrier(4)

        def insert(n: int) -> None:
            barrier.wait()
            for k in range(5):
                with storage.transaction() as tx:
                    tx.insert_user(user(directory_id, f"u{n}-{k}"))
                    tx.insert_group(group(directory_id, f"g{n}-{k}"))

        threads = [threading.Thread(target=insert, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert totals(storage, directory_id) == (20, 20, 20, 20)

    def test_directories_counted_apart(
        self, storage: Storage, directory_id: str, new_directory: Callable[[], str]
    ) -> None:
        """Each directory's totals count only its own users and groups."""
        other = new_directory()
        with storage.transaction() as tx:
            tx.insert_user(user(directory_id, "a"))
            tx.insert_user(user(other, "a"))
            tx.insert_user(user(other, "b"))
        assert (totals(storage, directory_id), totals(storage, other)) == (
            (1, 1, 0, 0),
            (2, 2, 0, 0),
        )
