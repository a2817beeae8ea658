"""Alembic environment, run only from :meth:`scimdir.storage.sql.storage.SqlStorage.migrate`.

The caller passes an open connection in ``config.attributes["connection"]`` (Alembic cookbook,
"Sharing a Connection across one or more programmatic migration commands"). On SQLite it is inside
the caller's transaction, and every migration runs in it. On PostgreSQL it is outside any
transaction (under the caller's session advisory lock): each migration runs in its own
transaction, so that one may leave it with ``autocommit_block()`` to build an index
``CONCURRENTLY`` without blocking writers. Offline (SQL script) mode is not supported.
"""

from __future__ import annotations

from alembic import context

from scimdir.storage.sql.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "scimdir migrations run through `scimdir migrate` (SqlStorage.migrate), "
        "which passes a database connection; the alembic command line is not supported."
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    transaction_per_migration=connection.dialect.name == "postgresql",
)
with context.begin_transaction():
    context.run_migrations()
