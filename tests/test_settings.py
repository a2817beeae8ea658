"""Process settings."""

from scimdir.settings import Settings


def test_reads_run_inline_by_default_only_on_sqlite() -> None:
    """GETs run on the event loop for SQLite, in the thread pool for PostgreSQL, unless set."""
    assert Settings(database_url="sqlite:///x.db", inline_reads=None).reads_inline() is True
    assert (
        Settings(database_url="postgresql+psycopg://u@h/db", inline_reads=None).reads_inline()
        is False
    )
    assert Settings(database_url="sqlite:///x.db", inline_reads=False).reads_inline() is False


def test_base_url_defaults_to_host_and_port() -> None:
    """Without SCIMDIR_PUBLIC_URL, tenant URLs use the bound host and port."""
    local = Settings(host="127.0.0.1", port=8123, public_url=None)
    assert local.base_url() == "http://127.0.0.1:8123"
    assert Settings(public_url="https://scim.example.com/").base_url() == "https://scim.example.com"
