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

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row, Select, and_, exists, false, not_, or_, select
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


def _starts(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    end = prefix_end(prefix)
    return and_(column >= prefix) if end is None else and_(column >= prefix, column < end)


def _not_starts(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    # NULL starts with nothing; written without NOT so SQL's NULL logic cannot drop the row.
    end = prefix_end(prefix)
    outside = [column.is_(None), column < prefix]
    if end is not None:
        outside.append(column >= end)
    return or_(*outside)


def _after(columns: Sequence[ColumnElement[Any]], key: tuple[str, ...]) -> ColumnElement[bool]:
    """``columns > key`` lexicographically, with the first column's bound usable by an index."""
    first, value = columns[0], key[0]
    if len(columns) == 1:
        return first > value
    return and_(first >= value, or_(first > value, and_(first == value, columns[1] > key[1])))


_Stage = Callable[[str, str | None, tuple[str, ...] | None, int], Select[Any]]


def _user_name_stage(d: str, p: str | None, after: tuple[str, ...] | None, n: int) -> Select[Any]:
    where = [users.c.directory_id == d]
    if p is not None:
        where.append(_starts(users.c.user_name_norm, normalize_user_name(p)))
    if after is not None:
        where.append(_after([users.c.user_name_norm], after))
    return select(users).where(*where).order_by(users.c.user_name_norm).limit(n)


def _display_name_stage(
    d: str, p: str | None, after: tuple[str, ...] | None, n: int
) -> Select[Any]:
    assert p is not None
    where = [
        users.c.directory_id == d,
        _starts(users.c.display_name_norm, fold(p)),
        _not_starts(users.c.user_name_norm, normalize_user_name(p)),
    ]
    order = [users.c.display_name_norm, users.c.id]
    if after is not None:
        where.append(_after(order, after))
    return select(users).where(*where).order_by(*order).limit(n)


def _email_stage(d: str, p: str | None, after: tuple[str, ...] | None, n: int) -> Select[Any]:
    assert p is not None
    e, earlier = user_emails.alias("e"), user_emails.alias("earlier")
    folded = fold(p)
    first_match = not_(
        exists().where(
            earlier.c.directory_id == e.c.directory_id,
            earlier.c.user_id == e.c.user_id,
            _starts(earlier.c.value_norm, folded),
            or_(
                earlier.c.value_norm < e.c.value_norm,
                and_(earlier.c.value_norm == e.c.value_norm, earlier.c.position < e.c.position),
            ),
        )
    )
    where = [
        e.c.directory_id == d,
        _starts(e.c.value_norm, folded),
        _not_starts(users.c.user_name_norm, normalize_user_name(p)),
        _not_starts(users.c.display_name_norm, folded),
        first_match,
    ]
    order = [e.c.value_norm, e.c.user_id]
    if after is not None:
        where.append(_after(order, after))
    return (
        select(users, e.c.value_norm.label("browse_key"))
        .select_from(e)
        .join(users, and_(users.c.directory_id == e.c.directory_id, users.c.id == e.c.user_id))
        .where(*where)
        .order_by(*order)
        .limit(n)
    )


def _user_key(stage: int, row: Row[Any]) -> tuple[str, ...]:
    m = row._mapping
    if stage == 0:
        return (m["user_name_norm"],)
    if stage == 1:
        return (m["display_name_norm"], m["id"])
    return (m["browse_key"], m["id"])


_USER_STAGES: tuple[_Stage, ...] = (_user_name_stage, _display_name_stage, _email_stage)


class BrowseOps(SqlBase):
    """The admin list methods of :class:`~scimdir.service.ports.Transaction`."""

    def browse_users(
        self, directory_id: str, search: str | None, after: BrowseCursor | None, limit: int
    ) -> BrowsePage[UserRecord]:
        """A page of the directory's users (linked or not) after ``after`` (rule 8)."""
        search = search or None
        stages = 1 if search is None else len(_USER_STAGES)
        start = 0 if after is None else after.stage
        found: list[tuple[UserRecord, BrowseCursor]] = []
        for stage in range(start, stages):
            key = after.key if after is not None and stage == after.stage else None
            stmt = _USER_STAGES[stage](directory_id, search, key, limit + 1 - len(found))
            for row in self.conn.execute(stmt):
                found.append((_user(row), BrowseCursor(stage, _user_key(stage, row))))
            if len(found) > limit:
                break
        return _page(found, limit)

    def browse_groups(
        self, directory_id: str, search: str | None, after: BrowseCursor | None, limit: int
    ) -> BrowsePage[GroupRecord]:
        """A page of the directory's groups by displayName after ``after`` (rule 8)."""
        where: list[ColumnElement[bool]] = [groups.c.directory_id == directory_id]
        if search:
            where.append(_starts(groups.c.display_name_norm, fold(search)))
        if after is not None:
            where.append(
                _after([groups.c.display_name_norm], after.key) if after.stage == 0 else false()
            )
        stmt = select(groups).where(*where).order_by(groups.c.display_name_norm).limit(limit + 1)
        found = [
            (_group(row), BrowseCursor(0, (row._mapping["display_name_norm"],)))
            for row in self.conn.execute(stmt)
        ]
        return _page(found, limit)


def _page(found: list[tuple[Any, BrowseCursor]], limit: int) -> BrowsePage[Any]:
    items = found[:limit]
    more = len(found) > limit and items
    return BrowsePage([item for item, _ in items], items[-1][1] if more else None)
