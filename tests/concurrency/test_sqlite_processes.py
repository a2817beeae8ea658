"""The uniqueness race on SQLite across server processes sharing one database file.

SQLite serialises writers (``BEGIN IMMEDIATE``, WAL, busy timeout; see
``scimdir.storage.sql.storage``), and the unique index on ``(directory_id, user_name_norm)`` makes
the loser's insert a no-op that becomes 409 ``uniqueness`` (RFC 7643 §4.1.1, port rule 3).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from scimdir.composition import build_services
from scimdir.service.ports import SearchQuery
from scimdir.settings import Settings
from tests.real_servers import running_servers

from .conftest import SERVERS, Tenant, race, user_body

pytestmark = pytest.mark.slow


def test_same_user_name_created_once_on_sqlite(tmp_path: Path, http: httpx.Client) -> None:
    """Racing POSTs of one userName over three SQLite processes: one 201, the rest 409."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    services = build_services(Settings(database_url=url))
    services.storage.migrate()
    created = services.directories.create("sqlite race", "entra")
    with running_servers(url, SERVERS, tmp_path) as servers:
        tenant = Tenant(created.directory.id, created.secret, servers, http)
        responses = race(12, lambda i: tenant.request(i, "POST", "/Users", user_body("s@c.io")))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 11
    assert {r.json()["scimType"] for r in responses if r.status_code == 409} == {"uniqueness"}
    with services.storage.transaction() as tx:
        assert tx.search_users(created.directory.id, SearchQuery(count=0)).total == 1
    services.storage.dispose()
