"""One group's member rows are read and deleted by statements planned for their parameters.

A prepared statement may get one generic plan from PostgreSQL, costed when the table was small
(``storage/sql/pg_plans.py``): a sequential scan of ``memberships`` chosen while a group was
being created stayed in use at 100,000 members. The statements that find or delete member rows
therefore run unprepared on PostgreSQL, while the hot statements of ``pg_wire.py`` (the group
read among them) are prepared.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from scimdir.service.ports import DirectoryRecord
from scimdir.storage.sql import SqlStorage

from .helpers import group, user

pytestmark = pytest.mark.postgres

RUNS = 12  # past a prepared statement's five custom plans on PostgreSQL


def test_member_row_statements_are_never_prepared(
    postgres_url: str, postgres_storage: SqlStorage
) -> None:
    """After a dozen runs of each membership operation on one connection, the server holds
    prepared statements (the group read) but none that reads or deletes member rows."""
    storage = SqlStorage(postgres_url, pool_size=1, max_overflow=0)  # one connection
    try:
        directory_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        g = group(directory_id, "g")
        members = [user(directory_id, f"u{i}") for i in range(3)]
        with storage.transaction() as tx:
            tx.insert_directory(DirectoryRecord(directory_id, "plans", "entra", {}, now, now))
            tx.insert_group(g)
            for member in members:
                tx.insert_user(member)
        for _ in range(RUNS):
            with storage.transaction() as tx:
                assert tx.get_group(directory_id, g.id, for_update=True) is not None
                tx.add_members(directory_id, g.id, [(members[0].id, "User")])
                tx.add_members(directory_id, g.id, [(m.id, "User") for m in members])
                assert tx.member_ids(directory_id, g.id) == {m.id for m in members}
                assert tx.count_members(directory_id, g.id) == len(members)
                assert len(list(tx.iter_members(directory_id, g.id))) == len(members)
                assert tx.remove_members(directory_id, g.id, [members[0].id]) == 1
                assert tx.remove_all_members(directory_id, g.id) == len(members) - 1
        with storage.engine.connect() as conn:
            prepared = conn.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
            statements = [" ".join(s.split()) for s in prepared]
    finally:
        storage.dispose()
    assert any(s.startswith("SELECT groups.") for s in statements), statements
    member_rows = [
        s for s in statements if s.startswith(("SELECT", "DELETE")) and "FROM memberships" in s
    ]
    assert member_rows == []
