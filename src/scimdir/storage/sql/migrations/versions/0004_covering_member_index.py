"""Covering index for "groups of a member": ``memberships(directory_id, member_id, group_id)``.

Entra's membership check (``id eq "G" and members[value eq "U"]``) and a user's ``groups`` read
the groups of one member. With the old ``(directory_id, member_id)`` index and no planner
statistics (SQLite never runs ANALYZE by itself, so a database grown through SCIM has none),
SQLite chose the covering primary key and scanned every membership of the directory: 13.7 ms at
100,000 members instead of 2.6 ms at 10 (docs/performance.md). With ``group_id`` in the index the
probe is covering too and wins whatever the statistics.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_memberships_directory_id_member_id"), table_name="memberships")
    op.create_index(
        op.f("ix_memberships_directory_id_member_id_group_id"),
        "memberships",
        ["directory_id", "member_id", "group_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_memberships_directory_id_member_id_group_id"), table_name="memberships")
    op.create_index(
        op.f("ix_memberships_directory_id_member_id"),
        "memberships",
        ["directory_id", "member_id"],
        unique=False,
    )
