"""Per-directory list counters: ``user_count``, ``group_count`` and their generations.

``GET /Users`` and ``GET /Groups`` without a filter read ``totalResults`` from the directory row
instead of counting index entries (constant cost at 1,000,000 users); the generations let
``search.py`` page by keyset under the hood while keeping offset semantics exactly. Every storage
write that changes the linked users or the groups keeps them in the same transaction.

The upgrade backfills the counters from the rows, in the migration's transaction. Writes made
after it by servers still running the previous release do not maintain them: stop (or drain)
the previous release's servers before running this migration (docs/deployment.md).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("directories") as batch:
        batch.add_column(sa.Column("user_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("group_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("user_generation", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("group_generation", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE directories SET "
        "user_count = (SELECT count(*) FROM users WHERE users.directory_id = directories.id "
        "AND users.linked), "
        "group_count = (SELECT count(*) FROM groups WHERE groups.directory_id = directories.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("directories") as batch:
        for name in ("group_generation", "user_generation", "group_count", "user_count"):
            batch.drop_column(name)
