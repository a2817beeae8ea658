"""The admin's lists: users and groups by key, with a prefix search (port rule 8).

A page is a keyset scan of an existing index, never an offset, so it costs the same on the
millionth user as on the first:

- Users without a search: ``(directory_id, user_name_norm)`` (the unique index) in order.
- Users with a search ``p`` come in three stages, each a range scan of one index and each
  excluding what an earlier stage served, so a user appears once: (0) userName starts with ``p``,
  by userName; (1) displayName starts with ``p`` and userName does not, by
  ``(displayName, id)``; (2) an e-mail starts with ``p`` and neither name does, by
  ``(e-mail, user id)``, a user with several matching e-mails counted at its first. The cursor
  names the stage and the last key; a page that exhausts a stage continues with the next one.
- Groups: ``(directory_id, display_name_norm)`` (unique), with or without a search.

A prefix is the key range ``[p, p⁺)`` where ``p⁺`` follows every string starting with ``p`` in
code-point order, which both databases use for these columns (``types.py``, ``SortText``).
The values are compared in their comparison form (``normalize_user_name`` for userName,
``fold`` for the others), as the SCIM filters do.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, String, and_, bindparam, exists, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from scimdir.service.ports import (
    BrowseCursor,
    BrowsePage,
    GroupRecord,
    UserRecord,
    normalize_user_name,
)
from scimdir.storage.sql.base import SqlBase
from scimdir.storage.sql.filters import fold
from scimdir.storage.sql.group_ops import _group
from scimdir.storage.sql.tables import groups, user_emails, users
from scimdir.storage.sql.user_ops import _user

__all__ = ["BrowseOps", "prefix_end"]

_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


Bounds = tuple[bool, bool]
"""Whether the userName and the folded prefix ranges have an end (a prefix of only U+10FFFF
has none: every greater string starts with it, so ``>= prefix`` alone is exact)."""


def prefix_end(prefix: str) -> str | None:
    """The least string greater than every string that starts with ``prefix`` (code-point
    order), or None when there is none (every character is U+10FFFF)."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code in _SURROGATES:
            code = _SURROGATES.stop
        if code <= _MAX_CODE_POINT:
            return "".join(chars) + chr(code)
    return None


def _starts(column: ColumnElement[Any], name: str, bounded: bool) -> ColumnElement[bool]:
    """``column`` starts with the prefix bound as ``name`` (its range end as ``name_end``)."""
    low = column >= bindparam(name)
    return and_(low, column < bindparam(f"{name}_end")) if bounded else low


def _not_starts(column: ColumnElement[Any], name: str, bounded: bool) -> ColumnElement[bool]:
    # NULL starts with nothing; written without NOT so SQL's NULL logic cannot drop the row.
    outside = [column.is_(None), column < bindparam(name)]
    if bounded:
        outside.append(column >= bindparam(f"{name}_end"))
    return or_(*outside)


def _after(columns: Sequence[ColumnElement[Any]]) -> ColumnElement[bool]:
    """``columns`` > the bound ``a0``, ``a1`` lexicographically, the first column's bound usable
    by an index."""
    first, a0 = columns[0], bindparam("a0", type_=String())
    if len(columns) == 1:
        return first > a0
    return and_(
        first >= a0,
        or_(first > a0, and_(first == a0, columns[1] > bindparam("a1", type_=String()))),
    )


# The statements are built once per shape (stage, after a cursor or not, prefix with a range end
# or not) and bound per page: building SQLAlchemy statements costs more than running them.
# Parameters: ``d`` directory, ``n`` limit, ``u``/``u_end`` the prefix as a userName compares,
# ``f``/``f_end`` the prefix folded, ``a0``/``a1`` the cursor's key.


@functools.cache
def _user_statement(stage: int, search: bool, after: bool, bounded: Bounds) -> Select[Any]:
    ub, fb = bounded
    if stage == 0:
        where = [users.c.directory_id == bindparam("d")]
        if search:
            where.append(_starts(users.c.user_name_norm, "u", ub))
        if after:
            where.append(_after([users.c.user_name_norm]))
        stmt = select(users).where(*where).order_by(users.c.user_name_norm)
    elif stage == 1:
        order = [users.c.display_name_norm, users.c.id]
        where = [
            users.c.directory_id == bindparam("d"),
            _starts(users.c.display_name_norm, "f", fb),
            _not_starts(users.c.user_name_norm, "u", ub),
        ]
        if after:
            where.append(_after(order))
        stmt = select(users).where(*where).order_by(*order)
    else:
        stmt = _email_statement(after, bounded)
    return stmt.limit(bindparam("n"))


