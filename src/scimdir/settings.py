"""Process settings, read once at the entry point (``create_app``, the CLI) and passed in.

Environment variables use the ``SCIMDIR_`` prefix (pydantic-settings). Nothing reads them at import.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, SecretStr, field_validator
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
        description="Public base URL of tenant URLs and meta.location, with its scheme (e.g. "
        "https://scim.example.com; default: http://host:port).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are trusted for the client address ('*' trusts every peer).",
    )
    session_secret: str | None = Field(
        default=None,
        description="Key that signs admin console session cookies (default: one generated and "
        "stored in the database on first use, docs/console.md).",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    max_page_size: int = Field(default=1000, ge=1, description="Largest `count` a list honours.")
    default_page_size: int = Field(default=100, ge=1)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_operations: int = Field(default=1000, ge=1, description="PATCH operations per request.")
    bulk_max_operations: int = Field(
        default=1000,
        ge=1,
        description="Operations one /Bulk request may carry (published as maxOperations in "
        "/ServiceProviderConfig; more get 413). Capped at max_operations: authentik uses "
        "maxOperations as its PATCH chunk size.",
    )
    bulk_max_payload_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Bytes one /Bulk body may hold (published as maxPayloadSize; more get 413). "
        "Capped at max_body_bytes, the limit of every request body.",
    )
    max_values_per_attribute: int = Field(
        default=1000,
        ge=1,
        description="Values of one multi-valued attribute (emails, phoneNumbers...) in a request "
        "and in a stored resource grown by PATCH.",
    )
    max_members_per_request: int = Field(
        default=20_000, ge=1, description="Group members one POST, PUT or PATCH names in total."
    )
    max_filter_length: int = Field(default=10_000, ge=100, description="Characters of a filter.")
    max_filter_terms: int = Field(
        default=200,
        ge=1,
        le=500,
        description="Comparisons in one filter (SQLite refuses expressions deeper than 1,000).",
    )
    max_filter_multi_valued: int = Field(
        default=10,
        ge=1,
        le=50,
        description="Tests of multi-valued attributes (emails, groups, members) in one filter; "
        "each is a subquery.",
    )
    max_filter_depth: int = Field(
        default=16, ge=1, le=64, description="Nesting of parentheses and brackets in a filter."
    )
    max_members_per_response: int = Field(
        default=100_000,
        ge=0,
        description="Largest group whose members a GET returns inline; larger groups must be "
        "read with excludedAttributes=members (their membership is paged via the filter API).",
    )
    log_retention_days: int = Field(
        default=30, ge=1, description="Provisioning-log entries older than this are deleted."
    )
    log_max_rows_per_directory: int = Field(
        default=100_000,
        ge=100,
        description="Provisioning-log entries kept per directory; the oldest go first.",
    )
    log_enabled: bool = Field(
        default=True,
        description="Record the provisioning log (off only to measure its cost in benchmarks).",
    )
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
        description="Serve index-probe GETs (a lookup, a read by id) on the event loop instead "
        "of the thread pool. Default: on (SQLite: a read is a few hundred microseconds of local "
        "CPU; PostgreSQL: a read on the loop costs less CPU than the hop to a worker thread; "
        "how it waits for the server: `SCIMDIR_LOOP_READS_AWAIT`). Off: every GET hops to "
        "the thread pool.",
    )
    loop_reads_await: bool | None = Field(
        default=None,
        description="PostgreSQL: whether a read served on the event loop awaits the server "
        "there (the loop serves other requests during the round trip) instead of blocking the "
        "loop for it. Default: on for a server on another host (a network round trip must not "
        "stall the loop); for one on this host, on while the machine has a core to spare for "
        "it (fewer `SCIMDIR_WORKERS` than cores: the database works while the loop does), off "
        "once every core runs a worker (a loopback round trip is shorter than what awaiting "
        "costs in CPU then: docs/performance.md).",
    )
    workers: int = Field(
        default=1,
        ge=1,
        description="Worker processes serving requests; `scimdir serve --workers` sets it for "
        "its workers. Read by the `SCIMDIR_LOOP_READS_AWAIT` default.",
    )
    db_pool_size: int | None = Field(
        default=None,
        ge=1,
        description="Database connections each process keeps open. Default: one for every "
        "thread that can use the database at once (db_connections()), so no request opens one.",
    )
    db_max_overflow: int | None = Field(
        default=None,
        ge=0,
        description="Connections a process may open beyond db_pool_size under load. Default: "
        "enough for every thread that can use the database at once (db_connections()).",
    )
    db_pool_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a request waits for a free connection."
    )
    threads: int = Field(
        default=16,
        ge=1,
        description="Worker threads per process (writes, and reads on PostgreSQL, run there).",
    )
    max_in_flight: int = Field(
        default=64,
        ge=1,
        description="SCIM requests one process serves at once; more get 503 + Retry-After.",
    )
    request_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A SCIM request without a response after this long gets 503 + Retry-After.",
    )

    writer_lock_timeout: float = Field(
        default=30.0,
        gt=0,
        description="SQLite: seconds a write waits for the writer lock before the request gets "
        "503 with Retry-After (nothing written).",
    )
    metrics_max_directories: int = Field(
        default=100,
        ge=0,
        description="Directories per process that get their own label in "
        "scimdir_directory_requests_total; the others count as 'other'.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scrape of /metrics must send. Unset: /metrics "
        "answers only loopback clients that no proxy forwarded (scimdir.web.metrics).",
    )

    def db_connections(self) -> int:
        """Connections one process can need at once: every worker thread, the event loop
        (inline reads) and the provisioning log's writer thread."""
        return self.threads + 2

    def db_pool(self) -> int:
        """``db_pool_size``, or :meth:`db_connections`: connections kept open, never reopened
        per request (an overflow connection is closed when returned, so a pool smaller than
        the threads reconnects under load; docs/performance.md, "PostgreSQL round trips")."""
        return self.db_pool_size if self.db_pool_size is not None else self.db_connections()

    def db_overflow(self) -> int:
        """``db_max_overflow``, or what makes pool plus overflow cover :meth:`db_connections`."""
        if self.db_max_overflow is not None:
            return self.db_max_overflow
        return max(0, self.db_connections() - self.db_pool())

    @field_validator("public_url")
    @classmethod
    def _public_url_has_scheme(cls, value: str | None) -> str | None:
        """A public URL without ``http://`` or ``https://`` would make tenant URLs that an IdP
        cannot call (Entra refuses them in Test Connection): refuse it at start."""
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "must be an absolute http(s) URL with its scheme, such as "
                f"https://scim.example.com, not {value[:80]!r}"
            )
        return value.strip()

    def bulk_operations(self) -> int:
        """The ``/Bulk`` operation limit: ``bulk_max_operations``, never above the PATCH limit
        ``max_operations`` (authentik chunks its PATCH operations by the published
        ``bulk.maxOperations``, docs/idp/authentik.md §4)."""
        return min(self.bulk_max_operations, self.max_operations)

    def bulk_payload_bytes(self) -> int:
        """The ``/Bulk`` body limit: ``bulk_max_payload_bytes``, never above ``max_body_bytes``
        (no body larger than that is read at all)."""
        return min(self.bulk_max_payload_bytes, self.max_body_bytes)

    def reads_inline(self) -> bool:
        """Whether GETs run on the event loop (see ``inline_reads``)."""
        return self.inline_reads is not False

    def reads_await(self) -> bool:
        """Whether PostgreSQL reads on the event loop await the server (``loop_reads_await``)."""
        if self.loop_reads_await is not None:
            return self.loop_reads_await
        if _database_host(self.database_url) not in _LOCAL_HOSTS:
            return True
        return self.workers < (os.cpu_count() or 1)

    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (one writer: writes go to one dedicated thread)."""
        return self.database_url.startswith("sqlite")

    def base_url(self) -> str:
        """The public base URL without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


_LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def _database_host(url: str) -> str:
    """The host a database URL connects to; "" for a Unix socket (no host, or a ``host=``
    query parameter that is a directory)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        named = parse_qs(parts.query).get("host", [""])[0]
        host = "" if named.startswith("/") else named
    return host
