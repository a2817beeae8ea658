"""Filterable core attributes and partial indexes on ``users`` (docs/performance.md, "The users
table's indexes").

- ``users`` gains ``title``, ``user_type`` (RFC 7643 §4.1.1) and ``cost_center``,
  ``organization``, ``division`` (§4.3), in comparison form (casefolded, empty as NULL), each with
  a partial index ``(directory_id, col) WHERE col IS NOT NULL``;
- the indexes on ``employee_number``, ``department`` and ``manager_id`` become partial the same
  way (same names), so a user without those attributes writes no entry into them;
- ``user_values`` holds one row per ``phoneNumbers.value`` and ``addresses.country`` (casefolded),
  indexed by ``(directory_id, attribute, value_norm)``;
- existing rows are backfilled from their stored ``document`` JSON, in batches by primary key.

Online-safety (docs/deployment.md, "Migrations"): **drain**. Adding nullable columns and a table is
instant, and the index swaps are short (the new partial indexes start empty), but servers of the
previous release neither fill the new columns nor write ``user_values`` rows, so users they write
after the backfill would be missed by the new filters.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from scimdir.storage.sql.types import SortText

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# column -> (path in the document): a core attribute, or one under the enterprise URN.
_NEW_COLUMNS: dict[str, tuple[str | None, str]] = {
    "title": (None, "title"),
    "user_type": (None, "userType"),
    "cost_center": (_ENTERPRISE, "costCenter"),
    "organization": (_ENTERPRISE, "organization"),
    "division": (_ENTERPRISE, "division"),
}
_NOW_PARTIAL = ("employee_number", "department", "manager_id")
_VALUES = (("phoneNumbers", "value"), ("addresses", "country"))
_BATCH = 1000


def _partial(column: str) -> None:
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(
        op.f(f"ix_users_directory_id_{column}"),
        "users",
        ["directory_id", column],
        unique=False,
        sqlite_where=where,
        postgresql_where=where,
    )


def _full(column: str) -> None:
    op.create_index(op.f(f"ix_users_directory_id_{column}"), "users", ["directory_id", column])


def _drop(column: str) -> None:
    op.drop_index(op.f(f"ix_users_directory_id_{column}"), table_name="users")


def upgrade() -> None:
    for column in _NEW_COLUMNS:
        op.add_column("users", sa.Column(column, sa.Text(), nullable=True))
    op.create_table(
        "user_values",
        sa.Column("directory_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("attribute", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value_norm", SortText, nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id", "user_id"],
            ["users.directory_id", "users.id"],
            name=op.f("fk_user_values_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "directory_id", "user_id", "attribute", "position", name=op.f("pk_user_values")
        ),
    )
    _backfill()
    op.create_index(
        op.f("ix_user_values_directory_id_attribute_value_norm"),
        "user_values",
        ["directory_id", "attribute", "value_norm"],
    )
    for column in _NOW_PARTIAL:
        _drop(column)
        _partial(column)
    for column in _NEW_COLUMNS:
        _partial(column)


def downgrade() -> None:
    for column in _NEW_COLUMNS:
        _drop(column)
    for column in _NOW_PARTIAL:
        _drop(column)
        _full(column)
    op.drop_index(
        op.f("ix_user_values_directory_id_attribute_value_norm"), table_name="user_values"
    )
    op.drop_table("user_values")
    for column in _NEW_COLUMNS:
        op.drop_column("users", column)


def _folded(value: Any) -> str | None:
    return value.casefold() if isinstance(value, str) and value != "" else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def backfill_row(
    document: dict[str, Any],
) -> tuple[dict[str, str | None], list[tuple[str, int, str]]]:
    """The new columns and the ``(attribute, position, value_norm)`` value rows of one document.

    The same derivation as ``storage/sql/columns.py`` at this revision, copied so the migration
    keeps its meaning when that module changes.
    """
    columns: dict[str, str | None] = {}
    for column, (urn, name) in _NEW_COLUMNS.items():
        holder = _object(document.get(urn)) if urn else document
        columns[column] = _folded(holder.get(name))
    values: list[tuple[str, int, str]] = []
    for attribute, sub in _VALUES:
        items = document.get(attribute)
        if not isinstance(items, list):
            continue
        for position, item in enumerate(items):
            value = _folded(_object(item).get(sub))
            if value is not None:
                values.append((f"{attribute}.{sub}", position, value))
    return columns, values


def _documents(conn: sa.Connection) -> Iterator[Sequence[sa.Row[Any]]]:
    """The users' ``(directory_id, id, document)`` in primary-key batches."""
    last: tuple[str, str] | None = None
    while True:
        where = (
            "" if last is None else "WHERE (directory_id > :d OR (directory_id = :d AND id > :i))"
        )
        params = {} if last is None else {"d": last[0], "i": last[1]}
        rows = conn.execute(
            sa.text(
                f"SELECT directory_id, id, document FROM users {where} "
                f"ORDER BY directory_id, id LIMIT {_BATCH}"
            ),
            params,
        ).all()
        if not rows:
            return
        yield rows
        last = (rows[-1].directory_id, rows[-1].id)


def _backfill() -> None:
    conn = op.get_bind()
    set_columns = ", ".join(f"{c} = :{c}" for c in _NEW_COLUMNS)
    update = sa.text(f"UPDATE users SET {set_columns} WHERE directory_id = :d AND id = :i")
    insert = sa.text(
        "INSERT INTO user_values (directory_id, user_id, attribute, position, value_norm) "
        "VALUES (:d, :i, :a, :p, :v)"
    )
    for rows in _documents(conn):
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for row in rows:
            raw = row.document
            document = _object(json.loads(raw) if isinstance(raw, str | bytes) else raw)
            columns, values = backfill_row(document)
            if any(v is not None for v in columns.values()):
                updates.append({"d": row.directory_id, "i": row.id, **columns})
            inserts.extend(
                {"d": row.directory_id, "i": row.id, "a": a, "p": p, "v": v} for a, p, v in values
            )
        if updates:
            conn.execute(update, updates)
        if inserts:
            conn.execute(insert, inserts)
