"""Admin console accounts, one-time sign-in links and the console's stored secret.

``admins``: console accounts (e-mail unique, argon2 password hash, created, last sign-in).
``admin_tokens``: one-time sign-in links, stored as SHA-256 hashes with an expiry and the time
they were used (a link works once). ``console_secrets``: named secrets the console generates per
database (the session-cookie signing key when ``SCIMDIR_SESSION_SECRET`` is not set), so every
worker and every restart signs with the same key. See docs/console.md.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admins",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("last_login", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admins")),
        sa.UniqueConstraint("email", name=op.f("uq_admins_email")),
    )
    op.create_table(
        "admin_tokens",
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("expires", UtcDateTime(), nullable=False),
        sa.Column("used", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_admin_tokens")),
    )
    op.create_table(
        "console_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_console_secrets")),
    )


def downgrade() -> None:
    op.drop_table("console_secrets")
    op.drop_table("admin_tokens")
    op.drop_table("admins")
