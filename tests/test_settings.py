"""Process settings."""

import os

import pytest

from scimdir.settings import Settings


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///x.db",
        "postgresql+psycopg://u@127.0.0.1:5432/db",
        "postgresql+psycopg:///db",  # a Unix socket
        "postgresql+psycopg://u@db.internal:5432/db",
        "postgresql+psycopg://u@/db?host=db.internal",
    ],
)
def test_reads_run_inline_by_default_on_every_database(url: str) -> None:
    """Index-probe GETs run on the event loop by default: on SQLite a read is local CPU; on
    PostgreSQL, near or across a network, a read waits for the server without blocking the loop
    (``scimdir/greenlet_bridge.py``)."""
    assert Settings(database_url=url, inline_reads=None).reads_inline() is True


def test_the_inline_reads_setting_overrides_the_default() -> None:
    assert Settings(database_url="sqlite:///x.db", inline_reads=False).reads_inline() is False
    remote = "postgresql+psycopg://u@db.internal/db"
    assert Settings(database_url=remote, inline_reads=False).reads_inline() is False


def test_base_url_defaults_to_host_and_port() -> None:
    """Without SCIMDIR_PUBLIC_URL, tenant URLs use the bound host and port."""
    local = Settings(host="127.0.0.1", port=8123, public_url=None)
    assert local.base_url() == "http://127.0.0.1:8123"
    assert Settings(public_url="https://scim.example.com/").base_url() == "https://scim.example.com"


@pytest.mark.parametrize(
    ("url", "awaiting"),
    [
        ("postgresql+psycopg://u@127.0.0.1:5432/db", False),
        ("postgresql+psycopg://u@localhost/db", False),
        ("postgresql+psycopg://u@[::1]:5432/db", False),
        ("postgresql+psycopg:///db", False),  # a Unix socket
        ("postgresql+psycopg://u@/db?host=/var/run/postgresql", False),
        ("postgresql+psycopg://u@db.internal:5432/db", True),
        ("postgresql+psycopg://u@10.0.0.7/db", True),
        ("postgresql+psycopg://u@/db?host=db.internal", True),
    ],
)
def test_loop_reads_await_a_server_on_another_host_by_default(url: str, awaiting: bool) -> None:
    """A read on the event loop awaits PostgreSQL across a network (a round trip must not stall
    the loop) and, once every core runs a worker, blocks the loop for a loopback round trip
    (cheaper in CPU when the cores are busy); the setting overrides both."""
    cores = os.cpu_count() or 1
    assert Settings(database_url=url, workers=cores).reads_await() is awaiting
    forced = Settings(database_url=url, workers=cores, loop_reads_await=not awaiting)
    assert forced.reads_await() is not awaiting


@pytest.mark.parametrize(
    "local", ["postgresql+psycopg://u@127.0.0.1/db", "postgresql+psycopg:///db"]
)
def test_loop_reads_await_a_local_server_while_a_core_is_free(
    local: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On this host, fewer workers than cores await (the database works on a free core while
    the loop serves); as many as the cores block; ``scimdir serve --workers`` sets the count."""
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert [Settings(database_url=local, workers=n).reads_await() for n in (1, 3, 4, 8)] == [
        True,
        True,
        False,
        False,
    ]
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown: one core, nothing to spare
    assert Settings(database_url=local).reads_await() is False
