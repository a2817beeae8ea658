"""Migrations that docs/deployment.md calls online-safe do not block running servers' writes."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.storage import alembic_config

NEW_INDEX = "ix_memberships_directory_id_member_id_group_id"
OLD_INDEX = "ix_memberships_directory_id_member_id"


def _upgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


def _stamp(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.stamp(config, revision)
        conn.commit()


@pytest.fixture
def fresh_postgres(postgres_url: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (dropped afterwards)."""
    name = f"scimdir_online_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _seed(conn: Connection, directory: str) -> None:
    conn.execute(
        text(
            "INSERT INTO directories (id, name, idp, settings, created, updated) "
            "VALUES (:d, 'd', 'entra', '{}', now(), now())"
        ),
        {"d": directory},
    )
    conn.execute(
        text(
            "INSERT INTO groups (id, directory_id, display_name, display_name_norm, document, "
            "version, created, last_modified) VALUES ('g', :d, 'G', 'g', '{}', 1, now(), now())"
        ),
        {"d": directory},
    )


_ADD_MEMBER = text(
    "INSERT INTO memberships (directory_id, group_id, member_id, member_type) "
    "VALUES ('d1', 'g', :m, 'User')"
)


def _write_while_the_build_waits(engine: Engine) -> None:
    """Wait until the migration waits on a lock, then insert a membership from another server."""
    deadline = time.monotonic() + 10
    with engine.connect() as watch:
        while time.monotonic() < deadline:
            waiting = watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE query ILIKE '%INDEX%ix_memberships%' "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar()
            watch.commit()
            if waiting:
                break
            time.sleep(0.05)
        else:  # pragma: no cover - the build did not wait for the open transaction
            pytest.fail("the index build never waited for the open write transaction")
    with engine.connect() as writer:  # another server writes while the build waits
        writer.execute(text("SET lock_timeout = '2s'"))
        writer.execute(_ADD_MEMBER, {"m": "b"})
        writer.commit()


@pytest.mark.postgres
def test_0004_does_not_block_writes_while_it_waits(fresh_postgres: str) -> None:
    """While 0004 waits for an open write transaction, other servers' writes still go through."""
    engine = create_engine(fresh_postgres)
    try:
        _upgrade(engine, "0003")
        with engine.begin() as conn:
            _seed(conn, "d1")
        holder = engine.connect()  # a running server's long write transaction on memberships
        holder.execute(_ADD_MEMBER, {"m": "a"})
        failure: list[BaseException] = []

        def migrate() -> None:
            try:
                _upgrade(engine, "0004")
            except BaseException as exc:  # pragma: no cover - reported below
                failure.append(exc)

        migration = threading.Thread(target=migrate, daemon=True)
        migration.start()
        try:
            _write_while_the_build_waits(engine)
        finally:
            holder.commit()
            holder.close()
            migration.join(30)
        assert failure == []
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("memberships")}
        assert NEW_INDEX in indexes
        assert OLD_INDEX not in indexes
        with engine.connect() as conn:
            valid = conn.execute(
                text(
                    "SELECT indisvalid FROM pg_index JOIN pg_class "
                    "ON pg_class.oid = pg_index.indexrelid WHERE relname = :n"
                ),
                {"n": NEW_INDEX},
            ).scalar()
        assert valid is True
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_0004_completes_when_re_run_after_its_index_was_built(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A crash after the index build but before the version stamp is repaired by a re-run."""
    url = (
        request.getfixturevalue("fresh_postgres")
        if backend == "postgres"
        else f"sqlite:///{tmp_path / 'rerun.db'}"
    )
    storage = SqlStorage(url)
    try:
        _upgrade(storage.engine, "0004")
        _stamp(storage.engine, "0003")  # as if the process died before recording 0004
        storage.migrate()
        names = {i["name"] for i in inspect(storage.engine).get_indexes("memberships")}
        assert NEW_INDEX in names
        assert OLD_INDEX not in names
    finally:
        storage.dispose()
