"""The shipped Alembic migrations build exactly the schema ``tables.py`` declares."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from scimdir.storage import open_storage
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.tables import metadata


def _diff(storage: SqlStorage) -> list[object]:
    with storage.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_sqlite_schema_matches_metadata(sqlite_storage: SqlStorage) -> None:
    """On SQLite, autogenerate finds no difference between migrations and tables.py."""
    assert _diff(sqlite_storage) == []


@pytest.mark.postgres
def test_postgres_schema_matches_metadata(postgres_storage: SqlStorage) -> None:
    """On PostgreSQL, autogenerate finds no difference between migrations and tables.py."""
    assert _diff(postgres_storage) == []


def test_migrate_is_idempotent(sqlite_storage: SqlStorage) -> None:
    """Running migrate on an up-to-date database changes nothing."""
    sqlite_storage.migrate()
    with sqlite_storage.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert tables == {*metadata.tables, "alembic_version"}


@pytest.mark.postgres
def test_concurrent_migrate_is_safe(postgres_storage: SqlStorage, postgres_url: str) -> None:
    """Several processes migrating at once all succeed (advisory lock)."""
    failures: list[BaseException] = []

    def run() -> None:
        storage = SqlStorage(postgres_url, pool_size=1)
        try:
            storage.migrate()
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            storage.dispose()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_memory_url_works() -> None:
    """``sqlite://`` gives a working in-memory database shared across transactions."""
    storage = open_storage("sqlite://")
    storage.migrate()
    with storage.transaction() as tx:
        listed = tx.list_directories()
    storage.dispose()
    assert listed == []


@pytest.mark.postgres
def test_postgres_search_columns_compare_by_code_point(postgres_storage: SqlStorage) -> None:
    """On PostgreSQL the columns the admin's prefix search ranges over use the "C" collation."""
    query = text(
        "SELECT table_name || '.' || column_name, collation_name FROM information_schema.columns "
        "WHERE column_name IN ('user_name_norm', 'display_name_norm', 'value_norm') "
        "AND table_schema = current_schema() ORDER BY 1"
    )
    with postgres_storage.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    assert rows == [
        ("groups.display_name_norm", "C"),
        ("user_emails.value_norm", "C"),
        ("user_values.value_norm", "C"),
        ("users.display_name_norm", "C"),
        ("users.user_name_norm", "C"),
    ]
