"""Groups and memberships (port rules 3, 4 and 6).

Members are rows of ``memberships`` keyed ``(directory_id, group_id, member_id)``: adding or
removing members is one ``INSERT ... ON CONFLICT DO NOTHING`` / ``DELETE`` per chunk of at most
:data:`~scimdir.storage.sql.base.CHUNK` rows, whatever the size of the group, and idempotent.
Each names the rows it really changed (``RETURNING``), which ``member_journal.py`` turns into
one event per member without reading the rows first. The statements that find or delete one
group's rows go through SQLAlchemy and are sent unprepared on PostgreSQL (psycopg prepares
nothing, ``pg_wire.py``), so they are planned for their parameters at every run. Adding or
removing a single member (Entra's membership sync sends one per PATCH) runs its statement on
the driver (``driver_statements.py``), prepared on PostgreSQL, its cached plan kept right by
the server's statistics (``pg_statistics.py``).
:meth:`GroupOps.iter_members` pages by keyset on ``member_id`` (the primary key order), so a
500,000-member group streams in bounded memory and each page is one index range scan.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import (
    Row,
    String,
    Text,
    and_,
    bindparam,
    delete,
    func,
    literal,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from scimdir.service.ports import (
    GroupRecord,
    MemberRecord,
    Page,
    SearchQuery,
    StaleVersion,
    StorageError,
    UniquenessViolation,
    UnknownMember,
)
from scimdir.storage.sql.base import chunks
from scimdir.storage.sql.bound_lists import among, bound_list
from scimdir.storage.sql.columns import group_columns
from scimdir.storage.sql.containers import delete_member
from scimdir.storage.sql.counters import set_count
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.extension_ops import ExtensionOps
from scimdir.storage.sql.filters import GROUP_LOOKUPS, GROUP_SORT_KEYS, compile_group_filter
from scimdir.storage.sql.membership_check import run_membership_check
from scimdir.storage.sql.search import Unfiltered, search_rows
from scimdir.storage.sql.tables import groups, memberships, users
from scimdir.storage.sql.user_ops import users_among

__all__ = ["GroupOps"]


def _group(row: Row[Any] | Mapping[str, Any]) -> GroupRecord:
    m = row._mapping if isinstance(row, Row) else row
    return GroupRecord(
        id=m["id"],
        directory_id=m["directory_id"],
        display_name=m["display_name"],
        document=m["document"],
        version=m["version"],
        created=m["created"],
        last_modified=m["last_modified"],
    )


# Every group PATCH, PUT and DELETE starts with this read: built once (docs/performance.md).
_GROUP_BY_ID_SELECT = select(groups).where(
    groups.c.directory_id == bindparam("d"), groups.c.id == bindparam("v")
)
_GROUP_BY_ID = DriverStatement(_GROUP_BY_ID_SELECT)
# A writer's read of the group it will change (port rules 4 and 8): locked until commit on
# PostgreSQL, so concurrent member PATCHes of one group queue instead of conflicting.
_GROUP_BY_ID_LOCKED = DriverStatement(_GROUP_BY_ID_SELECT.with_for_update(key_share=True))


# A membership change's version bump (port rule 4) of a group whose name and document stay as
# read for update: no column with a unique index or an extension value changes, so it cannot
# fail and needs no savepoint (two round trips fewer per member PATCH on PostgreSQL).
_BUMP_GROUP = DriverStatement(
    update(groups)
    .where(
        groups.c.directory_id == bindparam("d"),
        groups.c.id == bindparam("g"),
        groups.c.version == bindparam("expected"),
    )
    .values(version=bindparam("version"), last_modified=bindparam("modified"))
)

_DELETE_ONE_MEMBER = DriverStatement(
    delete(memberships)
    .where(
        memberships.c.directory_id == bindparam("directory_id"),
        memberships.c.group_id == bindparam("group_id"),
        memberships.c.member_id == bindparam("member_id"),
    )
    .returning(memberships.c.member_id, memberships.c.member_type)
)


_INSERT_MANY_MEMBERS: dict[str, DriverStatement] = {}


def _insert_many_members(dialect: str) -> DriverStatement:
    """:func:`_insert_members` of several rows as ONE statement prepared once, on the driver: the
    rows arrive as arrays (PostgreSQL: ``unnest(:ids, :types, :user_ids)``) or as one JSON array
    of ``[member_id, type, user_id]`` (SQLite: ``json_each(:rows)``), where a multi-row
    ``VALUES`` was a new statement for SQLAlchemy to compile at every request. Parameters ``d``,
    ``g`` and those rows (:func:`_many_members_params`)."""
    stmt = _INSERT_MANY_MEMBERS.get(dialect)
    if stmt is not None:
        return stmt
    if dialect == "postgresql":
        rows = (
            func.unnest(
                bindparam("ids", type_=postgresql.ARRAY(Text)),
                bindparam("types", type_=postgresql.ARRAY(Text)),
                bindparam("user_ids", type_=postgresql.ARRAY(Text)),
            )
            .table_valued("member_id", "member_type", "user_id", name="m")
            .render_derived()
        )
        columns: list[Any] = [rows.c.member_id, rows.c.member_type, rows.c.user_id]
        insert: Any = postgresql.insert
    else:
        rows = func.json_each(bindparam("rows", type_=String)).table_valued("value", name="m")
        columns = [rows.c.value.op("->>")(literal_column(str(i))) for i in range(3)]
        insert = sqlite.insert
    source = (
        select(bindparam("d", type_=String), bindparam("g", type_=String), *columns)
        .select_from(rows)
        .where(true())  # SQLite: an INSERT ... SELECT with ON CONFLICT needs a WHERE
    )
    built = (
        insert(memberships)
        .from_select(["directory_id", "group_id", "member_id", "member_type", "user_id"], source)
        .on_conflict_do_nothing()
        .returning(memberships.c.member_id)
    )
    stmt = _INSERT_MANY_MEMBERS[dialect] = DriverStatement(built)
    return stmt


def _many_members_params(
    dialect: str, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """The parameters of :func:`_insert_many_members` for ``(member_id, type)`` pairs."""
    user_ids = [member_id if kind == "User" else None for member_id, kind in members]
    if dialect == "postgresql":
        return {
            "d": directory_id,
            "g": group_id,
            "ids": [member_id for member_id, _ in members],
            "types": [kind for _, kind in members],
            "user_ids": user_ids,
        }
    rows = [[m, kind, user_id] for (m, kind), user_id in zip(members, user_ids, strict=True)]
    return {"d": directory_id, "g": group_id, "rows": bound_list(dialect, rows)}


_ADD_USERS: dict[str, DriverStatement] = {}


def _add_users(dialect: str) -> DriverStatement:
    """PostgreSQL: the membership rows of the users among the list ``:ids`` (directory ``:d``,
    group ``:g``) inserted by ONE statement, which also names which ids are users and which of
    their rows are new, where the users were first checked by a statement of their own::

        WITH known AS (SELECT id FROM users WHERE directory_id = :d AND id = ANY(:ids)),
             new AS (INSERT INTO memberships SELECT :d, :g, id, 'User', id FROM known
                     ON CONFLICT DO NOTHING RETURNING member_id)
        SELECT known.id, new.member_id FROM known LEFT OUTER JOIN new ON ...

    The insert's foreign key takes the key-share lock on each user and refuses one deleted
    since the statement's snapshot, as the insert alone did (``UnknownMember``, rule 6)."""
    stmt = _ADD_USERS.get(dialect)
    if stmt is None:
        known = (
            select(users.c.id)
            .where(users.c.directory_id == bindparam("d"), among(dialect, users.c.id, "ids"))
            .cte("known")
        )
        rows = select(
            bindparam("d", type_=String),
            bindparam("g", type_=String),
            known.c.id,
            literal("User", type_=String),
            known.c.id,
        )
        new = (
            postgresql.insert(memberships)
            .from_select(["directory_id", "group_id", "member_id", "member_type", "user_id"], rows)
            .on_conflict_do_nothing()
            .returning(memberships.c.member_id)
            .cte("new")
        )
        query = select(known.c.id, new.c.member_id).select_from(
            known.outerjoin(new, new.c.member_id == known.c.id)
        )
        stmt = _ADD_USERS[dialect] = DriverStatement(query)
    return stmt