def _email_statement(after: bool, bounded: Bounds) -> Select[Any]:
    ub, fb = bounded
    e, earlier = user_emails.alias("e"), user_emails.alias("earlier")
    first_match = not_(
        exists().where(
            earlier.c.directory_id == e.c.directory_id,
            earlier.c.user_id == e.c.user_id,
            _starts(earlier.c.value_norm, "f", fb),
            or_(
                earlier.c.value_norm < e.c.value_norm,
                and_(earlier.c.value_norm == e.c.value_norm, earlier.c.position < e.c.position),
            ),
        )
    )
    order = [e.c.value_norm, e.c.user_id]
    where = [
        e.c.directory_id == bindparam("d"),
        _starts(e.c.value_norm, "f", fb),
        _not_starts(users.c.user_name_norm, "u", ub),
        _not_starts(users.c.display_name_norm, "f", fb),
        first_match,
    ]
    if after:
        where.append(_after(order))
    return (
        select(users, e.c.value_norm.label("browse_key"))
        .select_from(e)
        .join(users, and_(users.c.directory_id == e.c.directory_id, users.c.id == e.c.user_id))
        .where(*where)
        .order_by(*order)
    )


@functools.cache
def _group_statement(search: bool, after: bool, bounded: Bounds) -> Select[Any]:
    where = [groups.c.directory_id == bindparam("d")]
    if search:
        where.append(_starts(groups.c.display_name_norm, "f", bounded[1]))
    if after:
        where.append(_after([groups.c.display_name_norm]))
    stmt = select(groups).where(*where).order_by(groups.c.display_name_norm)
    return stmt.limit(bindparam("n"))


def _prefix_params(search: str | None) -> tuple[dict[str, Any], Bounds]:
    """The prefix parameters of ``search`` and whether its ranges have an end."""
    if search is None:
        return {}, (True, True)
    u, f = normalize_user_name(search), fold(search)
    u_end, f_end = prefix_end(u), prefix_end(f)
    return {"u": u, "u_end": u_end, "f": f, "f_end": f_end}, (u_end is not None, f_end is not None)


def _key_params(key: tuple[str, ...] | None) -> dict[str, Any]:
    return {} if key is None else {f"a{i}": value for i, value in enumerate(key)}


def _user_key(stage: int, row: Row[Any]) -> tuple[str, ...]:
    m = row._mapping
    if stage == 0:
        return (m["user_name_norm"],)
    if stage == 1:
        return (m["display_name_norm"], m["id"])
    return (m["browse_key"], m["id"])


_USER_STAGES = 3


class BrowseOps(SqlBase):
    """The admin list methods of :class:`~scimdir.service.ports.Transaction`."""

    def browse_users(
        self, directory_id: str, search: str | None, after: BrowseCursor | None, limit: int
    ) -> BrowsePage[UserRecord]:
        """A page of the directory's users (linked or not) after ``after`` (rule 8)."""
        search = search or None
        prefix, bounded = _prefix_params(search)
        stages = 1 if search is None else _USER_STAGES
        start = 0 if after is None else after.stage
        found: list[tuple[UserRecord, BrowseCursor]] = []
        for stage in range(start, stages):
            key = after.key if after is not None and stage == after.stage else None
            stmt = _user_statement(stage, search is not None, key is not None, bounded)
            params = {"d": directory_id, "n": limit + 1 - len(found), **prefix, **_key_params(key)}
            for row in self.conn.execute(stmt, params):
                found.append((_user(row), BrowseCursor(stage, _user_key(stage, row))))
            if len(found) > limit:
                break
        return _page(found, limit)

    def browse_groups(
        self, directory_id: str, search: str | None, after: BrowseCursor | None, limit: int
    ) -> BrowsePage[GroupRecord]:
        """A page of the directory's groups by displayName after ``after`` (rule 8)."""
        search = search or None
        if after is not None and after.stage != 0:
            return BrowsePage([])
        prefix, bounded = _prefix_params(search)
        key = None if after is None else after.key
        stmt = _group_statement(search is not None, key is not None, bounded)
        params = {"d": directory_id, "n": limit + 1, **prefix, **_key_params(key)}
        found = [
            (_group(row), BrowseCursor(0, (row._mapping["display_name_norm"],)))
            for row in self.conn.execute(stmt, params)
        ]
        return _page(found, limit)


def _page(found: list[tuple[Any, BrowseCursor]], limit: int) -> BrowsePage[Any]:
    items = found[:limit]
    more = len(found) > limit and items
    return BrowsePage([item for item, _ in items], items[-1][1] if more else None)
