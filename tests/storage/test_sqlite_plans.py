"""SQLite query plans of the hot membership queries, without planner statistics.

SQLite never runs ANALYZE by itself, so a database grown through SCIM has no statistics; these
plans must be index probes anyway (migration 0004).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.dialects import sqlite

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.filters import compile_group_filter, compile_user_filter
from scimdir.storage.sql.tables import groups, users


def _plan(storage: SqlStorage, stmt: Select[Any]) -> str:
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with storage.engine.connect() as conn:
        has_stats = conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).scalar_one()
        if has_stats:
            conn.execute(text("DELETE FROM sqlite_stat1"))
        rows = conn.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_membership_check_probes_the_member_index(sqlite_storage: SqlStorage) -> None:
    """Entra's `id eq "G" and members[value eq "U"]` searches the covering member index."""
    expr = parse_filter(GROUP_TYPE, 'id eq "g" and members[value eq "u"]')
    stmt = select(groups).where(groups.c.directory_id == "d", compile_group_filter(expr, "d"))
    plan = _plan(sqlite_storage, stmt)
    assert "ix_memberships_directory_id_member_id_group_id (directory_id=? AND member_id=?)" in plan


def test_groups_value_filter_probes_the_primary_key(sqlite_storage: SqlStorage) -> None:
    """`groups.value eq "G"` on users reads the group's membership rows by primary key."""
    expr = parse_filter(USER_TYPE, 'groups.value eq "g"')
    stmt = select(users).where(users.c.directory_id == "d", compile_user_filter(expr, "d"))
    plan = _plan(sqlite_storage, stmt)
    assert "(directory_id=? AND group_id=?)" in plan


def test_inactive_user_count_is_an_index_only_range(sqlite_storage: SqlStorage) -> None:
    """The console's inactive-user count (`active eq false` over linked users) covers itself
    with the `(directory_id, active, linked)` index: it reads inactive users' index entries
    only, never every linked user (migration 0012)."""
    expr = parse_filter(USER_TYPE, "active eq false")
    stmt = (
        select(func.count())
        .select_from(users)
        .where(
            users.c.directory_id == "d",
            users.c.linked.is_(True),
            compile_user_filter(expr, "d"),
        )
    )
    plan = _plan(sqlite_storage, stmt)
    assert "COVERING INDEX ix_users_directory_id_active_linked" in plan, plan
