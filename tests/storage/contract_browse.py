"""The storage contract, rule 8: the admin's lists page by key and search by prefix.

Every case pages with several page sizes and checks that the concatenated pages equal the
whole answer: nothing skipped, nothing repeated, in the documented order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scimdir.service.ports import BrowseCursor, GroupRecord, Storage, UserRecord

from .helpers import group, user

__all__ = ["BrowseContract"]


def _email(value: str) -> list[dict[str, Any]]:
    return [{"value": value, "type": "work", "primary": True}]


def _all_users(
    storage: Storage, directory_id: str, search: str | None, limit: int
) -> list[UserRecord]:
    seen: list[UserRecord] = []
    cursor: BrowseCursor | None = None
    for _ in range(100):
        with storage.transaction(readonly=True) as tx:
            page = tx.browse_users(directory_id, search, cursor, limit)
        assert len(page.items) <= limit
        seen.extend(page.items)
        if page.next is None:
            return seen
        cursor = page.next
    raise AssertionError("paging did not end")


def _all_groups(
    storage: Storage, directory_id: str, search: str | None, limit: int
) -> list[GroupRecord]:
    seen: list[GroupRecord] = []
    cursor: BrowseCursor | None = None
    for _ in range(100):
        with storage.transaction(readonly=True) as tx:
            page = tx.browse_groups(directory_id, search, cursor, limit)
        seen.extend(page.items)
        if page.next is None:
            return seen
        cursor = page.next
    raise AssertionError("paging did not end")


def _names(records: list[UserRecord]) -> list[str]:
    return [r.user_name for r in records]


class BrowseContract:
    """Rule 8: ``browse_users`` and ``browse_groups``."""

    @pytest.fixture
    def people(self, storage: Storage, directory_id: str) -> str:
        """A directory whose users match ``al`` through each of their values."""
        records = [
            user(directory_id, "Alice@contoso.com", displayName="Alice", emails=_email("a@x.io")),
            user(directory_id, "bob@contoso.com", displayName="Alan Bob", emails=_email("b@x.io")),
            user(
                directory_id,
                "carol@contoso.com",
                displayName="Carol",
                emails=[{"value": "al.carol@x.io"}, {"value": "AL2@x.io"}],
            ),
            user(directory_id, "dave@contoso.com", displayName="Xal", emails=_email("d@al.io")),
            user(directory_id, "al@contoso.com", displayName="Al", emails=_email("al@x.io")),
            user(directory_id, "erin@contoso.com", source="local", linked=False),
            user(directory_id, "al_b%@contoso.com", displayName="Percent"),
        ]
        with storage.transaction() as tx:
            for record in records:
                tx.insert_user(record)
        return directory_id

    @pytest.mark.parametrize("limit", [1, 2, 3, 50])
    def test_without_search_every_user_once_by_user_name(
        self, storage: Storage, people: str, limit: int
    ) -> None:
        """Without a search, pages hold every user (unlinked too) once, ordered by userName."""
        assert _names(_all_users(storage, people, None, limit)) == [
            "al@contoso.com",
            "al_b%@contoso.com",
            "Alice@contoso.com",
            "bob@contoso.com",
            "carol@contoso.com",
            "dave@contoso.com",
            "erin@contoso.com",
        ]

    @pytest.mark.parametrize("limit", [1, 2, 4, 50])
    def test_search_matches_each_value_once_in_stage_order(
        self, storage: Storage, people: str, limit: int
    ) -> None:
        """A prefix of userName, then displayName, then an e-mail: each user once, any page size."""
        assert _names(_all_users(storage, people, "AL", limit)) == [
            "al@contoso.com",
            "al_b%@contoso.com",
            "Alice@contoso.com",
            "bob@contoso.com",
            "carol@contoso.com",
        ]

    def test_search_is_a_prefix_not_a_substring(self, storage: Storage, people: str) -> None:
        """``al`` finds no user whose values only contain it (Xal, d@al.io)."""
        assert "dave@contoso.com" not in _names(_all_users(storage, people, "al", 50))

    def test_search_treats_like_wildcards_literally(self, storage: Storage, people: str) -> None:
        """``%`` and ``_`` in a search are characters, not wildcards."""
        assert _names(_all_users(storage, people, "al_b%", 50)) == ["al_b%@contoso.com"]
        assert _names(_all_users(storage, people, "a%", 50)) == []

    def test_search_beyond_the_last_code_point(self, storage: Storage, people: str) -> None:
        """A prefix whose range has no end (U+10FFFF) is searched exactly: no match here."""
        assert _all_users(storage, people, "\U0010ffff", 50) == []
        assert _all_groups(storage, people, "\U0010ffff", 50) == []

    def test_search_by_email_alone(self, storage: Storage, people: str) -> None:
        """An e-mail prefix finds its user even when no name matches."""
        assert _names(_all_users(storage, people, "d@AL", 50)) == ["dave@contoso.com"]

    def test_no_match_is_an_empty_last_page(self, storage: Storage, people: str) -> None:
        """A search without matches answers one empty page without a cursor."""
        with storage.transaction(readonly=True) as tx:
            page = tx.browse_users(people, "zzz", None, 10)
        assert (page.items, page.next) == ([], None)

    def test_full_last_page_has_no_cursor(self, storage: Storage, people: str) -> None:
        """A page that ends exactly at the last user carries no next cursor."""
        with storage.transaction(readonly=True) as tx:
            page = tx.browse_users(people, None, None, 7)
        assert (len(page.items), page.next) == (7, None)

    def test_other_directories_never_appear(
        self, storage: Storage, people: str, new_directory: Callable[[], str]
    ) -> None:
        """Browsing one directory never returns another directory's users or groups."""
        other = new_directory()
        with storage.transaction() as tx:
            tx.insert_user(user(other, "alfred@contoso.com", displayName="Al"))
            tx.insert_group(group(other, "Alpha"))
        assert "alfred@contoso.com" not in _names(_all_users(storage, people, "al", 50))
        assert _all_groups(storage, people, None, 50) == []

    def test_a_page_after_a_deleted_cursor_user_continues(
        self, storage: Storage, people: str
    ) -> None:
        """Deleting the user a cursor points at does not break or repeat the paging."""
        with storage.transaction(readonly=True) as tx:
            first = tx.browse_users(people, None, None, 2)
        with storage.transaction() as tx:
            tx.delete_user(people, first.items[-1].id)
        with storage.transaction(readonly=True) as tx:
            rest = tx.browse_users(people, None, first.next, 50)
        assert _names(rest.items)[0] == "Alice@contoso.com"

    @pytest.mark.parametrize("limit", [1, 2, 50])
    def test_groups_by_display_name_with_prefix(
        self, storage: Storage, directory_id: str, limit: int
    ) -> None:
        """Groups come once each, ordered by displayName case-insensitively, filtered by prefix."""
        with storage.transaction() as tx:
            for name in ("staff", "Admins", "admins-eu", "Alpha", "ops"):
                tx.insert_group(group(directory_id, name))
        every = [g.display_name for g in _all_groups(storage, directory_id, None, limit)]
        matching = [g.display_name for g in _all_groups(storage, directory_id, "AD", limit)]
        assert (every, matching) == (
            ["Admins", "admins-eu", "Alpha", "ops", "staff"],
            ["Admins", "admins-eu"],
        )
