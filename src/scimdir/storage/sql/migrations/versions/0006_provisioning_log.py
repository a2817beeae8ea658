"""The provisioning log that explains: ``provisioning_log`` replaces ``request_log``, and
``log_problems`` counts open problems.

New in each entry: category (request, auth failure, admin action), request id, subject
(userName/displayName), effect in words, failure kind with its explanation and fix, client
address and user agent, redacted bodies of failures. ``directory_id`` is nullable: a refused
request naming an unknown tenant is recorded without a directory. The id is 64-bit on
PostgreSQL. Existing rows are copied (new ids, same order); the old table is dropped.
docs/provisioning-log.md describes the columns.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import JsonText, UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COPIED = (
    "directory_id, method, path, status, scim_type, resource_type, resource_id, detail, "
    "quirks, duration_ms, created"
)


def upgrade() -> None:
    op.create_table(
        "provisioning_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("directory_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("scim_type", sa.String(length=32), nullable=True),
        sa.Column("resource_type", sa.String(length=32), nullable=True),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("effect", sa.Text(), nullable=True),
        sa.Column("problem", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("fix", sa.Text(), nullable=True),
        sa.Column("quirks", JsonText(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_provisioning_log_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_log")),
    )
    op.create_index(
        op.f("ix_provisioning_log_directory_id_id"),
        "provisioning_log",
        ["directory_id", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_provisioning_log_directory_id_created"),
        "provisioning_log",
        ["directory_id", "created"],
        unique=False,
    )
    op.create_index(
        op.f("ix_provisioning_log_created"), "provisioning_log", ["created"], unique=False
    )
    op.execute(
        f"INSERT INTO provisioning_log (category, {_COPIED}) "
        f"SELECT 'request', {_COPIED} FROM request_log ORDER BY id"
    )
    op.drop_index(op.f("ix_request_log_directory_id_id"), table_name="request_log")
    op.drop_table("request_log")

    op.create_table(
        "log_problems",
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("subject_key", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
        sa.Column("resolved", UtcDateTime(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("resource_type", sa.String(length=32), nullable=True),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("fix", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_log_problems_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "directory_id", "subject_key", "kind", name=op.f("pk_log_problems")
        ),
    )
    op.create_index(
        op.f("ix_log_problems_directory_id_resolved_last_seen"),
        "log_problems",
        ["directory_id", "resolved", "last_seen"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_log_problems_directory_id_resolved_last_seen"), table_name="log_problems"
    )
    op.drop_table("log_problems")
    op.create_table(
        "request_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("scim_type", sa.String(length=32), nullable=True),
        sa.Column("resource_type", sa.String(length=32), nullable=True),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("quirks", JsonText(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_request_log_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_log")),
    )
    op.create_index(
        op.f("ix_request_log_directory_id_id"), "request_log", ["directory_id", "id"], unique=False
    )
    op.execute(
        f"INSERT INTO request_log ({_COPIED}) SELECT {_COPIED} FROM provisioning_log "
        "WHERE directory_id IS NOT NULL AND category = 'request' ORDER BY id"
    )
    op.drop_index(op.f("ix_provisioning_log_created"), table_name="provisioning_log")
    op.drop_index(op.f("ix_provisioning_log_directory_id_created"), table_name="provisioning_log")
    op.drop_index(op.f("ix_provisioning_log_directory_id_id"), table_name="provisioning_log")
    op.drop_table("provisioning_log")
