"""Process settings, read once at the entry point (``create_app``, the CLI) and passed in.

Environment variables use the ``SCIMDIR_`` prefix (pydantic-settings). Nothing reads them at import.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///scimdir.db"


class Settings(BaseSettings):
    """Typed settings of one scimdir process."""

    model_config = SettingsConfigDict(env_prefix="SCIMDIR_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user:pw@host/db.",
    )
    public_url: str | None = Field(
        default=None,
        description="Public base URL of tenant URLs and meta.location (default: host and port).",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    max_page_size: int = Field(default=1000, ge=1, description="Largest `count` a list honours.")
    default_page_size: int = Field(default=100, ge=1)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_operations: int = Field(default=1000, ge=1, description="PATCH operations per request.")
    max_members_per_response: int = Field(
        default=100_000,
        ge=0,
        description="Largest group whose members a GET returns inline; larger groups must be "
        "read with excludedAttributes=members (their membership is paged via the filter API).",
    )
    log_retention_days: int = Field(default=30, ge=1)
    event_retention_days: int = Field(
        default=30,
        ge=1,
        description="Days the change feed keeps events; a consumer must read at least this "
        "often (docs/events.md).",
    )
    webhook_worker: bool = Field(
        default=False,
        description="Deliver webhooks from a thread of each server process (`make run` turns it "
        "on); otherwise run `scimdir worker` (docs/events.md).",
    )
    inline_reads: bool | None = Field(
        default=None,
        description="Serve GETs on the event loop instead of the thread pool. Default: on for "
        "SQLite (a read is a few hundred microseconds of local CPU), off for PostgreSQL (a "
        "network round trip must not stall the loop).",
    )
    db_pool_size: int = Field(default=5, ge=1)
    writer_lock_timeout: float = Field(
        default=30.0,
        gt=0,
        description="SQLite: seconds a write waits for the writer lock before the request gets "
        "503 with Retry-After (nothing written).",
    )

    def reads_inline(self) -> bool:
        """Whether GETs run on the event loop (see ``inline_reads``)."""
        if self.inline_reads is not None:
            return self.inline_reads
        return self.database_url.startswith("sqlite")

    def base_url(self) -> str:
        """The public base URL without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"
