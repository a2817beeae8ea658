"""The suite finds a local PostgreSQL by itself, as the Makefile says."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from tests.postgres_discovery import DEFAULT_HOST, DEFAULT_PORT, discover, libpq_url


def _server_answers() -> bool:
    try:
        with socket.create_connection((DEFAULT_HOST, DEFAULT_PORT), timeout=1):
            return True
    except OSError:
        return False


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind((DEFAULT_HOST, 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def test_no_server_gives_no_url_and_a_reason_naming_the_address() -> None:
    """Without a server on the address, discovery returns no URL and says where it looked."""
    port = _closed_port()
    found = discover(port=port)
    assert found.url is None
    assert f"no usable PostgreSQL on {DEFAULT_HOST}:{port}" in found.reason


@pytest.fixture
def fresh_name() -> Iterator[str]:
    """A database name no one uses; dropped afterwards."""
    if not _server_answers():
        pytest.skip(f"no PostgreSQL answers on {DEFAULT_HOST}:{DEFAULT_PORT}")
    usable = discover(database="postgres")  # exists everywhere: probes the logins only
    if usable.url is None:
        pytest.skip(usable.reason)
    name = f"scimdir_discovery_{uuid.uuid4().hex[:12]}"
    yield name
    found = discover(database=name)
    assert found.url is not None
    admin = libpq_url(found.url).rsplit("/", 1)[0]
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.mark.postgres
def test_a_local_server_is_used_and_the_database_created(fresh_name: str) -> None:
    """With a server on 127.0.0.1:5432, the test database is created and its URL returned."""
    found = discover(database=fresh_name)
    assert found.url is not None
    assert found.url.endswith(f"@{DEFAULT_HOST}:{DEFAULT_PORT}/{fresh_name}")
    with psycopg.connect(libpq_url(found.url)) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (fresh_name,)


@pytest.mark.postgres
def test_concurrent_discoveries_tolerate_each_other(fresh_name: str) -> None:
    """Several workers creating the same database at once all get its URL (xdist runs them)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda _: discover(database=fresh_name), range(4)))
    assert {f.url for f in found} == {found[0].url}
    assert found[0].url is not None
