"""Events become a readable feed: a stable public id per event, the changed attribute names, and
an index for pruning by age (docs/events.md).

Existing rows get the id ``evt_<directory>_<seq>`` (unique, since ``(directory_id, seq)`` is the
primary key); new events get ``evt_`` and a random UUID. On SQLite the ``NOT NULL`` and the unique
constraint need a table rebuild (batch mode); on PostgreSQL they are ``ALTER TABLE`` statements.

Revision ID: 0009_events
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import JsonText

revision: str = "0009_events"
down_revision: str | None = "0004"
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


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index(op.f("ix_events_created"))
        batch.drop_constraint(op.f("uq_events_event_id"), type_="unique")
        batch.drop_column("changed")
        batch.drop_column("event_id")
