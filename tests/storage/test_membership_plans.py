"""No statement on PostgreSQL ever runs a generic plan (``storage/sql/pg_plans.py``).

A prepared statement may get one generic plan from PostgreSQL, costed from the table's
statistics at that moment and kept until an ``ANALYZE``: a sequential scan of ``memberships``
chosen while a group was being created stayed in use at 100,000 members, and lookups prepared
while ``users`` was nearly empty scanned it once it held 300,000 rows. Every connection plans
each execution for its parameters instead; the hot statements stay prepared (``pg_wire.py``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from scimdir.service.ports import DirectoryRecord, reads_on_event_loop
from scimdir.storage.sql import SqlStorage

from .helpers import group, user

pytestmark = pytest.mark.postgres

RUNS = 12  # past a prepared statement's five custom plans on PostgreSQL


def test_prepared_statements_are_planned_for_their_parameters_at_every_run(
    postgres_url: str, postgres_storage: SqlStorage
) -> None:
    """After a dozen runs of each membership operation on one connection, the server holds
    prepared statements (the group read, one member's insert and delete), each planned anew at
    every run and never generically."""
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
            plans = conn.execute(
                text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
            ).all()
    finally:
        storage.dispose()
    statements = {
        " ".join(statement.split()): (generic, custom) for statement, generic, custom in plans
    }
    assert any(s.startswith("SELECT groups.") for s in statements), statements
    assert any(s.startswith("DELETE FROM memberships") for s in statements), statements
    assert all(generic == 0 for generic, _ in statements.values()), statements
    assert max(custom for _, custom in statements.values()) >= RUNS - 1


def test_the_event_loops_connection_plans_for_its_parameters_too(
    postgres_storage: SqlStorage,
) -> None:
    """The event loop's read connection (its own engine) has the same setting as the pool's."""
    token = reads_on_event_loop.set(True)
    try:
        with postgres_storage.transaction(readonly=True, snapshot=False) as tx:
            loop_mode = tx.conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one()
    finally:
        reads_on_event_loop.reset(token)
    with postgres_storage.transaction() as tx:
        pooled_mode = tx.conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one()
    assert loop_mode == pooled_mode == "force_custom_plan"
