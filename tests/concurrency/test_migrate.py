"""``scimdir migrate`` is safe while others run: concurrent migrations of a fresh PostgreSQL
database all succeed and leave one schema at the head revision.

``SqlStorage.migrate`` takes ``pg_advisory_xact_lock`` before Alembic looks at
``alembic_version``, so the second migration waits, then finds the schema current and does
nothing (PostgreSQL docs, "Advisory Locks").
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scimdir.storage.sql.storage import alembic_config
from tests.real_servers import SCIMDIR, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (dropped afterwards)."""
    name = f"scimdir_migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_migrate_processes(fresh_database: str) -> None:
    """Three `scimdir migrate` processes at once on an empty database all exit 0, one head."""
    processes = [
        subprocess.Popen(
            [*SCIMDIR, "migrate"],
            env=server_env(fresh_database),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = create_engine(fresh_database)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert versions == [head]
