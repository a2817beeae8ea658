"""Keyset paging under offset semantics (``search.py``, ``page_marks.py``) on both databases.

The reference is the same list read by offset: the filter ``userName pr`` matches every listed
user, and filtered lists never use page marks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import SearchQuery, Storage
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.page_marks import Mark, PageMarks

from .helpers import at, group, user


class Spy(PageMarks):
    """Page marks that record which lookups found a mark."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[int] = []

    def find(self, key: tuple[str, str, bool], generation: int, start_index: int) -> Mark | None:
        found = super().find(key, generation, start_index)
        if found is not None:
            self.hits.append(start_index)
        return found


@pytest.fixture
def spy(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> Spy:
    """The storage's page marks, replaced by a fresh spy."""
    assert isinstance(storage, SqlStorage)
    marks = Spy()
    monkeypatch.setattr(storage, "marks", marks)
    return marks


ALL = parse_filter(USER_TYPE, "userName pr")


def names(
    storage: Storage,
    directory_id: str,
    start: int,
    count: int,
    *,
    reference: bool = False,
    descending: bool = False,
) -> list[str]:
    """The userNames of one page of the default order, read in a read-only transaction."""
    query = SearchQuery(
        ALL if reference else None, start_index=start, count=count, descending=descending
    )
    with storage.transaction(readonly=True) as tx:
        return [u.user_name for u in tx.search_users(directory_id, query).items]


def populate(storage: Storage, directory_id: str, n: int = 23) -> None:
    """``n`` linked users; every third pair shares a creation time (the id breaks the tie)."""
    with storage.transaction() as tx:
        for i in range(n):
            tx.insert_user(user(directory_id, f"u{i:02d}", created=at(i - i % 3)))


@pytest.mark.parametrize("descending", [False, True])
def test_sequential_pages_equal_offset_pages(
    storage: Storage, directory_id: str, spy: Spy, descending: bool
) -> None:
    """Paging 5 at a time through marks gives exactly the offset pages, and uses the marks."""
    populate(storage, directory_id)
    starts = range(1, 25, 5)
    keyset = [names(storage, directory_id, s, 5, descending=descending) for s in starts]
    offset = [
        names(storage, directory_id, s, 5, descending=descending, reference=True) for s in starts
    ]
    assert (keyset, spy.hits) == (offset, [6, 11, 16, 21])


def test_gap_after_a_mark_is_skipped_exactly(storage: Storage, directory_id: str, spy: Spy) -> None:
    """A start beyond the next page continues from the closest mark and skips the gap."""
    populate(storage, directory_id)
    names(storage, directory_id, 1, 5)
    assert (names(storage, directory_id, 14, 4), spy.hits) == (
        names(storage, directory_id, 14, 4, reference=True),
        [14],
    )


def test_insert_before_the_mark_invalidates_it(
    storage: Storage, directory_id: str, spy: Spy
) -> None:
    """A user created earlier than the mark's row shifts the offsets: the mark is not used."""
    populate(storage, directory_id)
    names(storage, directory_id, 1, 5)
    with storage.transaction() as tx:
        tx.insert_user(user(directory_id, "early", created=at(-10)))
    page = names(storage, directory_id, 6, 5)
    assert (page, spy.hits) == (names(storage, directory_id, 6, 5, reference=True), [])


def test_delete_and_unlink_invalidate(
    storage: Storage, directory_id: str, spy: Spy, new_directory: Callable[[], str]
) -> None:
    """Deleting or unlinking a listed user invalidates the marks of the list."""
    populate(storage, directory_id)
    with storage.transaction(readonly=True) as tx:
        first = tx.search_users(directory_id, SearchQuery(count=5)).items
    with storage.transaction() as tx:
        tx.delete_user(directory_id, first[0].id)
    after_delete = names(storage, directory_id, 6, 5)
    reference_delete = names(storage, directory_id, 6, 5, reference=True)
    names(storage, directory_id, 1, 5)
    with storage.transaction() as tx:
        tx.update_user(replace(first[1], linked=False), expected_version=1)
    assert (after_delete, names(storage, directory_id, 6, 5), spy.hits) == (
        reference_delete,
        names(storage, directory_id, 6, 5, reference=True),
        [],
    )


def test_updates_keep_marks(storage: Storage, directory_id: str, spy: Spy) -> None:
    """An update that leaves the listed set unchanged keeps the marks valid."""
    populate(storage, directory_id)
    with storage.transaction(readonly=True) as tx:
        first = tx.search_users(directory_id, SearchQuery(count=5)).items
    with storage.transaction() as tx:
        tx.update_user(replace(first[0], document={"userName": "u00"}), expected_version=1)
    assert (names(storage, directory_id, 6, 5), spy.hits) == (
        names(storage, directory_id, 6, 5, reference=True),
        [6],
    )


def test_write_transactions_neither_use_nor_leave_marks(
    storage: Storage, directory_id: str, spy: Spy
) -> None:
    """Marks are read and written only in read-only (single-snapshot) transactions."""
    populate(storage, directory_id)
    with storage.transaction() as tx:
        tx.search_users(directory_id, SearchQuery(count=5))
        tx.search_users(directory_id, SearchQuery(start_index=6, count=5))
    names(storage, directory_id, 6, 5)
    assert spy.hits == []


def test_group_pages_use_marks(storage: Storage, directory_id: str, spy: Spy) -> None:
    """Groups page by marks too, with the same rows as the offset."""
    with storage.transaction() as tx:
        for i in range(7):
            tx.insert_group(group(directory_id, f"g{i}", created=at(i)))
    pages = []
    for start in (1, 4, 7):
        with storage.transaction(readonly=True) as tx:
            page = tx.search_groups(directory_id, SearchQuery(start_index=start, count=3))
        pages.append([g.display_name for g in page.items])
    assert (pages, spy.hits) == ([["g0", "g1", "g2"], ["g3", "g4", "g5"], ["g6"]], [4, 7])
