"""API keys of the management API, and code-point order for the comparison columns on PostgreSQL.

``api_keys``: hashed keys with a name, a role (``admin``, or ``reader`` bound to one directory,
which the check constraint enforces), created, last used and revoked times; a reader key goes
with its directory (cascade).

The comparison forms that the admin's search matches by prefix and pages by key
(``users.user_name_norm``, ``users.display_name_norm``, ``user_emails.value_norm``,
``groups.display_name_norm``) take the ``"C"`` collation on PostgreSQL, so a prefix is exactly a
key range of their existing indexes whatever the database's locale (``storage/sql/types.py``,
``SortText``). PostgreSQL rebuilds the indexes on these columns, which takes a lock on the tables
for the time of the rebuild (9.3 s at 1,000,000 users, docs/deployment.md). SQLite already
compares by code point.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORT_COLUMNS = (
    ("users", "user_name_norm"),
    ("users", "display_name_norm"),
    ("user_emails", "value_norm"),
    ("groups", "display_name_norm"),
)


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _SORT_COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE text COLLATE "{collation}"')


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("directory_id", sa.String(64), nullable=True),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("last_used", UtcDateTime(), nullable=True),
        sa.Column("revoked", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "(role = 'admin' AND directory_id IS NULL) OR "
            "(role = 'reader' AND directory_id IS NOT NULL)",
            name="ck_api_keys_role_scope",
        ),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_api_keys_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_directory_id"), "api_keys", ["directory_id"], unique=False)
    _collate("C")


def downgrade() -> None:
    _collate("default")
    op.drop_index(op.f("ix_api_keys_directory_id"), table_name="api_keys")
    op.drop_table("api_keys")
