"""Database fixtures shared by every test suite that needs real storage.

- ``sqlite_storage``: a migrated SQLite database in a temporary file (fresh per test).
- ``postgres_storage``: the PostgreSQL database named by ``SCIMDIR_TEST_POSTGRES_URL``, migrated
  once per session. Without the variable, the database ``scimdir_test`` on a server answering on
  127.0.0.1:5432 (created if missing; see tests/postgres_discovery.py). Tests isolate themselves
  by creating directories with fresh random ids (port rule 2, tenancy) and never rely on global
  counts. Without either the tests are skipped with the reason, unless ``CI`` is set: then a
  missing database is a failure, not a silent skip.
- ``storage``: parametrized over both (the PostgreSQL case marked ``postgres``).
- ``new_directory``/``directory_id``: fresh directories in ``storage``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scimdir.service.ports import DirectoryRecord, Storage
from scimdir.storage.sql import SqlStorage
from tests.postgres_discovery import discover

POSTGRES_URL_ENV = "SCIMDIR_TEST_POSTGRES_URL"

# Every app a test starts prunes events and log entries past their retention period in every
# directory of its database as soon as it starts (service/event_retention.py, the log sink). The
# PostgreSQL test database is shared by every test of a run (xdist workers included), and tests
# date their rows at a fixed day (tests/storage/helpers.py ``T0``), so with the default 30 days an
# app starting in one test could delete another test's rows while it runs. Tests of retention
# itself pass their own period; every other app, and every server process a test spawns (they
# inherit the environment), keeps a century.
for _name in ("SCIMDIR_EVENT_RETENTION_DAYS", "SCIMDIR_LOG_RETENTION_DAYS"):
    os.environ.setdefault(_name, "36500")


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> Iterator[SqlStorage]:
    """A migrated SQLite database in a temporary file."""
    storage = SqlStorage(f"sqlite:///{tmp_path / 'scimdir.db'}")
    storage.migrate()
    yield storage
    storage.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL URL: the variable, else a local server; skips (fails on CI) without."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    found = discover()
    if found.url is None:
        reason = (
            f"{POSTGRES_URL_ENV} is not set and {found.reason}; start PostgreSQL there or export "
            "the variable, e.g. postgresql+psycopg://scimdir:scimdir@127.0.0.1:5432/scimdir_test"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}", pytrace=False)
        pytest.skip(reason)
    return found.url


@pytest.fixture(scope="session")
def postgres_storage(postgres_url: str) -> Iterator[SqlStorage]:
    """The PostgreSQL test database, migrated once per session."""
    storage = SqlStorage(postgres_url, pool_size=8)
    storage.migrate()
    yield storage
    storage.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request: pytest.FixtureRequest) -> Storage:
    """Real storage on each dialect."""
    backend: Storage = request.getfixturevalue(f"{request.param}_storage")
    return backend


@pytest.fixture
def new_directory(storage: Storage) -> Callable[[], str]:
    """A factory: each call creates a directory with a fresh random id and returns the id."""

    def create() -> str:
        directory_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        with storage.transaction() as tx:
            tx.insert_directory(DirectoryRecord(directory_id, "test", "entra", {}, now, now))
        return directory_id

    return create


@pytest.fixture
def directory_id(new_directory: Callable[[], str]) -> str:
    """A fresh, empty directory in ``storage``."""
    return new_directory()
