"""Port rule 12: declared extension attributes are indexed with the document and filtered there.

Run by every backend (``test_sqlite.py``, ``test_postgres.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scimdir.scim.extensions import directory_schema
from scimdir.scim.filter import parse_filter
from scimdir.service.ports import SearchQuery, Storage, UniquenessViolation, UserRecord

from .helpers import T0, at, group, user

__all__ = ["ExtensionContract"]

URN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:extension:acme:2.0:Group"
DECLARATIONS: list[dict[str, Any]] = [
    {
        "urn": URN,
        "resourceType": "User",
        "attributes": [
            {"name": "costCenter"},
            {"name": "level", "type": "integer"},
            {"name": "hired", "type": "dateTime"},
            {"name": "tags", "multiValued": True},
            {"name": "badge", "uniqueness": "server"},
        ],
    },
    {"urn": GROUP_URN, "resourceType": "Group", "attributes": [{"name": "site"}]},
]


def _declare(storage: Storage, directory_id: str) -> None:
    with storage.transaction() as tx:
        tx.set_schema_extensions(directory_id, DECLARATIONS, T0)


def _names(storage: Storage, directory_id: str, text: str) -> set[str]:
    rt = directory_schema(DECLARATIONS).user_type
    with storage.transaction(readonly=True) as tx:
        page = tx.search_users(directory_id, SearchQuery(filter=parse_filter(rt, text)))
    return {u.user_name for u in page.items}


def _acme(directory_id: str, name: str, **values: Any) -> UserRecord:
    return user(directory_id, name, **{URN: values})


class ExtensionContract:
    """Rule 12."""

    def test_declarations_round_trip_on_the_directory(
        self, storage: Storage, directory_id: str
    ) -> None:
        """set_schema_extensions is read back with the directory record."""
        _declare(storage, directory_id)
        with storage.transaction(readonly=True) as tx:
            record = tx.get_directory(directory_id)
        assert record is not None and record.schema_extensions == DECLARATIONS

    def test_values_are_filtered_over_the_index(self, storage: Storage, directory_id: str) -> None:
        """eq, sw, pr, gt and a multi-valued eq find the users whose documents hold the values."""
        _declare(storage, directory_id)
        with storage.transaction() as tx:
            tx.insert_user(_acme(directory_id, "a", costCenter="Sales", level=2, tags=["x", "Y"]))
            tx.insert_user(
                _acme(directory_id, "b", costCenter="Eng", level=5, hired="2025-06-01T00:00:00Z")
            )
            tx.insert_user(user(directory_id, "c"))
        assert _names(storage, directory_id, f'{URN}:costCenter eq "sales"') == {"a"}
        assert _names(storage, directory_id, f'{URN}:costCenter sw "E"') == {"b"}
        assert _names(storage, directory_id, f"{URN}:level pr") == {"a", "b"}
        assert _names(storage, directory_id, f"{URN}:level gt 2") == {"b"}
        assert _names(storage, directory_id, f'{URN}:tags eq "y"') == {"a"}
        assert _names(storage, directory_id, f'{URN}:hired lt "2026-01-01T00:00:00Z"') == {"b"}

    def test_update_rewrites_and_delete_removes_the_rows(
        self, storage: Storage, directory_id: str
    ) -> None:
        """An update indexes the new values only; a deleted user's rows go with it."""
        _declare(storage, directory_id)
        alice = _acme(directory_id, "a", costCenter="Old")
        with storage.transaction() as tx:
            tx.insert_user(alice)
        alice.document = {URN: {"costCenter": "New"}}
        alice.last_modified = at(1)
        with storage.transaction() as tx:
            tx.update_user(alice, 1)
        assert _names(storage, directory_id, f'{URN}:costCenter eq "old"') == set()
        assert _names(storage, directory_id, f'{URN}:costCenter eq "new"') == {"a"}
        with storage.transaction() as tx:
            assert tx.delete_user(directory_id, alice.id)
        with storage.transaction() as tx:  # the same value again: no stale row collides
            tx.insert_user(_acme(directory_id, "b", costCenter="New"))
        assert _names(storage, directory_id, f'{URN}:costCenter eq "new"') == {"b"}

    def test_read_then_update_keeps_the_index_exact(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A user read in the unit of work and updated there (the service's way) gains and loses
        index rows exactly as its document gains and loses the values."""
        _declare(storage, directory_id)
        bob = user(directory_id, "b")
        with storage.transaction() as tx:
            tx.insert_user(bob)
        for version, values in ((1, {"costCenter": "X"}), (2, None), (3, {"costCenter": "Y"})):
            with storage.transaction() as tx:
                current = tx.get_user(directory_id, bob.id, for_update=True)
                assert current is not None
                current.document = {URN: values} if values else {}
                current.last_modified = at(version)
                tx.update_user(current, version)
            expected = {"b"} if values else set()
            assert _names(storage, directory_id, f"{URN}:costCenter pr") == expected
        assert _names(storage, directory_id, f'{URN}:costCenter eq "x"') == set()

    def test_unique_attribute_names_the_attribute(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A second equal value of an attribute declared unique raises UniquenessViolation."""
        _declare(storage, directory_id)
        with storage.transaction() as tx:
            tx.insert_user(_acme(directory_id, "a", badge="B1"))
        with pytest.raises(UniquenessViolation) as caught, storage.transaction() as tx:
            tx.insert_user(_acme(directory_id, "b", badge="b1"))
        assert caught.value.field == f"{URN}:badge".lower()

    def test_other_directories_rows_are_never_matched(
        self, storage: Storage, directory_id: str, new_directory: Callable[[], str]
    ) -> None:
        """Tenancy (rule 2): a value stored in one directory is not found from another."""
        other_directory_id = new_directory()
        _declare(storage, directory_id)
        _declare(storage, other_directory_id)
        with storage.transaction() as tx:
            tx.insert_user(_acme(other_directory_id, "a", costCenter="Sales"))
        assert _names(storage, directory_id, f'{URN}:costCenter eq "sales"') == set()

    def test_declaring_indexes_stored_values_and_removing_drops_them(
        self, storage: Storage, directory_id: str
    ) -> None:
        """Values stored before the declaration are indexed by it; removal drops the rows."""
        with storage.transaction() as tx:
            tx.insert_user(_acme(directory_id, "a", costCenter="Sales"))
        _declare(storage, directory_id)
        assert _names(storage, directory_id, f'{URN}:costCenter eq "sales"') == {"a"}
        with storage.transaction() as tx:
            tx.set_schema_extensions(directory_id, [], at(1))
        _declare(storage, directory_id)  # again: the rows were dropped, none collides
        assert _names(storage, directory_id, f'{URN}:costCenter eq "sales"') == {"a"}

    def test_group_values_are_indexed(self, storage: Storage, directory_id: str) -> None:
        """Groups keep their own extension rows."""
        _declare(storage, directory_id)
        with storage.transaction() as tx:
            tx.insert_group(group(directory_id, "G", **{GROUP_URN: {"site": "Paris"}}))
            tx.insert_group(group(directory_id, "H"))
        rt = directory_schema(DECLARATIONS).group_type
        query = SearchQuery(filter=parse_filter(rt, f'{GROUP_URN}:site eq "PARIS"'))
        with storage.transaction(readonly=True) as tx:
            page = tx.search_groups(directory_id, query)
        assert [g.display_name for g in page.items] == ["G"]
