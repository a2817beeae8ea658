"""Initial schema: directories, secrets, users (+ e-mails), groups, memberships, outbox, log.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-29 02:15:33.806990
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import JsonText, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "directories",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("idp", sa.String(length=64), nullable=False),
        sa.Column("settings", JsonText(), nullable=False),
        sa.Column("event_seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("updated", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directories")),
    )
    op.create_table(
        "events",
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("data", JsonText(), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_events_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("directory_id", "seq", name=op.f("pk_events")),
    )
    op.create_table(
        "groups",
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("display_name_norm", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("document", JsonText(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("last_modified", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_groups_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("directory_id", "id", name=op.f("pk_groups")),
        sa.UniqueConstraint(
            "directory_id",
            "display_name_norm",
            name=op.f("uq_groups_directory_id_display_name_norm"),
        ),
    )
    op.create_index(
        op.f("ix_groups_directory_id_created_id"),
        "groups",
        ["directory_id", "created", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_groups_directory_id_external_id"),
        "groups",
        ["directory_id", "external_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_groups_directory_id_last_modified"),
        "groups",
        ["directory_id", "last_modified"],
        unique=False,
    )

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

    op.create_table(
        "secrets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("expires", UtcDateTime(), nullable=True),
        sa.Column("revoked", UtcDateTime(), nullable=True),
        sa.Column("last_used", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_secrets_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secrets")),
    )
    op.create_index(op.f("ix_secrets_directory_id"), "secrets", ["directory_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("user_name_norm", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("display_name_norm", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("given_name", sa.Text(), nullable=True),
        sa.Column("family_name", sa.Text(), nullable=True),
        sa.Column("employee_number", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("manager_id", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("document", JsonText(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("last_modified", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_users_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("directory_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "directory_id", "user_name_norm", name=op.f("uq_users_directory_id_user_name_norm")
        ),
    )
    op.create_index(
        op.f("ix_users_directory_id_active"), "users", ["directory_id", "active"], unique=False
    )
    op.create_index(
        op.f("ix_users_directory_id_created_id"),
        "users",
        ["directory_id", "created", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_department"),
        "users",
        ["directory_id", "department"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_display_name_norm"),
        "users",
        ["directory_id", "display_name_norm"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_employee_number"),
        "users",
        ["directory_id", "employee_number"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_external_id"),
        "users",
        ["directory_id", "external_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_family_name"),
        "users",
        ["directory_id", "family_name"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_given_name"),
        "users",
        ["directory_id", "given_name"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_last_modified"),
        "users",
        ["directory_id", "last_modified"],
        unique=False,
    )
    op.create_index(
        op.f("ix_users_directory_id_manager_id"),
        "users",
        ["directory_id", "manager_id"],
        unique=False,
    )

    op.create_table(
        "memberships",
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("member_type", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id", "group_id"],
            ["groups.directory_id", "groups.id"],
            name=op.f("fk_memberships_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "directory_id", "group_id", "member_id", name=op.f("pk_memberships")
        ),
    )
    op.create_index(
        op.f("ix_memberships_directory_id_member_id"),
        "memberships",
        ["directory_id", "member_id"],
        unique=False,
    )

    op.create_table(
        "user_emails",
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("value_norm", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id", "user_id"],
            ["users.directory_id", "users.id"],
            name=op.f("fk_user_emails_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("directory_id", "user_id", "position", name=op.f("pk_user_emails")),
    )
    op.create_index(
        op.f("ix_user_emails_directory_id_value_norm"),
        "user_emails",
        ["directory_id", "value_norm"],
        unique=False,
    )


def downgrade() -> None:

    op.drop_index(op.f("ix_user_emails_directory_id_value_norm"), table_name="user_emails")

    op.drop_table("user_emails")
    op.drop_index(op.f("ix_memberships_directory_id_member_id"), table_name="memberships")

    op.drop_table("memberships")
    op.drop_index(op.f("ix_users_directory_id_manager_id"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_last_modified"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_given_name"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_family_name"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_external_id"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_employee_number"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_display_name_norm"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_department"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_created_id"), table_name="users")
    op.drop_index(op.f("ix_users_directory_id_active"), table_name="users")

    op.drop_table("users")
    op.drop_index(op.f("ix_secrets_directory_id"), table_name="secrets")

    op.drop_table("secrets")
    op.drop_index(op.f("ix_request_log_directory_id_id"), table_name="request_log")

    op.drop_table("request_log")
    op.drop_index(op.f("ix_groups_directory_id_last_modified"), table_name="groups")
    op.drop_index(op.f("ix_groups_directory_id_external_id"), table_name="groups")
    op.drop_index(op.f("ix_groups_directory_id_created_id"), table_name="groups")

    op.drop_table("groups")
    op.drop_table("events")
    op.drop_table("directories")
