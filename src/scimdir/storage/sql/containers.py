"""The groups a user or group is a member of, locked and bumped when that member is deleted.

Port rule 4 makes a group's version and ``lastModified`` cover its membership, so deleting a
member changes every group that contained it. Port rule 8 puts group rows before user rows and
containers before their members: :func:`delete_member` locks the containing groups (ascending by
id), then the member, and only then deletes it. A membership added between the first read of the
containers and the member's lock (its writer held the group and took the member's key-share lock
first) is found by reading the containers again once the member is locked; no new one can appear
after that, because adding one needs the member's key-share lock, which the delete now blocks.

The statements that every delete runs (the containers, the member's locked row, the delete) are
prepared driver statements (``driver_statements.py``); the lock and the bump of the containers
name a set of groups and go through SQLAlchemy, only when there are containers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, select, update

from scimdir.service.ports import StaleVersion
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.tables import groups, memberships, users

__all__ = ["delete_member"]

_CONTAINERS = DriverStatement(
    select(memberships.c.group_id).where(
        memberships.c.directory_id == bindparam("d"), memberships.c.member_id == bindparam("m")
    )
)
_LOCKED_ROW = {
    table.name: DriverStatement(
        select(table)
        .where(table.c.directory_id == bindparam("d"), table.c.id == bindparam("m"))
        .with_for_update()
    )
    for table in (users, groups)
}
_DELETE_ROW = {
    table.name: DriverStatement(
        delete(table).where(table.c.directory_id == bindparam("d"), table.c.id == bindparam("m"))
    )
    for table in (users, groups)
}


def _containers(conn: Connection, directory_id: str, member_id: str) -> set[str]:
    return {row["group_id"] for row in _CONTAINERS.rows(conn, {"d": directory_id, "m": member_id})}


def _lock(conn: Connection, directory_id: str, group_ids: Collection[str]) -> None:
    if group_ids:
        conn.execute(
            select(groups.c.id)
            .where(groups.c.directory_id == directory_id, groups.c.id.in_(sorted(group_ids)))
            .order_by(groups.c.id)
            .with_for_update(key_share=True)
        ).all()


def _bump(conn: Connection, directory_id: str, group_ids: Collection[str], at: datetime) -> None:
    if group_ids:
        conn.execute(
            update(groups)
            .where(groups.c.directory_id == directory_id, groups.c.id.in_(sorted(group_ids)))
            .values(version=groups.c.version + 1, last_modified=at)
        )


def delete_member(
    conn: Connection,
    table: Table,
    directory_id: str,
    member_id: str,
    expected_version: int | None,
    modified: datetime,
) -> dict[str, Any] | None:
    """Delete the row ``member_id`` of ``table`` (users or groups) in rule 8's order, bumping
    the groups that contained it. Returns the deleted row's columns, or None if it did not exist;
    raises :class:`StaleVersion` when ``expected_version`` is given and is not the stored one."""
    key = {"d": directory_id, "m": member_id}
    _lock(conn, directory_id, _containers(conn, directory_id, member_id))
    row = _LOCKED_ROW[table.name].first(conn, key)
    if row is None:
        return None
    if expected_version is not None and row["version"] != expected_version:
        raise StaleVersion(f"{table.name} row {member_id} changed")
    _bump(conn, directory_id, _containers(conn, directory_id, member_id), modified)
    _DELETE_ROW[table.name].execute(conn, key)
    return row
