"""Process settings."""

import pytest

from scimdir.settings import Settings


@pytest.mark.parametrize(
    ("url", "inline"),
    [
        ("sqlite:///x.db", True),
        ("postgresql+psycopg://u@127.0.0.1:5432/db", True),
        ("postgresql+psycopg://u@localhost/db", True),
        ("postgresql+psycopg://u@[::1]:5432/db", True),
        ("postgresql+psycopg:///db", True),  # a Unix socket
        ("postgresql+psycopg://u@/db?host=/var/run/postgresql", True),
        ("postgresql+psycopg://u@db.internal:5432/db", False),
        ("postgresql+psycopg://u@10.0.0.7/db", False),
        ("postgresql+psycopg://u@/db?host=db.internal", False),
    ],
)
def test_reads_run_inline_by_default_on_sqlite_and_a_local_postgresql(
    url: str, inline: bool
) -> None:
    """Index-probe GETs run on the event loop for SQLite and a PostgreSQL server on this host,
    in the thread pool for a PostgreSQL server across a network."""
    assert Settings(database_url=url, inline_reads=None).reads_inline() is inline


def test_the_inline_reads_setting_overrides_the_default() -> None:
    assert Settings(database_url="sqlite:///x.db", inline_reads=False).reads_inline() is False
    remote = "postgresql+psycopg://u@db.internal/db"
    assert Settings(database_url=remote, inline_reads=True).reads_inline() is True


def test_base_url_defaults_to_host_and_port() -> None:
    """Without SCIMDIR_PUBLIC_URL, tenant URLs use the bound host and port."""
    local = Settings(host="127.0.0.1", port=8123, public_url=None)
    assert local.base_url() == "http://127.0.0.1:8123"
    assert Settings(public_url="https://scim.example.com/").base_url() == "https://scim.example.com"
