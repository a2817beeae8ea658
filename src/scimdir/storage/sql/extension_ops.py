"""The index of declared extension attribute values (port rule 12).

Every write of a user or group document rewrites that resource's rows in
``user_extension_values``/``group_extension_values`` in the same transaction (as ``user_emails``
is rewritten), computed by :func:`scimdir.scim.extensions.index_entries` from the document and the
directory's declarations. The declarations are read from the directory row only when the document
carries an extension URN, so a write without extension data costs one indexed ``DELETE`` of
nothing and no read.

An attribute declared unique is checked before the rows are written, so the violation names the
attribute; the unique constraint over ``(directory_id, attribute, unique_key)`` catches concurrent
writers (then the violation's field is ``extension``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, select, update

from scimdir.scim.extensions import (
    DirectorySchema,
    IndexEntry,
    directory_schema,
    extension_urns,
    index_entries,
)
from scimdir.service.ports import UniquenessViolation
from scimdir.storage.sql.base import SqlBase, chunks
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.page_marks import PageMarks
from scimdir.storage.sql.tables import (
    directories,
    group_extension_values,
    groups,
    user_extension_values,
    users,
)

__all__ = ["ExtensionOps", "extension_table"]

_SCHEMA_OF = select(directories.c.schema_extensions).where(directories.c.id == bindparam("d"))


def extension_table(kind: str) -> tuple[Table, Any]:
    """The value table of ``kind`` (``User``/``Group``) and its resource-id column."""
    if kind == "Group":
        return group_extension_values, group_extension_values.c.group_id
    return user_extension_values, user_extension_values.c.user_id


_DELETES = {
    kind: delete(table).where(table.c.directory_id == bindparam("d"), column == bindparam("r"))
    for kind, (table, column) in (
        ("User", extension_table("User")),
        ("Group", extension_table("Group")),
    )
}


class ExtensionOps(SqlBase):
    """Extension index methods of :class:`~scimdir.service.ports.Transaction`.

    Index rows exist only for documents holding an extension URN, so a resource read in this
    unit of work without one (the usual case: every update reads its row first, port rule 4)
    is rewritten without the ``DELETE`` of its rows: a write without extension data costs no
    statement at all. A resource not read first is always cleared.
    """

    def __init__(self, conn: Connection, marks: PageMarks | None = None) -> None:
        super().__init__(conn, marks)
        self._may_have_rows: dict[tuple[str, str, str], bool] = {}

    def _note_read(self, kind: str, directory_id: str, resource_id: str, document: Any) -> None:
        """Remember whether a resource read in this unit of work can have index rows."""
        self._may_have_rows[(kind, directory_id, resource_id)] = bool(
            isinstance(document, dict) and extension_urns(document)
        )

    def _directory_schema(self, directory_id: str) -> DirectorySchema:
        stored = self.conn.execute(_SCHEMA_OF, {"d": directory_id}).scalar_one_or_none()
        return directory_schema(stored)

    def _index_extensions(
        self,
        kind: str,
        directory_id: str,
        resource_id: str,
        document: dict[str, Any],
        *,
        replacing: bool,
    ) -> None:
        """Rewrite the index rows of one resource from its new ``document``."""
        key = (kind, directory_id, resource_id)
        if replacing and self._may_have_rows.get(key, True):
            self.conn.execute(_DELETES[kind], {"d": directory_id, "r": resource_id})
        has_urns = bool(extension_urns(document))
        self._may_have_rows[key] = has_urns
        if not has_urns:
            return
        entries = index_entries(self._directory_schema(directory_id), kind, document)
        self._insert_extension_values(kind, directory_id, resource_id, entries)

    def _insert_extension_values(
        self, kind: str, directory_id: str, resource_id: str, entries: list[IndexEntry]
    ) -> None:
        if not entries:
            return
        table, column = extension_table(kind)
        for entry in entries:
            if entry.unique is None:
                continue
            taken = self.conn.execute(
                select(column).where(
                    table.c.directory_id == directory_id,
                    table.c.attribute == entry.attribute,
                    table.c.unique_key == entry.unique,
                    column != resource_id,
                )
            ).first()
            if taken is not None:
                raise UniquenessViolation(entry.attribute)
        rows = [
            {
                "directory_id": directory_id,
                column.name: resource_id,
                "attribute": e.attribute,
                "position": e.position,
                "text_norm": e.text,
                "number": e.number,
                "time": e.time,
                "unique_key": e.unique,
            }
            for e in entries
        ]
        with translating():
            for part in chunks(rows):
                self.conn.execute(table.insert(), list(part))

    def set_schema_extensions(
        self, directory_id: str, declarations: list[dict[str, Any]], updated: datetime
    ) -> None:
        """Store the declarations; drop the index rows of URNs no longer declared and index the
        stored values of newly declared ones (one pass over the directory's documents that hold
        the URN, an administrative action)."""
        before = self._directory_schema(directory_id)
        self._may_have_rows.clear()
        self.conn.execute(
            update(directories)
            .where(directories.c.id == directory_id)
            .values(schema_extensions=declarations or None, updated=updated)
        )
        after = directory_schema(declarations)
        old = {d.urn.lower(): d for d in before.declarations}
        new = {d.urn.lower(): d for d in after.declarations}
        for urn, declaration in old.items():
            if new.get(urn) != declaration:
                table, _ = extension_table(declaration.resource_type)
                self.conn.execute(
                    delete(table).where(
                        table.c.directory_id == directory_id,
                        func.substr(table.c.attribute, 1, len(urn) + 1) == urn + ":",
                    )
                )
        added = [d for urn, d in new.items() if old.get(urn) != d]
        for declaration in added:
            self._reindex(directory_id, after, declaration.resource_type, declaration.urn)

    def _reindex(self, directory_id: str, schema: DirectorySchema, kind: str, urn: str) -> None:
        parent = groups if kind == "Group" else users
        rows = self.conn.execute(
            select(parent.c.id, parent.c.document).where(parent.c.directory_id == directory_id)
        )
        lowered = urn.lower()
        for row in rows.all():
            document = row.document
            box = next((k for k in document if k.lower() == lowered), None)
            if box is None:
                continue
            entries = index_entries(schema, kind, {box: document[box]})
            self._insert_extension_values(kind, directory_id, row.id, entries)
