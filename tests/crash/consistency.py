"""What a database must satisfy after a crash, read directly from its rows (one directory).

Each function returns a list of violations (empty when consistent), so a failing test shows all
of them at once. The rules are the storage port's (``scimdir.service.ports``): one transaction per
change with its outbox event (rule 7), counters kept in the same transaction
(``storage/sql/counters.py``), memberships as rows that go with their user (rule 6), and the
e-mail rows that mirror a user's document (``storage/sql/user_ops.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from scimdir.storage.sql.tables import directories, events, groups, memberships, user_emails, users


def row_invariants(conn: Connection, directory_id: str) -> list[str]:
    """Counters, e-mail rows, memberships and the outbox sequence agree with the rows."""
    problems: list[str] = []
    d = conn.execute(select(directories).where(directories.c.id == directory_id)).one()
    linked = conn.scalar(
        select(func.count())
        .select_from(users)
        .where(users.c.directory_id == directory_id, users.c.linked)
    )
    group_rows = conn.scalar(
        select(func.count()).select_from(groups).where(groups.c.directory_id == directory_id)
    )
    if (d.user_count, d.group_count) != (linked, group_rows):
        problems.append(
            f"counters {d.user_count}/{d.group_count} != rows {linked}/{group_rows} (users/groups)"
        )
    email_rows = Counter(
        conn.scalars(
            select(user_emails.c.user_id).where(user_emails.c.directory_id == directory_id)
        )
    )
    documents = conn.execute(
        select(users.c.id, users.c.document).where(users.c.directory_id == directory_id)
    ).all()
    user_ids = {row.id for row in documents}
    for row in documents:
        if email_rows.get(row.id, 0) != len(row.document.get("emails", [])):
            problems.append(f"user {row.id}: {email_rows.get(row.id, 0)} e-mail rows")
    for orphan in set(email_rows) - user_ids:
        problems.append(f"e-mail rows of a missing user {orphan}")
    group_ids = set(conn.scalars(select(groups.c.id).where(groups.c.directory_id == directory_id)))
    for m in conn.execute(select(memberships).where(memberships.c.directory_id == directory_id)):
        if m.group_id not in group_ids:
            problems.append(f"membership in a missing group {m.group_id}")
        if m.member_id not in (user_ids if m.member_type == "User" else group_ids):
            problems.append(f"membership of a missing member {m.member_id}")
    seqs = sorted(conn.scalars(select(events.c.seq).where(events.c.directory_id == directory_id)))
    if seqs != list(range(1, len(seqs) + 1)) or d.event_seq != len(seqs):
        problems.append(f"outbox sequence has gaps: {len(seqs)} events, counter {d.event_seq}")
    return problems


def outbox_by_resource(conn: Connection, directory_id: str) -> dict[str, list[dict[str, Any]]]:
    """The outbox events of the directory, grouped by resource id, in sequence order."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = conn.execute(
        select(events.c.type, events.c.resource_id, events.c.data)
        .where(events.c.directory_id == directory_id)
        .order_by(events.c.seq)
    )
    for row in rows:
        found[row.resource_id].append({"type": row.type, "data": row.data})
    return found


def outbox_matches_users(conn: Connection, directory_id: str) -> list[str]:
    """Every user that exists was created once by an event; every user.created event belongs to
    a user that exists or has its user.deleted event (no event of a rolled-back change)."""
    problems: list[str] = []
    by_resource = outbox_by_resource(conn, directory_id)
    present = set(conn.scalars(select(users.c.id).where(users.c.directory_id == directory_id)))
    for resource_id, history in by_resource.items():
        kinds = [e["type"] for e in history]
        if not kinds[0].startswith("user."):
            continue
        if kinds.count("user.created") != 1 or kinds[0] != "user.created":
            problems.append(f"user {resource_id}: events {kinds}")
        deleted = "user.deleted" in kinds
        if deleted == (resource_id in present):
            problems.append(f"user {resource_id}: events {kinds} but present={not deleted}")
    for user_id in present - set(by_resource):
        problems.append(f"user {user_id} exists without a user.created event")
    return problems


def members_added_by_events(conn: Connection, directory_id: str, group_id: str) -> int:
    """Members added minus removed according to the group's outbox events (one per member)."""
    total = 0
    for event in outbox_by_resource(conn, directory_id).get(group_id, []):
        if event["type"] == "group.member_added":
            total += 1
        elif event["type"] == "group.member_removed":
            total -= 1
    return total


def integrity_problems(engine: Engine, directory_id: str) -> list[str]:
    """The database engine's own check: SQLite's integrity and foreign-key checks; on PostgreSQL
    (a database other tests share) the directory's relation without a foreign key (members of
    missing users), and every table read once through its primary key and once sequentially in
    one snapshot (a torn index or heap page makes the two disagree, or raises)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            checked = conn.execute(text("PRAGMA integrity_check")).all()
            problems = [row[0] for row in checked if row[0] != "ok"]
            problems += [str(tuple(row)) for row in conn.execute(text("PRAGMA foreign_key_check"))]
            return problems
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            orphans = conn.scalar(
                text(
                    "SELECT count(*) FROM memberships m WHERE m.directory_id = :d "
                    "AND m.member_type = 'User' AND NOT EXISTS (SELECT 1 FROM users u "
                    "WHERE u.directory_id = m.directory_id AND u.id = m.member_id)"
                ),
                {"d": directory_id},
            )
            problems = [f"{orphans} memberships of missing users"] if orphans else []
            for table in ("users", "user_emails", "groups", "memberships", "events"):
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                by_index = conn.scalar(text(f"SELECT count(*) FROM {table}"))
                conn.execute(text("SET LOCAL enable_seqscan = on"))
                for scan in ("indexscan", "indexonlyscan", "bitmapscan"):
                    conn.execute(text(f"SET LOCAL enable_{scan} = off"))
                by_heap = conn.scalar(text(f"SELECT count(*) FROM {table}"))
                for scan in ("indexscan", "indexonlyscan", "bitmapscan"):
                    conn.execute(text(f"SET LOCAL enable_{scan} = on"))
                if by_index != by_heap:
                    problems.append(f"{table}: {by_index} rows by index, {by_heap} by heap")
        return problems
