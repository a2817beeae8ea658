"""Prepared equality lookups: the statements behind IdP matching queries, built once.

Most SCIM traffic from an IdP is matching: Entra sends ``userName eq "..."`` (or ``externalId``)
for every user of every cycle and ``displayName eq "..."`` for every group. Building a
SQLAlchemy statement from the filter tree costs more Python time than SQLite takes to run it
(docs/performance.md), so a filter that is one ``eq`` on an indexed scalar column, asked for from
the first result in the default order, runs a statement prepared once per column, on the DB-API
connection directly (``driver_statements.py``). The result is
the same as the general path's: the column, the folding of the value and the order are the ones
:mod:`scimdir.storage.sql.filters` uses (the contract suite runs both paths).

A lookup can also arrive already answered: a GET's authentication may have read the lookup's
rows in its own statement (``authentication.py``), keyed by :meth:`PreparedLookups.key`, i.e. by
every parameter the lookup's statement would run with. :meth:`PreparedLookups.run` takes those
rows only on an exact key match, so a search that differs in anything (another value, page
size, attribute, directory) runs its own statement and gets exactly what it asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, bindparam, select

from scimdir.scim.filter import Compare, Op
from scimdir.service.ports import SearchQuery
from scimdir.storage.sql.driver_statements import DriverStatement

__all__ = ["LookupKey", "Prefetched", "PreparedLookups"]

Fold = Callable[[str], str] | None

LookupKey = tuple[str, str, str, bool, str, int]
"""Everything a lookup statement runs with: (table, filter key, folded value, linked only,
directory id, page size)."""

Prefetched = dict[LookupKey, list[dict[str, Any]]]
"""Rows read ahead for a lookup, by the key of the statement they stand in for."""


class PreparedLookups:
    """Equality lookups on the scalar columns of one table, each statement built on first use."""

    def __init__(
        self,
        table: Table,
        columns: dict[str, tuple[Any, Fold]],
        *,
        linked_column: Any | None = None,
        returning: Sequence[ColumnElement[Any]] | None = None,
    ) -> None:
        self.table = table
        self.columns = columns
        self.linked_column = linked_column
        self.returning = tuple(returning) if returning is not None else tuple(table.c)
        self._statements: dict[tuple[str, bool], DriverStatement] = {}

    def key(
        self, directory_id: str, filter_key: str, value: str, count: int, linked_only: bool
    ) -> LookupKey | None:
        """The key of the statement that looks ``value`` up under ``filter_key`` (None: no
        prepared statement for that key): the value folded as the filter compiler folds it."""
        found = self.columns.get(filter_key)
        if found is None:
            return None
        fold = found[1]
        folded = fold(value) if fold is not None else value
        linked = linked_only and self.linked_column is not None
        return (self.table.name, filter_key, folded, linked, directory_id, count)

    def run(
        self,
        conn: Connection,
        directory_id: str,
        query: SearchQuery,
        prefetched: Prefetched | None = None,
    ) -> tuple[int, list[dict[str, Any]]] | None:
        """``(total, rows)`` when ``query`` is a plain first-page equality lookup whose page is
        not full (so its length is the total); None when the general path must answer.

        ``prefetched``: rows read ahead in this unit of work; the entry whose key is exactly
        this lookup's is taken (and removed) instead of running the statement."""
        expr = query.filter
        if (
            not isinstance(expr, Compare)
            or expr.op != Op.eq
            or not isinstance(expr.value, str)
            or query.sort_key is not None
            or query.start_index > 1
            or query.count <= 0
        ):
            return None
        key = self.key(directory_id, expr.field.key, expr.value, query.count, query.linked_only)
        if key is None:
            return None
        rows = prefetched.pop(key, None) if prefetched else None
        if rows is None:
            stmt = self._statement(key[1], key[3])
            rows = stmt.rows(conn, {"d": directory_id, "v": key[2], "n": query.count})
        if len(rows) >= query.count:
            return None
        return len(rows), rows

    def select(self, filter_key: str, linked: bool) -> Select[Any]:
        """The lookup's statement: the rows of directory ``:d`` whose ``filter_key`` column
        equals ``:v`` (folded), linked ones only if ``linked``, oldest first, at most ``:n``;
        the ``returning`` columns of each (the table's, unless given)."""
        t = self.table
        column = self.columns[filter_key][0]
        stmt = select(*self.returning)
        stmt = stmt.where(t.c.directory_id == bindparam("d"), column == bindparam("v"))
        if linked and self.linked_column is not None:
            stmt = stmt.where(self.linked_column.is_(True))
        return stmt.order_by(t.c.created, t.c.id).limit(bindparam("n"))

    def _statement(self, filter_key: str, linked: bool) -> DriverStatement:
        prepared = self._statements.get((filter_key, linked))
        if prepared is None:
            prepared = DriverStatement(self.select(filter_key, linked))
            self._statements[(filter_key, linked)] = prepared
        return prepared
