"""Covering index for "groups of a member": ``memberships(directory_id, member_id, group_id)``.

Entra's membership check (``id eq "G" and members[value eq "U"]``) and a user's ``groups`` read
the groups of one member. With the old ``(directory_id, member_id)`` index and no planner
statistics (SQLite never runs ANALYZE by itself, so a database grown through SCIM has none),
SQLite chose the covering primary key and scanned every membership of the directory: 13.7 ms at
100,000 members instead of 2.6 ms at 10 (docs/performance.md). With ``group_id`` in the index the
probe is covering too and wins whatever the statistics.

Online-safe (docs/deployment.md, "Migrations"): on PostgreSQL the new index is built
``CONCURRENTLY`` (outside a transaction, without blocking the writes of running servers; see
PostgreSQL's docs, "Building Indexes Concurrently") before the old one is dropped
``CONCURRENTLY``, so membership probes always have an index. Every step is idempotent
(``IF [NOT] EXISTS``), and an invalid index left by an interrupted concurrent build is dropped
and rebuilt, so a re-run after a crash completes the migration.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW = "ix_memberships_directory_id_member_id_group_id"
_OLD = "ix_memberships_directory_id_member_id"


def _swap(create: str, columns: list[str], drop: str) -> None:
    """Create index ``create`` on ``columns`` and then drop index ``drop``, online on PostgreSQL."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.create_index(op.f(create), "memberships", columns, unique=False, if_not_exists=True)
        op.drop_index(op.f(drop), table_name="memberships", if_exists=True)
        return
    with op.get_context().autocommit_block():
        invalid = op.get_bind().execute(
            sa.text(
                "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
                "WHERE pg_class.relname = :name AND NOT pg_index.indisvalid"
            ),
            {"name": create},
        )
        if invalid.first() is not None:  # left by an interrupted concurrent build
            op.drop_index(
                op.f(create), table_name="memberships", postgresql_concurrently=True, if_exists=True
            )
        op.create_index(
            op.f(create),
            "memberships",
            columns,
            unique=False,
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        op.drop_index(
            op.f(drop), table_name="memberships", postgresql_concurrently=True, if_exists=True
        )


def upgrade() -> None:
    _swap(_NEW, ["directory_id", "member_id", "group_id"], _OLD)


def downgrade() -> None:
    _swap(_OLD, ["directory_id", "member_id"], _NEW)
