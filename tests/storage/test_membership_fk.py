"""The memberships foreign key to users (migration 0005): the database, not the service, keeps
every user membership pointing at a user."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import delete, select, text

from scimdir.service.ports import Storage
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.storage import alembic_config
from scimdir.storage.sql.tables import memberships, users

from .helpers import group, user


def test_user_deleted_behind_the_service_loses_its_memberships(
    storage: Storage, directory_id: str
) -> None:
    """A user row deleted by plain SQL takes its membership rows with it (ON DELETE CASCADE)."""
    assert isinstance(storage, SqlStorage)
    g, alice, bob = group(directory_id, "g"), user(directory_id, "alice"), user(directory_id, "b")
    with storage.transaction() as tx:
        tx.insert_group(g)
        tx.insert_user(alice)
        tx.insert_user(bob)
        tx.add_members(directory_id, g.id, [(alice.id, "User"), (bob.id, "User")])
    with storage.engine.begin() as conn:
        conn.execute(
            delete(users).where(users.c.directory_id == directory_id, users.c.id == bob.id)
        )
    with storage.transaction() as tx:
        assert tx.member_ids(directory_id, g.id) == {alice.id}
        assert tx.count_members(directory_id, g.id) == 1


def test_upgrade_to_0005_drops_orphans_and_fills_the_column(tmp_path: Path) -> None:
    """Upgrading a 0004 database deletes memberships of vanished members and keeps the rest,
    with user_id filled for users only."""
    storage = SqlStorage(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with storage.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    with storage.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO directories (id, name, idp, settings, event_seq, user_count, "
                "group_count, user_generation, group_generation, created, updated) VALUES "
                "('d', 'd', 'entra', '{}', 0, 1, 2, 0, 0, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (directory_id, id, user_name, user_name_norm, source, linked, "
                "document, version, created, last_modified) VALUES "
                "('d', 'u1', 'u1', 'u1', 'idp', 1, '{}', 1, '2026-01-01', '2026-01-01')"
            )
        )
        for gid in ("g1", "g2"):
            conn.execute(
                text(
                    "INSERT INTO groups (directory_id, id, display_name, display_name_norm, "
                    "document, version, created, last_modified) VALUES "
                    f"('d', '{gid}', '{gid}', '{gid}', '{{}}', 1, '2026-01-01', '2026-01-01')"
                )
            )
        for member, kind in (("u1", "User"), ("gone", "User"), ("g2", "Group"), ("g9", "Group")):
            conn.execute(
                text(
                    "INSERT INTO memberships (directory_id, group_id, member_id, member_type) "
                    f"VALUES ('d', 'g1', '{member}', '{kind}')"
                )
            )
    storage.migrate()
    with storage.engine.connect() as conn:
        rows = conn.execute(
            select(memberships.c.member_id, memberships.c.user_id).order_by(memberships.c.member_id)
        ).all()
    storage.dispose()
    assert [tuple(r) for r in rows] == [("g2", None), ("u1", "u1")]
