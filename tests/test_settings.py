"""Process settings."""

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
    the loop) and blocks the loop for a loopback round trip (cheaper in CPU when it is busy)."""
    assert Settings(database_url=url).reads_await() is awaiting
    assert Settings(database_url=url, loop_reads_await=not awaiting).reads_await() is not awaiting
