"""Prepared equality lookups: the statements behind IdP matching queries, built once.

Most SCIM traffic from an IdP is matching: Entra sends ``userName eq "..."`` (or ``externalId``)
for every user of every cycle and ``displayName eq "..."`` for every group. Building a
SQLAlchemy statement from the filter tree costs more Python time than SQLite takes to run it
(docs/performance.md), so a filter that is one ``eq`` on an indexed scalar column, asked for from
the first result in the default order, runs a statement prepared once per column, on the DB-API
connection directly (``driver_statements.py``). The result is
the same as the general path's: the column, the folding of the value and the order are the ones
:mod:`scimdir.storage.sql.filters` uses (the contract suite runs both paths).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

from scimdir.scim.filter import Compare, Op
from scimdir.service.ports import SearchQuery
from scimdir.storage.sql.driver_statements import DriverStatement

__all__ = ["PreparedLookups"]

Fold = Callable[[str], str] | None


class PreparedLookups:
    """Equality lookups on the scalar columns of one table, each statement built on first use."""

    def __init__(
        self,
        table: Table,
        columns: dict[str, tuple[Any, Fold]],
        *,
        linked_column: Any | None = None,
    ) -> None:
        self.table = table
        self.columns = columns
        self.linked_column = linked_column
        self._statements: dict[tuple[str, bool], DriverStatement] = {}

    def run(
        self, conn: Connection, directory_id: str, query: SearchQuery
    ) -> tuple[int, list[dict[str, Any]]] | None:
        """``(total, rows)`` when ``query`` is a plain first-page equality lookup whose page is
        not full (so its length is the total); None when the general path must answer."""
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
        found = self.columns.get(expr.field.key)
        if found is None:
            return None
        column, fold = found
        value = fold(expr.value) if fold is not None else expr.value
        linked = query.linked_only and self.linked_column is not None
        stmt = self._statement(expr.field.key, column, linked)
        rows = stmt.rows(conn, {"d": directory_id, "v": value, "n": query.count})
        if len(rows) >= query.count:
            return None
        return len(rows), rows

    def _statement(self, key: str, column: Any, linked: bool) -> DriverStatement:
        prepared = self._statements.get((key, linked))
        if prepared is None:
            t = self.table
            stmt = select(t).where(t.c.directory_id == bindparam("d"), column == bindparam("v"))
            if linked and self.linked_column is not None:
                stmt = stmt.where(self.linked_column.is_(True))
            stmt = stmt.order_by(t.c.created, t.c.id).limit(bindparam("n"))
            prepared = self._statements[(key, linked)] = DriverStatement(stmt)
        return prepared
