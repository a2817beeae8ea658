"""Authentication of a SCIM request in one statement, and with the request's lookup when it can.

``Transaction.authenticate`` (ports.py) reads the directory row joined to its live secret whose
hash matches: one row, or none for a wrong, revoked or expired secret and an unknown tenant.
Nothing is cached: the statement checks the secret every time, so a secret revoked or rotated
out in any process is refused by every process on its very next request.

Most of an identity provider's traffic is matching, ``GET /Users?filter=userName eq "x"`` (and
``externalId``, and ``displayName`` for groups), which is authentication and then a prepared
lookup (``lookups.py``): two statements, i.e. two round trips on PostgreSQL and two executions
on SQLite, each with its cost on the driver path (``driver_statements.py``). When the
caller passes a :class:`~scimdir.service.ports.LookupHint` (read from the raw query string
before authenticating) that maps to a prepared lookup, both run as ONE statement::

    SELECT auth.*, found.* AS found_*
    FROM (<authentication> LIMIT 1) AS auth
    LEFT OUTER JOIN (<the lookup: same WHERE> ORDER BY created, id LIMIT :n) AS found ON true
    ORDER BY found.created, found.id

Zero rows: not authenticated (nothing of the directory was returned). One row whose ``found_``
columns are NULL: authenticated, no match. Otherwise one row per match, in the lookup's order.
Plain SQL on SQLite and PostgreSQL alike (no ``LATERAL``: the directory id is a bind parameter
of both sides). What it saves differs: on PostgreSQL a round trip (its wait, and the driver's
work for a second statement); on SQLite, where a statement's fixed cost is small, about nothing
in CPU (SQLite runs the materialised lookup and the outer sort for about what the second
execution's Python cost was), so it runs there for one path on both databases, which the
contract suite checks on both.

The same goes for a request that names a user by id (``GET``, ``PUT``, ``PATCH`` and ``DELETE
/Users/{id}``, a :class:`~scimdir.service.ports.UserHint`): the user's row (with its groups on
PostgreSQL, as ``UserOps.get_user_with_groups`` reads it) is LEFT JOINed to the authentication
and kept in ``SqlBase.users_ahead`` for the unit's first unlocked read of that user, or taken
out for a writing unit of work to adopt (``Transaction.take_read_ahead``). On PostgreSQL that
makes Entra's user PATCH two round trips (this statement, then the update with its event) where
it was three; the update checks the version read (port rule 4), so a user changed in between
is a lost race, run again with a locked read, exactly as after a separate unlocked read.

The matches are kept in the transaction (``SqlBase.prefetched``) under the key of the lookup
statement they stand in for (:meth:`~scimdir.storage.sql.lookups.PreparedLookups.key`: table,
filter key, folded value, linked restriction, directory id, page size), and a search of the same
unit of work takes them only on an exact match of that key. A hint the use case does not follow
(a dialect rewrote the filter, another page size) only wastes the read ahead; the search still
runs its own statement. The rows live and die with the unit of work (the request's read scope),
are taken at most once, and are dropped when the unit pins a snapshot (its later reads must
agree with each other, and these came before it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, or_, select, true

from scimdir.scim.schema import GROUP_TYPE, USER_TYPE, AttrType
from scimdir.service.ports import DirectoryRecord, LookupHint, SecretRecord, UserHint
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.filters import GROUP_LOOKUPS, USER_LOOKUPS
from scimdir.storage.sql.lookups import LookupKey, Prefetched, PreparedLookups
from scimdir.storage.sql.tables import directories, secrets
from scimdir.storage.sql.user_ops import by_id_select

__all__ = ["authenticate", "directory_record"]

_SECRET_COLUMNS = [c.label(f"secret_{c.name}") for c in secrets.c]
_AUTH_SELECT = (
    select(directories, *_SECRET_COLUMNS)
    .join(secrets, secrets.c.directory_id == directories.c.id)
    .where(
        directories.c.id == bindparam("directory_id"),
        secrets.c.secret_hash == bindparam("secret_hash"),
        or_(secrets.c.revoked.is_(None), secrets.c.revoked > bindparam("now")),
        or_(secrets.c.expires.is_(None), secrets.c.expires > bindparam("now")),
    )
    .limit(1)
)
_AUTHENTICATE = DriverStatement(_AUTH_SELECT)

_FOUND = "found_"  # the lookup's columns in the joined statement: found_id, found_created, ...
_FOUND_ID = _FOUND + "id"  # NULL in the one row of an authentication that found no match

# The joined statements, built on first use per (table, filter key, linked).
_JOINED: dict[tuple[str, str, bool], tuple[DriverStatement, list[tuple[str, str]]]] = {}


def authenticate(
    conn: Connection,
    directory_id: str,
    secret_hash: str,
    now: datetime,
    prefetch: LookupHint | UserHint | None,
    prefetched: Prefetched,
    users_ahead: dict[tuple[str, str], dict[str, Any]],
) -> tuple[DirectoryRecord, SecretRecord] | None:
    """``Transaction.authenticate`` (see the module): one statement, which also reads the
    hinted lookup's rows into ``prefetched`` when the hint maps to a prepared lookup, or the
    hinted user's row into ``users_ahead``."""
    params = {"directory_id": directory_id, "secret_hash": secret_hash, "now": now}
    if isinstance(prefetch, UserHint):
        return _with_user(conn, params, prefetch.id, users_ahead)
    planned = _plan(directory_id, prefetch)
    if planned is None:
        m = _AUTHENTICATE.first(conn, params)
        return None if m is None else _records(m)
    lookups, key = planned
    _, filter_key, folded, linked, _, count = key
    statement, labels = _joined(lookups, filter_key, linked)
    rows = statement.rows(conn, {**params, "d": directory_id, "v": folded, "n": count})
    if not rows:
        return None
    prefetched[key] = [
        {name: row[label] for label, name in labels} for row in rows if row[_FOUND_ID] is not None
    ]
    return _records(rows[0])


