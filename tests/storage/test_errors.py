"""Driver errors are translated completely (scimdir.storage.sql.errors)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from scimdir.service.ports import StorageError, UniquenessViolation
from scimdir.storage.sql import errors
from scimdir.storage.sql.tables import metadata


def _unique_constraints() -> list[tuple[str, str]]:
    return sorted(  # sorted: pytest-xdist workers must collect the same order
        (str(c.name), f"{table.name}.{c.columns.keys()[-1]}")
        for table in metadata.sorted_tables
        for c in table.constraints
        if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)
    )


@pytest.mark.parametrize(("name", "column"), _unique_constraints())
def test_every_unique_constraint_is_mapped_on_both_dialects(name: str, column: str) -> None:
    """Every unique or primary key constraint has a field for PostgreSQL and SQLite."""
    sqlite_message = f"UNIQUE constraint failed: {column}"
    sqlite_error = IntegrityError("INSERT", {}, sqlite3.IntegrityError(sqlite_message))
    assert (name in errors.UNIQUE_FIELDS, errors.field_of(sqlite_error)) == (
        True,
        errors.UNIQUE_FIELDS[name],
    )


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("UNIQUE constraint failed: users.directory_id, users.user_name_norm", "userName"),
        ("UNIQUE constraint failed: groups.directory_id, groups.display_name_norm", "displayName"),
        ("UNIQUE constraint failed: users.directory_id, users.id", "id"),
    ],
)
def test_sqlite_unique_violation(message: str, field: str) -> None:
    """SQLite unique violations become UniquenessViolation naming the SCIM attribute."""
    exc = errors.translate(IntegrityError("INSERT", {}, sqlite3.IntegrityError(message)))
    assert (type(exc), getattr(exc, "field", None)) == (UniquenessViolation, field)


def test_foreign_key_violation_is_storage_error() -> None:
    """A foreign-key violation is a plain StorageError whose message hides the SQL."""
    driver = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
    exc = errors.translate(IntegrityError("INSERT INTO users", {}, driver))
    assert (type(exc), "INSERT" in str(exc), "users" in str(exc)) == (StorageError, False, False)


def test_translating_chains_the_driver_error() -> None:
    """translating() re-raises with the driver error as __cause__."""
    original = IntegrityError("X", {}, sqlite3.IntegrityError("NOT NULL constraint failed: x"))
    with pytest.raises(StorageError) as caught, errors.translating():
        raise original
    assert caught.value.__cause__ is original
