"""Migration 0010 fills the new columns and ``user_values`` from the stored documents, so the new
filters find users written before the upgrade."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import SearchQuery
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.storage import alembic_config
from scimdir.storage.sql.tables import user_values, users

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
FULL = {
    "title": "VP Sales",
    "userType": "Employee",
    "phoneNumbers": [{"type": "fax"}, {"value": "+1 555 0100"}, {"value": "+1 555 0199"}],
    "addresses": [{"country": "US"}, {"locality": "Paris"}],
    ENT: {"costCenter": "CC-1", "organization": "Contoso", "division": "Cloud"},
}
ODD = {"title": "", "userType": 5, "phoneNumbers": "not a list", ENT: ["not an object"]}


def _old_database(tmp_path: Path) -> SqlStorage:
    """A database at revision 0009 holding 1,002 users: FULL, ODD and 1,000 plain ones."""
    storage = SqlStorage(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with storage.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0009")
        conn.execute(
            text(
                "INSERT INTO directories (id, name, idp, settings, event_seq, user_count, "
                "group_count, user_generation, group_generation, created, updated) VALUES "
                "('d', 'd', 'entra', '{}', 0, 1002, 0, 0, 0, '2026-01-01', '2026-01-01')"
            )
        )
        documents = {"full": FULL, "odd": ODD} | {f"plain{i:04}": {} for i in range(1000)}
        conn.execute(
            text(
                "INSERT INTO users (directory_id, id, user_name, user_name_norm, source, linked, "
                "document, version, created, last_modified) VALUES "
                "('d', :i, :i, :i, 'idp', 1, :doc, 1, '2026-01-01', '2026-01-01')"
            ),
            [{"i": uid, "doc": json.dumps(doc)} for uid, doc in documents.items()],
        )
    return storage


def test_upgrade_backfills_columns_and_values_from_documents(tmp_path: Path) -> None:
    """FULL gets every column and value row (folded); ODD and the plain users get none."""
    storage = _old_database(tmp_path)
    storage.migrate()
    with storage.engine.connect() as conn:
        filled = conn.execute(
            select(
                users.c.id,
                users.c.title,
                users.c.user_type,
                users.c.cost_center,
                users.c.organization,
                users.c.division,
            ).where(
                users.c.title.is_not(None)
                | users.c.user_type.is_not(None)
                | users.c.cost_center.is_not(None)
            )
        ).all()
        values = conn.execute(
            select(
                user_values.c.user_id,
                user_values.c.attribute,
                user_values.c.position,
                user_values.c.value_norm,
            ).order_by(user_values.c.attribute, user_values.c.position)
        ).all()
    storage.dispose()
    assert [tuple(r) for r in filled] == [
        ("full", "vp sales", "employee", "cc-1", "contoso", "cloud")
    ]
    assert [tuple(r) for r in values] == [
        ("full", "addresses.country", 0, "us"),
        ("full", "phoneNumbers.value", 1, "+1 555 0100"),
        ("full", "phoneNumbers.value", 2, "+1 555 0199"),
    ]


def test_users_written_before_the_upgrade_are_found_by_the_new_filters(tmp_path: Path) -> None:
    """After the upgrade each new filter finds the user that was stored at 0009."""
    storage = _old_database(tmp_path)
    storage.migrate()
    filters = [
        'title eq "vp sales"',
        'userType eq "EMPLOYEE"',
        'phoneNumbers.value eq "+1 555 0199"',
        'addresses.country eq "us"',
        f'{ENT}:costCenter eq "cc-1"',
        f'{ENT}:organization sw "Cont"',
        f"{ENT}:division pr",
    ]
    found = []
    with storage.transaction() as tx:
        for text_filter in filters:
            query = SearchQuery(filter=parse_filter(USER_TYPE, text_filter))
            found.append([u.id for u in tx.search_users("d", query).items])
    storage.dispose()
    assert found == [["full"]] * len(filters)


def test_downgrade_to_0009_restores_the_full_indexes(tmp_path: Path) -> None:
    """0010 downgrades cleanly: the new table and columns go, the old indexes come back whole."""
    storage = _old_database(tmp_path)
    storage.migrate()
    config = alembic_config()
    with storage.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        department = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'ix_users_directory_id_department'")
        ).scalar_one()
    storage.dispose()
    assert ("user_values" in tables, "WHERE" in department) == (False, False)