def _with_user(
    conn: Connection,
    params: dict[str, Any],
    user_id: str,
    users_ahead: dict[tuple[str, str], dict[str, Any]],
) -> tuple[DirectoryRecord, SecretRecord] | None:
    """Authentication LEFT JOINed to the read of user ``user_id`` of the same directory: no
    row is 401; the user's columns NULL, no such user (nothing is read ahead then)."""
    statement, labels = _joined_user(conn.dialect.name)
    directory_id = params["directory_id"]
    row = statement.first(conn, {**params, "d": directory_id, "v": user_id})
    if row is None:
        return None
    if row[_FOUND_ID] is not None:
        users_ahead[(directory_id, user_id)] = {name: row[label] for label, name in labels}
    return _records(row)


def _plan(directory_id: str, hint: LookupHint | None) -> tuple[PreparedLookups, LookupKey] | None:
    """The prepared lookup and the key of the statement a search would run for ``hint``;
    None when the hint names nothing a prepared lookup answers."""
    if hint is None or hint.count <= 0:
        return None
    if hint.resource == "User":
        rt, lookups = USER_TYPE, USER_LOOKUPS
    elif hint.resource == "Group":
        rt, lookups = GROUP_TYPE, GROUP_LOOKUPS
    else:
        return None
    # The filter resolver's key for an unqualified, simple attribute: its name in the core
    # schema (scimdir.scim.filter.resolve_attribute), whatever case the client wrote it in.
    found = rt.resolve(None, hint.attribute)
    if found is None or found[1].type == AttrType.COMPLEX:
        return None
    # A SCIM search is of linked users only (SearchQuery.linked_only's default).
    key = lookups.key(directory_id, found[1].name, hint.value, hint.count, linked_only=True)
    return None if key is None else (lookups, key)


def _joined(
    lookups: PreparedLookups, filter_key: str, linked: bool
) -> tuple[DriverStatement, list[tuple[str, str]]]:
    """Authentication LEFT JOINed to the lookup, built once per (table, key, linked), and the
    (label, column name) pairs of the lookup's columns in it."""
    cache_key = (lookups.table.name, filter_key, linked)
    prepared = _JOINED.get(cache_key)
    if prepared is None:
        prepared = _JOINED[cache_key] = _auth_joined(lookups.select(filter_key, linked), True)
    return prepared


def _auth_joined(read: Select[Any], ordered: bool) -> tuple[DriverStatement, list[tuple[str, str]]]:
    """Authentication LEFT JOINed to ``read`` (its columns labelled ``found_<name>``; rows in
    the lookup's order when ``ordered``), and the (label, column name) pairs of those columns."""
    auth = _AUTH_SELECT.subquery("auth")
    found = read.subquery("found")
    labels = [(_FOUND + c.name, c.name) for c in found.c]
    stmt = select(
        *auth.c, *[c.label(label) for c, (label, _) in zip(found.c, labels, strict=True)]
    ).select_from(auth.outerjoin(found, true()))
    if ordered:
        stmt = stmt.order_by(found.c.created, found.c.id)
    return DriverStatement(stmt), labels


# The joined statements of a read by id, built on first use per dialect.
_JOINED_USER: dict[str, tuple[DriverStatement, list[tuple[str, str]]]] = {}


def _joined_user(dialect: str) -> tuple[DriverStatement, list[tuple[str, str]]]:
    """Authentication LEFT JOINed to the read of one user by id (``:d``, ``:v``), and the
    (label, column name) pairs of the user's columns in it."""
    prepared = _JOINED_USER.get(dialect)
    if prepared is None:
        read = by_id_select(dialect == "postgresql")
        prepared = _JOINED_USER[dialect] = _auth_joined(read, False)
    return prepared


def directory_record(row: Row[Any] | Mapping[str, Any]) -> DirectoryRecord:
    """A directory from its row (or a mapping with its column names)."""
    m = row._mapping if isinstance(row, Row) else row
    return DirectoryRecord(
        m["id"],
        m["name"],
        m["idp"],
        m["settings"],
        m["created"],
        m["updated"],
        m["schema_extensions"] or [],
    )


def _records(m: Mapping[str, Any]) -> tuple[DirectoryRecord, SecretRecord]:
    secret = SecretRecord(
        id=m["secret_id"],
        directory_id=m["secret_directory_id"],
        secret_hash=m["secret_secret_hash"],
        created=m["secret_created"],
        expires=m["secret_expires"],
        revoked=m["secret_revoked"],
        last_used=m["secret_last_used"],
    )
    return directory_record(m), secret
