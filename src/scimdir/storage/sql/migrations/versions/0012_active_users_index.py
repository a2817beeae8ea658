"""Index ``users (directory_id, active, linked)`` replaces ``(directory_id, active)``.

The console counts a directory's active users as its linked users minus the linked users with
``active = false`` (``service/directory_counts.py``). With ``linked`` in the index that count is
an index-only range over the inactive users, and its three equality columns make SQLite choose
it without statistics (it never ANALYZEs on its own; with ``(directory_id, active)`` it preferred
``(directory_id, linked, created, id)``, a scan of every linked user). ``active eq`` filters keep
the ``(directory_id, active)`` prefix.

Not online-safe: a plain ``CREATE INDEX`` blocks writes to ``users`` while it builds
(docs/deployment.md, "Migrations").

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_users_directory_id_active_linked"),
        "users",
        ["directory_id", "active", "linked"],
        unique=False,
    )
    op.drop_index(op.f("ix_users_directory_id_active"), table_name="users")


def downgrade() -> None:
    op.create_index(
        op.f("ix_users_directory_id_active"), "users", ["directory_id", "active"], unique=False
    )
    op.drop_index(op.f("ix_users_directory_id_active_linked"), table_name="users")
