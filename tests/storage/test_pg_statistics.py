"""PostgreSQL statistics follow the tables' growth (``storage/sql/pg_statistics.py``): a table
that doubled since its last ANALYZE is analysed, and the prepared statements that read it are
planned again from the new statistics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text

from scimdir.storage.sql import SqlStorage, pg_wire
from scimdir.storage.sql.pg_statistics import LOCK, MIN_CHANGES, StatisticsKeeper
from tests.postgres_discovery import libpq_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine whose sessions work in a schema of their own with one table ``t`` (analysed
    at two rows), dropped afterwards: no other test sees it."""
    schema = f"stats_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(
        postgres_url, connect_args={"options": f"-csearch_path={schema}", **pg_wire.UNPREPARED}
    )
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id text PRIMARY KEY, n int)"))
        conn.execute(text("INSERT INTO t VALUES ('a', 1), ('b', 2)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE t"))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _grow(engine: Engine, rows: int, prefix: str = "k") -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO t SELECT :p || i, i FROM generate_series(1, :n) i"),
            {"p": prefix, "n": rows},
        )


def _wait_for_counts(engine: Engine) -> None:
    """PostgreSQL publishes a transaction's row counts to the statistics views at its end, in
    this session after pg_stat_force_next_flush() (15+) or within a second."""
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version_num")).scalar_one()
        if int(version) >= 150000:
            conn.execute(text("SELECT pg_stat_force_next_flush()"))
        else:  # pragma: no cover - the CI server is 15
            conn.execute(text("SELECT pg_sleep(1)"))


def _analysed_rows(engine: Engine) -> float:
    with engine.connect() as conn:
        return float(
            conn.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = 't'::regclass")
            ).scalar_one()
        )


def test_a_table_that_doubled_is_analysed_and_one_that_did_not_is_not(
    schema_engine: Engine,
) -> None:
    keeper = StatisticsKeeper(schema_engine)
    _grow(schema_engine, MIN_CHANGES - 10)  # past its size, under the floor
    _wait_for_counts(schema_engine)
    assert keeper.check() == []
    _grow(schema_engine, 20, prefix="more")  # now past the floor too
    _wait_for_counts(schema_engine)
    assert keeper.check() == ["t"]
    assert _analysed_rows(schema_engine) == MIN_CHANGES + 12
    assert keeper.check() == []  # nothing changed since


def test_another_process_holding_the_turn_skips_it(
    schema_engine: Engine, postgres_url: str
) -> None:
    _grow(schema_engine, MIN_CHANGES * 2)
    _wait_for_counts(schema_engine)
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (LOCK,))
        assert StatisticsKeeper(schema_engine).check() == []
        other.execute("SELECT pg_advisory_unlock(%s)", (LOCK,))
    assert StatisticsKeeper(schema_engine).check() == ["t"]


def _plan(driver: Any, name: str) -> str:
    rows = driver.execute(f"EXPLAIN EXECUTE {name}('k7')").fetchall()
    return "\n".join(row[0] for row in rows)


def test_a_stale_generic_plan_is_replaced_after_the_tables_analysis(
    schema_engine: Engine,
) -> None:
    """A generic plan made at two rows (a sequential scan) keeps serving the grown table until
    statistics change; the keeper's ANALYZE invalidates it and the same prepared statement is
    planned again (an index probe)."""
    raw = schema_engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        driver.autocommit = True
        driver.execute("SET plan_cache_mode = force_generic_plan")  # PostgreSQL's choice, made sure
        select_n = b"SELECT n FROM t WHERE id = $1"
        for _ in range(2):
            pg_wire.execute(driver, select_n, ("a",), fetch=True)
        (name,) = [row[0] for row in driver.execute("SELECT name FROM pg_prepared_statements")]
        assert "Seq Scan" in _plan(driver, name)
        _grow(schema_engine, 20_000)
        _wait_for_counts(schema_engine)
        assert "Seq Scan" in _plan(driver, name)  # no ANALYZE: the old plan stays
        assert StatisticsKeeper(schema_engine).check() == ["t"]
        assert "Index" in _plan(driver, name)
        assert pg_wire.execute(driver, select_n, ("k7",), fetch=True)[1] == [(7,)]
    finally:
        raw.close()


def test_a_postgres_server_runs_the_keeper_in_the_background(postgres_url: str) -> None:
    storage = SqlStorage(postgres_url, pool_size=1)
    try:
        storage.start_background()
        assert storage._statistics is not None and storage._statistics.running
        storage.stop_background()
        assert not storage._statistics.running
    finally:
        storage.dispose()
