"""Users: the port's user methods over ``users``, ``user_emails`` and ``user_values`` (rules 2-5).

Hot paths are single indexed statements: lookup by id is the primary key, by userName the
``(directory_id, user_name_norm)`` unique index. Inserts use ``ON CONFLICT DO NOTHING`` so that a
duplicate userName is detected by the database under concurrency (rule 3) without aborting the
transaction; updates run in a savepoint for the same reason (on SQLite only when they send more
than the user's own row: SQLite backs out a failed statement alone) and compare the version
(rule 4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Text,
    bindparam,
    cast,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by

from scimdir.scim.extensions import extension_urns
from scimdir.service.ports import (
    Page,
    SearchQuery,
    StaleVersion,
    TransientConflict,
    UniquenessViolation,
    UserRecord,
    normalize_user_name,
)
from scimdir.storage.sql.base import chunks
from scimdir.storage.sql.bound_lists import among, bound_list
from scimdir.storage.sql.columns import email_rows, user_columns, value_rows
from scimdir.storage.sql.containers import delete_member
from scimdir.storage.sql.driver_statements import DriverStatement, driver_savepoint
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.extension_ops import ExtensionOps
from scimdir.storage.sql.filters import USER_LOOKUPS, USER_SORT_KEYS, compile_user_filter
from scimdir.storage.sql.own_transaction import own_transaction
from scimdir.storage.sql.pg_writes import (
    SETTABLE_USER_COLUMNS,
    UPDATE_USER_RUN,
    USER_WITH_EMAILS_RUN,
    email_arrays,
)
from scimdir.storage.sql.search import Unfiltered, search_rows
from scimdir.storage.sql.tables import (
    groups,
    memberships,
    user_emails,
    user_record_columns,
    user_values,
    users,
)

__all__ = ["UserOps", "by_id_select", "users_among"]


def _user(row: Row[Any] | Mapping[str, Any]) -> UserRecord:
    m = row._mapping if isinstance(row, Row) else row
    return UserRecord(
        id=m["id"],
        directory_id=m["directory_id"],
        user_name=m["user_name"],
        document=m["document"],
        version=m["version"],
        created=m["created"],
        last_modified=m["last_modified"],
        source=m["source"],
        linked=m["linked"],
    )


# The reads every PATCH, PUT, DELETE and create starts with: built once (docs/performance.md).
_BY_ID_SELECT = select(users).where(
    users.c.directory_id == bindparam("d"), users.c.id == bindparam("v")
)
_BY_ID = DriverStatement(_BY_ID_SELECT)
# A writer's read of the row it will update (port rule 4): PostgreSQL locks it until commit
# (``FOR NO KEY UPDATE``, which leaves the key-share locks of membership inserts compatible);
# SQLite's single writer needs no lock and the clause compiles to nothing there.
_BY_ID_LOCKED = DriverStatement(_BY_ID_SELECT.with_for_update(key_share=True))
_BY_USER_NAME = DriverStatement(
    select(*user_record_columns).where(
        users.c.directory_id == bindparam("d"), users.c.user_name_norm == bindparam("v")
    )
)
_BY_EXTERNAL_ID = DriverStatement(
    select(*user_record_columns)
    .where(users.c.directory_id == bindparam("d"), users.c.external_id == bindparam("v"))
    .order_by(users.c.created, users.c.id)
    .limit(1)
)
# Optimistic update (rule 4): the SET clause comes from the parameters' column names, the WHERE
# clause from the ``w_`` parameters.
_UPDATE_STMT = update(users).where(
    users.c.directory_id == bindparam("w_directory_id"),
    users.c.id == bindparam("w_id"),
    users.c.version == bindparam("w_version"),
)
_UPDATE = DriverStatement(_UPDATE_STMT, keyed=True)
_UPDATE_SAME_LINK = DriverStatement(
    _UPDATE_STMT.where(users.c.linked == bindparam("w_linked")), keyed=True
)
_DELETE_EMAILS = DriverStatement(
    delete(user_emails).where(
        user_emails.c.directory_id == bindparam("d"), user_emails.c.user_id == bindparam("u")
    )
)
_DELETE_VALUES = DriverStatement(
    delete(user_values).where(
        user_values.c.directory_id == bindparam("d"), user_values.c.user_id == bindparam("u")
    )
)
_INSERT_EMAILS = DriverStatement(user_emails.insert(), keyed=True)
_INSERT_VALUES = DriverStatement(user_values.insert(), keyed=True)
# The columns derived from the document (columns.py): an update sets those that changed.
_DERIVED_COLUMNS = tuple(
    c.name
    for c in users.columns
    if c.name
    not in ("directory_id", "id", "document", "version", "created", "last_modified", "source")
)
_GROUPS_OF_USER_SELECT = (
    select(groups.c.id, groups.c.display_name)
    .join(
        memberships,
        (memberships.c.directory_id == groups.c.directory_id)
        & (memberships.c.group_id == groups.c.id),
    )
    .where(memberships.c.directory_id == bindparam("d"), memberships.c.member_id == bindparam("u"))
    .order_by(groups.c.display_name_norm, groups.c.id)
)
_GROUPS_OF_USER = DriverStatement(_GROUPS_OF_USER_SELECT)
# PostgreSQL: the user and its groups in one statement (a PUT's or PATCH's locked read and the
# groups its response lists; a GET by id), the groups as one ``[[id, displayName], ...]`` array
# in the order of ``_GROUPS_OF_USER``, NULL when there are none. A scalar subquery in the select
# list: ``FOR NO KEY UPDATE`` locks the user row alone, never a group or membership row.
_GROUP_PAIRS = (
    select(
        func.array_agg(
            aggregate_order_by(
                postgresql.array([cast(groups.c.id, Text), cast(groups.c.display_name, Text)]),
                groups.c.display_name_norm,
                groups.c.id,
            )
        )
    )
    .select_from(
        memberships.join(
            groups,
            (memberships.c.directory_id == groups.c.directory_id)
            & (memberships.c.group_id == groups.c.id),
        )
    )
    .where(
        memberships.c.directory_id == users.c.directory_id,
        memberships.c.member_id == users.c.id,
    )
    .scalar_subquery()
    .label("member_of")
)
_WITH_GROUPS_SELECT = _BY_ID_SELECT.add_columns(_GROUP_PAIRS)
_BY_ID_WITH_GROUPS = DriverStatement(_WITH_GROUPS_SELECT)
_BY_ID_WITH_GROUPS_LOCKED = DriverStatement(_WITH_GROUPS_SELECT.with_for_update(key_share=True))


def by_id_select(postgres: bool) -> Select[Any]:
    """What an unlocked read of a user by id selects (``:d``, ``:v``), for the authentication
    that reads it ahead (``authentication.py``): the row with its groups on PostgreSQL
    (:meth:`UserOps.get_user_with_groups`), the row alone on SQLite, whose groups are a
    statement of their own there anyway."""
    return _WITH_GROUPS_SELECT if postgres else _BY_ID_SELECT


_USERS_AMONG: dict[str, DriverStatement] = {}


def _users_among(dialect: str) -> DriverStatement:
    """The ids among the list ``:ids`` that are users of directory ``:d``, one statement
    prepared once (``bound_lists.py``)."""
    stmt = _USERS_AMONG.get(dialect)
    if stmt is None:
        query = select(users.c.id).where(
            users.c.directory_id == bindparam("d"), among(dialect, users.c.id, "ids")
        )
        stmt = _USERS_AMONG[dialect] = DriverStatement(query)
    return stmt


def users_among(conn: Connection, directory_id: str, ids: Sequence[str]) -> set[str]:
    """The subset of ``ids`` that are users of the directory: one prepared statement per
    :data:`~scimdir.storage.sql.base.CHUNK` ids (``_users_among``)."""
    found: set[str] = set()
    dialect = conn.dialect.name
    for part in chunks(list(dict.fromkeys(ids))):
        params = {"d": directory_id, "ids": bound_list(dialect, part)}
        found.update(r["id"] for r in _users_among(dialect).rows(conn, params))
    return found


class UserOps(ExtensionOps):
    """User methods of :class:`~scimdir.service.ports.Transaction`."""

    def _one_user(self, stmt: DriverStatement, directory_id: str, value: str) -> UserRecord | None:
        row = stmt.first(self.conn, {"d": directory_id, "v": value})
        if row is None:
            return None
        record = _user(row)
        self._note_read("User", directory_id, record.id, record.document)
        return record

    def insert_user(self, record: UserRecord) -> None:
        """Insert ``record``; a taken id or userName raises ``UniquenessViolation``."""
        emails = email_rows(record)
        if emails and self.postgres:
            # The user and its e-mails in one round trip (pg_writes.py).
            params = {f"u_{k}": v for k, v in user_columns(record).items()}
            params.update(email_arrays(emails))
            with translating():
                inserted = len(USER_WITH_EMAILS_RUN.rows(self.conn, params))
            emails = []
        else:
            with translating():
                inserted = self.insert_ignoring_conflicts(users, [user_columns(record)])
        if inserted == 0:
            taken = self.conn.execute(
                select(users.c.id).where(
                    users.c.directory_id == record.directory_id, users.c.id == record.id
                )
            ).first()
            raise UniquenessViolation("id" if taken is not None else "userName")
        if emails:
            _INSERT_EMAILS.execute_many(self.conn, emails)
        self._index_extensions(
            "User", record.directory_id, record.id, record.document, replacing=False
        )
        self._values_held()[(record.directory_id, record.id)] = self._write_values(record)
        if record.linked:
            self.counts.add(record.directory_id, "users", 1)

    def _write_values(self, record: UserRecord) -> bool:
        """Insert the user's ``user_values`` rows; whether it has any."""
        rows = value_rows(record)
        if rows:
            _INSERT_VALUES.execute_many(self.conn, rows)
        return bool(rows)

    def get_user(
        self, directory_id: str, user_id: str, *, for_update: bool = False
    ) -> UserRecord | None:
        """The user with this id in this directory, if any; ``for_update`` locks it (rule 4).

        A row read in a writing unit of work, locked or not, is remembered until its update,
        which then sets only the columns whose value changed (:meth:`_changed_columns`).
        """
        locked = for_update and self.writing
        row = None if locked else self.users_ahead.pop((directory_id, user_id), None)
        if row is None:
            stmt = _BY_ID_LOCKED if locked else _BY_ID
            row = stmt.first(self.conn, {"d": directory_id, "v": user_id})
        return None if row is None else self._read_user(row)

    def get_user_with_groups(
        self, directory_id: str, user_id: str, *, for_update: bool = False
    ) -> tuple[UserRecord, list[tuple[str, str]]] | None:
        """:meth:`get_user` and :meth:`groups_of_user` together; on PostgreSQL one statement
        (``_BY_ID_WITH_GROUPS``), which saves a PATCH, a PUT and a GET by id a round trip;
        none at all when the authentication read it ahead (``users_ahead``)."""
        if not self.postgres:
            record = self.get_user(directory_id, user_id, for_update=for_update)
            if record is None:
                return None
            return record, self.groups_of_user(directory_id, user_id)
        params = {"d": directory_id, "v": user_id}
        if for_update and self.writing:
            row = _BY_ID_WITH_GROUPS_LOCKED.first(self.conn, params)
        else:
            row = self.users_ahead.pop((directory_id, user_id), None)
            if row is None:  # a writer's first, unlocked read needs no BEGIN (own_transaction.py)
                with own_transaction(self.conn, writes=False):
                    row = _BY_ID_WITH_GROUPS.first(self.conn, params)
        if row is None:
            return None
        pairs = row["member_of"] or ()
        return self._read_user(row), [(g, name) for g, name in pairs]

    def _read_user(self, row: dict[str, Any]) -> UserRecord:
        """The record of a row read by id, remembered in a writing unit of work for its update:
        an update matches only at the version read, so the row it replaces is this one."""
        directory_id, user_id = row["directory_id"], row["id"]
        record = _user(row)
        if self.writing:
            self._read_rows()[(directory_id, user_id)] = {key: row[key] for key in _DERIVED_COLUMNS}
            self._emails_read()[(directory_id, user_id)] = email_rows(record)
        self._note_read("User", directory_id, record.id, record.document)
        self._values_held()[(directory_id, record.id)] = bool(value_rows(record))
        return record

    def _values_held(self) -> dict[tuple[str, str], bool]:
        """Whether each user read or written in this unit of work has ``user_values`` rows: an
        update of one that has none (most users) skips their ``DELETE``."""
        held: dict[tuple[str, str], bool] = self.__dict__.setdefault("_user_values_held", {})
        return held

    def _emails_read(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """The ``user_emails`` rows of each user read in this writing unit of work (derived from
        the document read): an update whose e-mails are those leaves the rows alone."""
        read: dict[tuple[str, str], list[dict[str, Any]]]
        read = self.__dict__.setdefault("_user_emails_read", {})
        return read

    def _read_rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        rows: dict[tuple[str, str], dict[str, Any]] = self.__dict__.setdefault("_users_read", {})
        return rows

    def _changed_columns(self, record: UserRecord, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` without the derived columns equal to those of the row read before it.

        SQLite rewrites every index whose column an UPDATE sets, changed or not: a PATCH of
        ``displayName`` set all twenty columns and so rewrote every index of ``users``
        (docs/performance.md, "The users table's indexes"). Without a remembered row (an update
        not preceded by a read in its unit of work) every column is set, as before.
        """
        before = self._read_rows().pop((record.directory_id, record.id), None)
        if before is None:
            return values
        return {k: v for k, v in values.items() if k not in before or before[k] != v}

    def find_user_by_user_name(self, directory_id: str, user_name: str) -> UserRecord | None:
        """The user whose userName equals ``user_name`` after normalisation."""
        return self._one_user(_BY_USER_NAME, directory_id, normalize_user_name(user_name))

    def find_user_by_external_id(self, directory_id: str, external_id: str) -> UserRecord | None:
        """The first user (by creation) with this exact externalId."""
        return self._one_user(_BY_EXTERNAL_ID, directory_id, external_id)

    def update_user(self, record: UserRecord, expected_version: int) -> None:
        """Write ``record`` if the stored version is ``expected_version``; bumps the version."""
        emails_read = self._emails_read().pop((record.directory_id, record.id), None)
        values = user_columns(record)
        for key in ("directory_id", "id", "created"):
            del values[key]
        values["version"] = expected_version + 1
        where = {
            "w_directory_id": record.directory_id,
            "w_id": record.id,
            "w_version": expected_version,
            "w_linked": record.linked,
        }
        if self.postgres:
            # Every column: PostgreSQL writes a new row version with every index entry anyway
            # (last_modified is indexed, so no update is HOT; docs/performance.md).
            self._read_rows().pop((record.directory_id, record.id), None)
            if self._update_in_one_statement(record, {**values, **where}):
                self._reindex_side_tables(record)
                record.version = expected_version + 1
                return
        else:
            values = self._changed_columns(record, values)
        params = {**values, **where}
        emails = email_rows(record)
        rewrite_emails = emails != emails_read  # the rows of the version read, if it matches
        # SQLite backs out a failed statement alone and keeps the transaction: an update that
        # writes the user's row and nothing else needs no savepoint (two statements fewer).
        alone = not self.postgres and not rewrite_emails and self._side_tables_quiet(record)
        with nullcontext() if alone else driver_savepoint(self.conn), translating():
            # Usually ``linked`` is unchanged: one statement. Otherwise the second one matches
            # and the linked-user counter follows (counters.py).
            changed = _UPDATE_SAME_LINK.execute(self.conn, params)
            if changed == 0:
                changed = _UPDATE.execute(self.conn, params)
                if changed == 0:
                    raise StaleVersion(f"user {record.id} changed or vanished")
                self.counts.add(record.directory_id, "users", 1 if record.linked else -1)
            if rewrite_emails:
                _DELETE_EMAILS.execute(self.conn, {"d": record.directory_id, "u": record.id})
                if emails:
                    _INSERT_EMAILS.execute_many(self.conn, emails)
            self._reindex_side_tables(record)
        record.version = expected_version + 1

    def _side_tables_quiet(self, record: UserRecord) -> bool:
        """Whether :meth:`_reindex_side_tables` would send no statement: the user had and has no
        declared extension value and no ``user_values`` row (as read in this unit of work)."""
        key = (record.directory_id, record.id)
        return (
            self._may_have_rows.get(("User", *key), True) is False
            and not extension_urns(record.document)
            and self._values_held().get(key, True) is False
            and not value_rows(record)
        )

    def _reindex_side_tables(self, record: UserRecord) -> None:
        """The rows filters read besides the user's own columns and e-mails: declared extension
        values and ``user_values`` (phone numbers, countries), rewritten with the user."""
        self._index_extensions(
            "User", record.directory_id, record.id, record.document, replacing=True
        )
        key = (record.directory_id, record.id)
        if self._values_held().get(key, True):
            _DELETE_VALUES.execute(self.conn, {"d": record.directory_id, "u": record.id})
        self._values_held()[key] = self._write_values(record)

    def _update_in_one_statement(self, record: UserRecord, params: dict[str, Any]) -> bool:
        """PostgreSQL: the update and its e-mails in one round trip (``pg_writes.UPDATE_USER``);
        False when the caller must take the savepoint path (the version, ``linked`` or the
        userName's availability did not match: it raises the precise error or adjusts the
        linked-user counter)."""
        emails = email_rows(record)
        one = {f"s_{column.name}": params[column.name] for column in SETTABLE_USER_COLUMNS}
        one.update((k, params[k]) for k in ("w_directory_id", "w_id", "w_version", "w_linked"))
        one.update(email_arrays(emails), e_count=len(emails))
        try:
            with translating():
                row = UPDATE_USER_RUN.first(self.conn, one)
                return row is not None and bool(next(iter(row.values())))
        except UniquenessViolation as exc:
            # A writer committed the same userName while this statement ran (the statement
            # checks for a holder first): the transaction is aborted, so run the unit again.
            raise TransientConflict("a concurrent write took the same userName") from exc

    def delete_user(
        self,
        directory_id: str,
        user_id: str,
        *,
        expected_version: int | None = None,
        modified: datetime | None = None,
    ) -> bool:
        """Delete the user; its membership rows go by the foreign key's cascade, and the groups
        it was in are bumped first (rule 8 order, ``containers.py``). False if it did not exist."""
        row = delete_member(
            self.conn,
            users,
            directory_id,
            user_id,
            expected_version,
            modified or datetime.now(UTC),
        )
        if row is None:
            return False
        if row["linked"]:
            self.counts.add(directory_id, "users", -1)
        return True

    def search_users(self, directory_id: str, query: SearchQuery) -> Page[UserRecord]:
        """One page of the directory's users matching ``query`` (rule 5)."""
        self.flush_counts()
        prepared = USER_LOOKUPS.run(self.conn, directory_id, query, self.prefetched)
        if prepared is not None:
            return Page(prepared[0], [_user(r) for r in prepared[1]])
        where = [users.c.directory_id == directory_id]
        if query.linked_only:
            where.append(users.c.linked.is_(True))
        if query.filter is not None:
            where.append(compile_user_filter(query.filter, directory_id))
        whole = query.linked_only and query.filter is None
        total, rows = search_rows(
            self.conn,
            users,
            where,
            query,
            USER_SORT_KEYS,
            unfiltered=Unfiltered(directory_id, "users") if whole else None,
            marks=self.marks,
        )
        return Page(total, [_user(r) for r in rows])

    def existing_user_ids(self, directory_id: str, ids: Sequence[str]) -> set[str]:
        """The subset of ``ids`` that are users of this directory."""
        # Not locked: the foreign key takes the key-share lock on the users a membership insert
        # names (only those), and refuses one deleted meanwhile (UnknownMember, rule 6). Locking
        # every id here would write a lock into each row of a 20,000-member PUT.
        return users_among(self.conn, directory_id, ids)

    def groups_of_user(self, directory_id: str, user_id: str) -> list[tuple[str, str]]:
        """``(group id, group displayName)`` of the groups the user is a direct member of."""
        rows = _GROUPS_OF_USER.rows(self.conn, {"d": directory_id, "u": user_id})
        return [(r["id"], r["display_name"]) for r in rows]