_GROUPS_AMONG: dict[tuple[str, bool], DriverStatement] = {}


def _groups_among(dialect: str, locked: bool) -> DriverStatement:
    """The ids among the list ``:ids`` that are groups of directory ``:d``, one statement
    prepared once (``bound_lists.py``); ``locked``: with a key-share lock on each (rule 8)."""
    stmt = _GROUPS_AMONG.get((dialect, locked))
    if stmt is None:
        query = select(groups.c.id).where(
            groups.c.directory_id == bindparam("d"), among(dialect, groups.c.id, "ids")
        )
        if locked:
            query = query.with_for_update(read=True, key_share=True)
        stmt = _GROUPS_AMONG[(dialect, locked)] = DriverStatement(query)
    return stmt


class GroupOps(ExtensionOps):
    """Group and membership methods of :class:`~scimdir.service.ports.Transaction`."""

    def insert_group(self, record: GroupRecord) -> None:
        """Insert ``record``; a taken id or displayName raises ``UniquenessViolation``."""
        with translating():
            inserted = self.insert_ignoring_conflicts(groups, [group_columns(record)])
        if inserted == 0:
            taken = self.conn.execute(
                select(groups.c.id).where(
                    groups.c.directory_id == record.directory_id, groups.c.id == record.id
                )
            ).first()
            raise UniquenessViolation("id" if taken is not None else "displayName")
        self._index_extensions(
            "Group", record.directory_id, record.id, record.document, replacing=False
        )
        self.counts.add(record.directory_id, "groups", 1)

    def get_group(
        self, directory_id: str, group_id: str, *, for_update: bool = False
    ) -> GroupRecord | None:
        """The group with this id in this directory, if any; ``for_update`` locks it (rule 4)."""
        stmt = _GROUP_BY_ID_LOCKED if for_update and self.writing else _GROUP_BY_ID
        row = stmt.first(self.conn, {"d": directory_id, "v": group_id})
        if row is None:
            return None
        record = _group(row)
        self._note_read("Group", directory_id, record.id, record.document)
        if for_update:
            # A copy: the caller may change the record's document in place before the update.
            kept = (record.display_name, copy.deepcopy(record.document))
            self._groups_read()[(directory_id, group_id)] = kept
        return record

    def _groups_read(self) -> dict[tuple[str, str], tuple[str, Any]]:
        """The name and document of each group read for update in this unit of work, until its
        update: one that keeps both (a membership change) is a version bump alone."""
        read: dict[tuple[str, str], tuple[str, Any]]
        read = self.__dict__.setdefault("_group_rows_read", {})
        return read

    def update_group(self, record: GroupRecord, expected_version: int) -> None:
        """Write ``record`` if the stored version is ``expected_version``; bumps the version."""
        before = self._groups_read().pop((record.directory_id, record.id), None)
        if before == (record.display_name, record.document):
            bumped = _BUMP_GROUP.execute(
                self.conn,
                {
                    "d": record.directory_id,
                    "g": record.id,
                    "expected": expected_version,
                    "version": expected_version + 1,
                    "modified": record.last_modified,
                },
            )
            if bumped == 0:
                raise StaleVersion(f"group {record.id} changed or vanished")
            record.version = expected_version + 1
            return
        values = group_columns(record)
        for key in ("directory_id", "id", "created"):
            del values[key]
        values["version"] = expected_version + 1
        with self.conn.begin_nested(), translating():
            changed = self.conn.execute(
                update(groups)
                .where(
                    groups.c.directory_id == record.directory_id,
                    groups.c.id == record.id,
                    groups.c.version == expected_version,
                )
                .values(values)
            ).rowcount
            if changed == 0:
                raise StaleVersion(f"group {record.id} changed or vanished")
            self._index_extensions(
                "Group", record.directory_id, record.id, record.document, replacing=True
            )
        record.version = expected_version + 1

    def delete_group(
        self,
        directory_id: str,
        group_id: str,
        *,
        expected_version: int | None = None,
        modified: datetime | None = None,
    ) -> bool:
        """Delete the group, its member rows and the rows where it is a member, bumping the
        groups that contained it (rule 8 order, ``containers.py``)."""
        row = delete_member(
            self.conn,
            groups,
            directory_id,
            group_id,
            expected_version,
            modified or datetime.now(UTC),
        )
        if row is None:
            return False
        self.conn.execute(
            delete(memberships).where(
                memberships.c.directory_id == directory_id,
                memberships.c.member_id == group_id,
            )
        )
        self.counts.add(directory_id, "groups", -1)
        return True

    def search_groups(self, directory_id: str, query: SearchQuery) -> Page[GroupRecord]:
        """One page of the directory's groups matching ``query`` (rule 5)."""
        self.flush_counts()
        prepared = GROUP_LOOKUPS.run(self.conn, directory_id, query, self.prefetched)
        if prepared is not None:
            return Page(prepared[0], [_group(r) for r in prepared[1]])
        checked = run_membership_check(self.conn, directory_id, query)
        if checked is not None:
            return Page(len(checked), [_group(r) for r in checked])
        where = [groups.c.directory_id == directory_id]
        if query.filter is not None:
            where.append(compile_group_filter(query.filter, directory_id))
        total, rows = search_rows(
            self.conn,
            groups,
            where,
            query,
            GROUP_SORT_KEYS,
            unfiltered=Unfiltered(directory_id, "groups") if query.filter is None else None,
            marks=self.marks,
        )
        return Page(total, [_group(r) for r in rows])

    def existing_group_ids(self, directory_id: str, ids: Sequence[str]) -> set[str]:
        """The subset of ``ids`` that are groups of this directory."""
        found: set[str] = set()
        # Locked when writing (shared, until commit): a concurrent delete waits (rule 8).
        stmt = _groups_among(self.conn.dialect.name, self.writing)
        for part in chunks(sorted(set(ids))):
            params = {"d": directory_id, "ids": bound_list(self.conn.dialect.name, part)}
            found.update(r["id"] for r in stmt.rows(self.conn, params))
        return found

    def add_members(
        self, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
    ) -> int:
        """Add ``(member_id, "User"|"Group")`` rows; returns how many were new (rule 6). A user
        member that does not exist raises ``UnknownMember`` (the foreign key refuses it)."""
        return len(self._insert_members(directory_id, group_id, members))

    def remove_members(self, directory_id: str, group_id: str, member_ids: Sequence[str]) -> int:
        """Remove these members; missing ones are ignored. Returns how many were removed."""
        return len(self._delete_members(directory_id, group_id, member_ids))

    def remove_all_members(self, directory_id: str, group_id: str) -> int:
        """Empty the group; returns how many rows were removed."""
        return len(self._delete_all_members(directory_id, group_id))

    def _insert_user_members(
        self, directory_id: str, group_id: str, ids: Sequence[str]
    ) -> tuple[list[tuple[str, str]], list[str]]:
        """Insert a row for each of ``ids`` that is a user of the directory (rows present are
        left alone); the ``(member_id, "User")`` of the rows inserted and the ids that are not
        users, each in the order given. PostgreSQL: one statement per chunk (``_add_users``);
        SQLite, where a statement costs no round trip: the check, then the insert."""
        unique = list(dict.fromkeys(ids))
        if not self.postgres:
            found = users_among(self.conn, directory_id, unique)
            wanted = [(i, "User") for i in unique if i in found]
            inserted = self._insert_members(directory_id, group_id, wanted) if wanted else []
            return inserted, [i for i in unique if i not in found]
        known: set[str] = set()
        new: set[str] = set()
        for part in chunks(unique):
            params = {"d": directory_id, "g": group_id, "ids": part}
            with translating():
                rows = _add_users("postgresql").rows(self.conn, params)
            known.update(r["id"] for r in rows)
            new.update(r["id"] for r in rows if r["member_id"] is not None)
        return [(i, "User") for i in unique if i in new], [i for i in unique if i not in known]

    def _insert_members(
        self, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """Insert the member rows not present yet (``ON CONFLICT DO NOTHING``); the ``(member_id,
        type)`` of the rows this statement inserted (``RETURNING``), in the order given."""
        unique = list(dict(members).items())
        inserted: set[str] = set()
        dialect = self.conn.dialect.name
        for part in chunks(unique):
            try:
                with translating():  # one statement per chunk, prepared once
                    params = _many_members_params(dialect, directory_id, group_id, part)
                    found = _insert_many_members(dialect).rows(self.conn, params)
                    inserted.update(r["member_id"] for r in found)
            except UnknownMember:
                raise
            except StorageError as exc:
                # SQLite names no constraint: a foreign key failure with the group present
                # means a member is missing.
                if self.conn.dialect.name == "sqlite" and self.get_group(directory_id, group_id):
                    raise UnknownMember("a member does not exist") from exc
                raise
        return [(member_id, kind) for member_id, kind in unique if member_id in inserted]

    def _delete_members(
        self, directory_id: str, group_id: str, member_ids: Sequence[str]
    ) -> list[tuple[str, str]]:
        """Delete these member rows; the ``(member_id, type)`` of the rows this statement
        deleted (``RETURNING``), in the order given."""
        removed: dict[str, str] = {}
        wanted = list(dict.fromkeys(member_ids))
        if len(wanted) == 1:  # Entra's member PATCH: one statement on the driver
            params = {"directory_id": directory_id, "group_id": group_id, "member_id": wanted[0]}
            return [
                (row["member_id"], row["member_type"])
                for row in _DELETE_ONE_MEMBER.rows(self.conn, params)
            ]
        for part in chunks(wanted):
            rows = self.conn.execute(
                delete(memberships)
                .where(
                    memberships.c.directory_id == directory_id,
                    memberships.c.group_id == group_id,
                    memberships.c.member_id.in_(part),
                )
                .returning(memberships.c.member_id, memberships.c.member_type),
            )
            removed.update((member_id, kind) for member_id, kind in rows)
        return [(member_id, removed[member_id]) for member_id in wanted if member_id in removed]

    def _delete_all_members(self, directory_id: str, group_id: str) -> list[tuple[str, str]]:
        """Delete every member row of the group; their ``(member_id, type)``, by member id."""
        rows = self.conn.execute(
            delete(memberships)
            .where(memberships.c.directory_id == directory_id, memberships.c.group_id == group_id)
            .returning(memberships.c.member_id, memberships.c.member_type),
        )
        return sorted((member_id, kind) for member_id, kind in rows)

    def member_ids(self, directory_id: str, group_id: str) -> set[str]:
        """All member ids of the group."""
        return set(
            self.conn.execute(
                select(memberships.c.member_id).where(
                    memberships.c.directory_id == directory_id,
                    memberships.c.group_id == group_id,
                ),
            ).scalars()
        )

    def iter_members(
        self, directory_id: str, group_id: str, batch: int = 1000
    ) -> Iterator[MemberRecord]:
        """Members ordered by id, fetched ``batch`` at a time (keyset pagination)."""
        m = memberships
        member_group = groups.alias("member_group")
        base = (
            select(
                m.c.member_id,
                m.c.member_type,
                func.coalesce(users.c.display_name, users.c.user_name, member_group.c.display_name),
            )
            .outerjoin(
                users,
                and_(
                    m.c.member_type == "User",
                    users.c.directory_id == m.c.directory_id,
                    users.c.id == m.c.member_id,
                ),
            )
            .outerjoin(
                member_group,
                and_(
                    m.c.member_type == "Group",
                    member_group.c.directory_id == m.c.directory_id,
                    member_group.c.id == m.c.member_id,
                ),
            )
            .where(m.c.directory_id == directory_id, m.c.group_id == group_id)
            .order_by(m.c.member_id)
            .limit(batch)
        )
        last: str | None = None
        while True:
            stmt = base if last is None else base.where(m.c.member_id > last)
            rows = self.conn.execute(stmt).all()
            for member_id, member_type, display in rows:
                kind = cast(Literal["User", "Group"], member_type)
                yield MemberRecord(member_id, kind, display)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def count_members(self, directory_id: str, group_id: str) -> int:
        """How many members the group has."""
        return self.conn.execute(
            select(func.count())
            .select_from(memberships)
            .where(memberships.c.directory_id == directory_id, memberships.c.group_id == group_id),
        ).scalar_one()

    def delete_provisioned(self, directory_id: str, *, unlink_users: bool) -> tuple[int, int]:
        """Delete all groups and the IdP's users (or unlink every user); ``(groups, users)``.

        Rule 8 order: the groups are locked first, then the users change, then the membership
        rows and the groups go; the counters are set last."""
        self.conn.execute(
            select(groups.c.id)
            .where(groups.c.directory_id == directory_id)
            .order_by(groups.c.id)
            .with_for_update()
        ).all()
        if unlink_users:
            user_count = self.conn.execute(
                update(users)
                .where(users.c.directory_id == directory_id, users.c.linked.is_(True))
                .values(linked=False)
            ).rowcount
        else:
            user_count = self.conn.execute(
                delete(users).where(users.c.directory_id == directory_id, users.c.source == "idp")
            ).rowcount
        self.conn.execute(delete(memberships).where(memberships.c.directory_id == directory_id))
        group_count = self.conn.execute(
            delete(groups).where(groups.c.directory_id == directory_id)
        ).rowcount
        # Local accounts the IdP had linked stay (and stay linked) when users are deleted.
        still_linked = 0 if unlink_users else self._count_linked(directory_id)
        self.counts.discard(directory_id, "users")
        self.counts.discard(directory_id, "groups")
        set_count(self.conn, directory_id, "users", still_linked)
        set_count(self.conn, directory_id, "groups", 0)
        return group_count, user_count

    def _count_linked(self, directory_id: str) -> int:
        return self.conn.execute(
            select(func.count())
            .select_from(users)
            .where(users.c.directory_id == directory_id, users.c.linked.is_(True))
        ).scalar_one()
