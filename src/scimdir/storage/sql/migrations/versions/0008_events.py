"""Events become a readable feed: a stable public id per event, the changed attribute names, and
an index for pruning by age, and webhook subscriptions with their delivery log (docs/events.md).

Existing rows get the id ``evt_<directory>_<seq>`` (unique, since ``(directory_id, seq)`` is the
primary key); new events get ``evt_`` and a random UUID. On SQLite the ``NOT NULL`` and the unique
constraint need a table rebuild (batch mode); on PostgreSQL they are ``ALTER TABLE`` statements.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import JsonText, UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("event_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("changed", JsonText(), nullable=True))
    op.execute(
        "UPDATE events SET event_id = 'evt_' || directory_id || '_' || CAST(seq AS VARCHAR(20))"
    )
    with op.batch_alter_table("events") as batch:
        batch.alter_column("event_id", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint(op.f("uq_events_event_id"), ["event_id"])
        batch.create_index(op.f("ix_events_created"), ["created"], unique=False)
    _create_webhook_tables()


def _create_webhook_tables() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("directory_id", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", JsonText(), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("failing_since", UtcDateTime(), nullable=True),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_webhook_subscriptions_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(
        op.f("ix_webhook_subscriptions_directory_id"), "webhook_subscriptions", ["directory_id"]
    )
    op.create_index(
        op.f("ix_webhook_subscriptions_enabled_next_attempt_at"),
        "webhook_subscriptions",
        ["enabled", "next_attempt_at"],
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_subscription_id_id"),
        "webhook_deliveries",
        ["subscription_id", "id"],
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    with op.batch_alter_table("events") as batch:
        batch.drop_index(op.f("ix_events_created"))
        batch.drop_constraint(op.f("uq_events_event_id"), type_="unique")
        batch.drop_column("changed")
        batch.drop_column("event_id")
