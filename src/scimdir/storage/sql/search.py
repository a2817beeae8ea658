"""Paged, sorted searches over users or groups: RFC 7644 §3.4.2.3 (sorting), §3.4.2.4 (paging).

The default order is ``(created, id)``, which is stable, so index-based paging never skips or
repeats a resource between pages. A ``sortBy`` value sorts by the folded column (caseExact=false
attributes sort case-insensitively); unassigned values sort last ascending and first descending,
with ``(created, id)`` breaking ties. ``count=0`` returns only ``totalResults`` (§3.4.2.4).

Paging is by offset over keys (a deferred join, see :func:`search_rows`): the cost of a deep
``startIndex`` is skipping that many index entries, not reading that many rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Table, and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from scimdir.scim.errors import invalid_filter
from scimdir.service.ports import SearchQuery

__all__ = ["search_rows"]


def search_rows(
    conn: Connection,
    table: Table,
    where: list[ColumnElement[bool]],
    query: SearchQuery,
    sort_keys: dict[str, ColumnElement[Any]],
) -> tuple[int, list[Row[Any]]]:
    """``(total, rows of the requested page)`` for ``table`` filtered by ``where``."""
    total = conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    if query.count <= 0 or total == 0:
        return total, []
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
    # Deferred join: page over the keys alone (an index-only scan when an index covers the
    # filter and the order), then fetch the whole rows of that one page by primary key, so a
    # deep startIndex skips index entries instead of reading every skipped row.
    keys = (
        select(table.c.directory_id, table.c.id)
        .where(*where)
        .order_by(*order)
        .limit(query.count)
        .offset(max(query.start_index, 1) - 1)
        .subquery("page")
    )
    stmt = (
        select(table)
        .join(keys, and_(table.c.directory_id == keys.c.directory_id, table.c.id == keys.c.id))
        .order_by(*order)
    )
    return total, list(conn.execute(stmt))
