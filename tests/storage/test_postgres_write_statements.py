"""PostgreSQL's folded write-path statements lock and write what the statements they replace
did, no more (``storage/sql/user_ops.py``, ``storage/sql/pg_writes.py``).

The contract suite checks what they return on both databases; these check the locks only
PostgreSQL takes, with a second connection that gives up at once instead of waiting.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from scimdir.storage.sql import SqlStorage

from .helpers import create_directory, group, user

pytestmark = pytest.mark.postgres


def test_a_locked_read_with_groups_locks_the_user_alone(postgres_storage: SqlStorage) -> None:
    """A PATCH's locked read of the user and its groups (one statement) locks the user row
    (port rule 4), and neither a group nor a membership row (rule 8: groups come first)."""
    directory_id = create_directory(postgres_storage)
    g, alice = group(directory_id, "g"), user(directory_id, "alice")
    with postgres_storage.transaction() as tx:
        tx.insert_user(alice)
        tx.insert_group(g)
        tx.add_members(directory_id, g.id, [(alice.id, "User")])
    params = {"d": directory_id, "g": g.id, "u": alice.id}
    with postgres_storage.transaction() as tx:
        found = tx.get_user_with_groups(directory_id, alice.id, for_update=True)
        assert found == (alice, [(g.id, "g")])
        with postgres_storage.engine.connect() as other:
            for row in (
                "SELECT 1 FROM groups WHERE directory_id = :d AND id = :g FOR UPDATE NOWAIT",
                "SELECT 1 FROM memberships WHERE directory_id = :d AND group_id = :g "
                "FOR UPDATE NOWAIT",
            ):
                assert other.execute(text(row), params).scalar() == 1
            other.rollback()
            with pytest.raises(OperationalError, match="could not obtain lock"):
                other.execute(
                    text(
                        "SELECT 1 FROM users WHERE directory_id = :d AND id = :u FOR UPDATE NOWAIT"
                    ),
                    params,
                )
