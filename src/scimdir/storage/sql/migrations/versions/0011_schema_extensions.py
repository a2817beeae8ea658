"""Declared schema extensions and the index of their values.

``directories.schema_extensions``: the directory's declared extension schemas (JSON, NULL for
none; scimdir.scim.extensions). ``user_extension_values`` / ``group_extension_values``: one row
per value of a declared extension attribute, indexed by ``(directory_id, attribute, value)`` so
filters on extension attributes never scan (docs/extensions.md). Online-safe: a nullable column
and two new tables; no existing row is rewritten.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import JsonText, SortText, UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _values_table(name: str, parent: str, parent_column: str) -> None:
    op.create_table(
        name,
        sa.Column("directory_id", sa.String(64), nullable=False),
        sa.Column(parent_column, sa.String(64), nullable=False),
        sa.Column("attribute", sa.String(320), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_norm", SortText, nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.Column("time", UtcDateTime(), nullable=True),
        sa.Column("unique_key", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(
            "directory_id", parent_column, "attribute", "position", name=op.f(f"pk_{name}")
        ),
        sa.ForeignKeyConstraint(
            ["directory_id", parent_column],
            [f"{parent}.directory_id", f"{parent}.id"],
            name=op.f(f"fk_{name}_{parent}"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "directory_id",
            "attribute",
            "unique_key",
            name=op.f(f"uq_{name}_directory_id_attribute_unique_key"),
        ),
    )
    for column in ("text_norm", "number", "time"):
        op.create_index(
            op.f(f"ix_{name}_directory_id_attribute_{column}"),
            name,
            ["directory_id", "attribute", column],
        )


def upgrade() -> None:
    op.add_column("directories", sa.Column("schema_extensions", JsonText, nullable=True))
    _values_table("user_extension_values", "users", "user_id")
    _values_table("group_extension_values", "groups", "group_id")


def downgrade() -> None:
    op.drop_table("group_extension_values")
    op.drop_table("user_extension_values")
    with op.batch_alter_table("directories") as batch:
        batch.drop_column("schema_extensions")
