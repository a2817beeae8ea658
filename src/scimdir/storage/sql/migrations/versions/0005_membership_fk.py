"""A user membership must point at a user: ``memberships.user_id`` with a foreign key to ``users``.

Until now the service checked that a member exists and then inserted the row: a user DELETE
committing in between left a membership pointing at a deleted user. The new column repeats
``member_id`` for user members (NULL for group members, which a composite foreign key skips), and
``(directory_id, user_id) -> users`` with ``ON DELETE CASCADE`` makes the database refuse such a
row and delete a user's memberships with the user, whoever deletes it. A check constraint keeps
the column equal to ``member_id`` for users and NULL for groups.

The upgrade first deletes membership rows whose member no longer exists (the orphans this fixes),
then backfills the column. On SQLite the constraint needs a table rebuild (batch mode); on
PostgreSQL it is an ``ALTER TABLE``. Both take the memberships table's write lock for the time of
the backfill (about a second per million rows).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECK = (
    "(member_type = 'User' AND user_id IS NOT NULL AND user_id = member_id) "
    "OR (member_type = 'Group' AND user_id IS NULL)"
)


def upgrade() -> None:
    op.execute(
        "DELETE FROM memberships WHERE member_type = 'User' AND NOT EXISTS (SELECT 1 FROM users "
        "WHERE users.directory_id = memberships.directory_id AND users.id = memberships.member_id)"
    )
    op.execute(
        "DELETE FROM memberships WHERE member_type = 'Group' AND NOT EXISTS (SELECT 1 FROM groups "
        "WHERE groups.directory_id = memberships.directory_id "
        "AND groups.id = memberships.member_id)"
    )
    # A plain ADD COLUMN on both dialects (SQLite allows it for a nullable column), so that the
    # backfill runs before the constraints exist.
    op.add_column("memberships", sa.Column("user_id", sa.String(length=64), nullable=True))
    op.execute("UPDATE memberships SET user_id = member_id WHERE member_type = 'User'")
    with op.batch_alter_table("memberships") as batch:
        batch.create_foreign_key(
            op.f("fk_memberships_users"),
            "users",
            ["directory_id", "user_id"],
            ["directory_id", "id"],
            ondelete="CASCADE",
        )
        batch.create_check_constraint("ck_memberships_user_id", _CHECK)
    op.create_index(
        op.f("ix_memberships_directory_id_user_id"),
        "memberships",
        ["directory_id", "user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_memberships_directory_id_user_id"), table_name="memberships")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_constraint("ck_memberships_user_id", type_="check")
        batch.drop_constraint(op.f("fk_memberships_users"), type_="foreignkey")
        batch.drop_column("user_id")
