"""Covering index for listing users: ``(directory_id, linked, created, id)``.

``GET /Users`` lists linked users in ``(created, id)`` order. With ``linked`` inside the index,
``totalResults`` is an index-only count and a deep ``startIndex`` skips index entries only
(``search.py`` pages ids first, then fetches the page's rows), instead of reading every row.

Not online-safe: a plain ``CREATE INDEX`` blocks writes to ``users`` while it builds
(docs/deployment.md, "Migrations").

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_users_directory_id_linked_created_id"),
        "users",
        ["directory_id", "linked", "created", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_users_directory_id_linked_created_id"), table_name="users")
