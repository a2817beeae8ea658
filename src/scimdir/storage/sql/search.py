"""Paged, sorted searches over users or groups: RFC 7644 §3.4.2.3 (sorting), §3.4.2.4 (paging).

The default order is ``(created, id)``, which is stable, so index-based paging never skips or
repeats a resource between pages. A ``sortBy`` value sorts by the folded column (caseExact=false
attributes sort case-insensitively); unassigned values sort last ascending and first descending,
with ``(created, id)`` breaking ties. ``count=0`` returns only ``totalResults`` (§3.4.2.4).

Cost at 1,000,000 users:

- ``totalResults`` of an *unfiltered* list is the directory row's counter (``counters.py``), read
  with one primary-key probe; a filtered list counts its matches over the filter's index.
- A filtered page that starts at 1 and is not full is its own total (Entra's lookups run one
  statement); other filtered pages count their matches.
- Paging is by offset; from offset 1,000 over keys (a deferred join): a deep ``startIndex``
  skips index entries, not rows. For unfiltered lists in the default order, read in a read-only
  (snapshot) transaction, a page whose start follows a page served before at the same
  generation runs as keyset ``(created, id) > last key`` plus the (usually zero) gap instead
  (``page_marks.py``): the rows are exactly those of the offset, so sequential paging (Okta's
  imports) costs the same on page 10,000 as on page 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, and_, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from scimdir.scim.errors import invalid_filter
from scimdir.service.ports import SearchQuery
from scimdir.storage.sql.autocommit_reads import pin_snapshot
from scimdir.storage.sql.base import READONLY
from scimdir.storage.sql.counters import Kind, read_count
from scimdir.storage.sql.page_marks import Mark, PageMarks

__all__ = ["Unfiltered", "search_rows"]


@dataclass(frozen=True)
class Unfiltered:
    """The list is a directory's whole list of ``kind``: its size is the directory's counter."""

    directory_id: str
    kind: Kind


def _order(
    table: Table, query: SearchQuery, sort_keys: dict[str, ColumnElement[Any]]
) -> list[ColumnElement[Any]]:
    order: list[ColumnElement[Any]] = []
    if query.sort_key is not None:
        column = sort_keys.get(query.sort_key)
        if column is None:
            raise invalid_filter(
                f"Sorting by {query.sort_key} is not supported; sort by one of "
                f"{', '.join(sort_keys)}."
            )
        order.append(column.desc().nulls_first() if query.descending else column.asc().nulls_last())
    tiebreak = [table.c.created, table.c.id]
    order.extend(c.desc() if query.descending and query.sort_key is None else c for c in tiebreak)
    return order


def search_rows(
    conn: Connection,
    table: Table,
    where: list[ColumnElement[bool]],
    query: SearchQuery,
    sort_keys: dict[str, ColumnElement[Any]],
    *,
    unfiltered: Unfiltered | None = None,
    marks: PageMarks | None = None,
) -> tuple[int, list[Row[Any]]]:
    """``(total, rows of the requested page)`` for ``table`` filtered by ``where``.

    ``unfiltered`` says ``where`` selects the directory's whole list (its total is the counter);
    ``marks`` remembers page boundaries of such lists for keyset paging.
    """
    generation = -1
    total: int | None = None
    if query.count > 0:
        pin_snapshot(conn)  # the total, the generation and the page agree (storage.py)
    if unfiltered is not None:
        total, generation = read_count(conn, unfiltered.directory_id, unfiltered.kind)
        if total == 0:
            return 0, []
    if query.count <= 0:
        return (total if total is not None else _count(conn, table, where)), []
    order = _order(table, query, sort_keys)
    start = max(query.start_index, 1)
    if (
        unfiltered is None
        or query.sort_key is not None
        or conn.info.get(READONLY) is not True  # one snapshot: the generation fits the rows
    ):
        marks = None
    list_key = (unfiltered.directory_id if unfiltered else "", table.name, query.descending)
    mark = None if marks is None else marks.find(list_key, generation, start)
    skip = start - 1
    keyset: list[ColumnElement[bool]] = []
    if mark is not None:
        bound = tuple_(table.c.created, table.c.id)
        after = (mark.created, mark.id)
        keyset.append(bound < after if query.descending else bound > after)
        skip = start - 1 - mark.position
    if skip < _DEFERRED_JOIN_FROM:
        # A first or near page (Entra's lookups): select the rows directly. Building the
        # deferred join costs more in Python than the few index entries it would skip.
        stmt = select(table).where(*where, *keyset).order_by(*order)
        stmt = stmt.limit(query.count).offset(skip or None)
    else:
        stmt = _deferred_join(table, where + keyset, order, query.count, skip)
    rows = list(conn.execute(stmt))
    if marks is not None and rows:
        last = rows[-1]._mapping
        position = start - 1 + len(rows)
        marks.remember(list_key, Mark(generation, position, last["created"], last["id"]))
    if total is None:
        # A page that starts at the first match and is not full holds every match, so its
        # length is the exact total; only a full or an empty later page needs the count.
        exact = start == 1 and len(rows) < query.count
        total = len(rows) if exact else _count(conn, table, where)
    return total, rows


_DEFERRED_JOIN_FROM = 1000
"""Offsets from which a page is read by a deferred join rather than directly."""


def _count(conn: Connection, table: Table, where: list[ColumnElement[bool]]) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _deferred_join(
    table: Table,
    where: list[ColumnElement[bool]],
    order: list[ColumnElement[Any]],
    count: int,
    skip: int,
) -> Select[Any]:
    """Page over the keys alone (an index-only scan when an index covers the filter and the
    order), then fetch the whole rows of that one page by primary key, so a deep startIndex
    skips index entries instead of reading every skipped row."""
    keys = select(table.c.directory_id, table.c.id).where(*where)
    page = keys.order_by(*order).limit(count).offset(skip).subquery("page")
    return (
        select(table)
        .join(page, and_(table.c.directory_id == page.c.directory_id, table.c.id == page.c.id))
        .order_by(*order)
    )
