"""A real server under several times its capacity stays responsive, sheds, and recovers.

One ``scimdir serve`` process with a deliberately small capacity (2 worker threads, at most 4
SCIM requests in flight) takes 32 concurrent clients on loopback for a few seconds: POSTs and
lookups on a directory without a rate limit, and lookups on a directory limited to 25 requests/s.
While that runs, ``/healthz`` is probed from another process. The rules (generous bounds only,
no timing assertions):

- every SCIM answer is a success, a 409 of the load's own collisions, a 429 (the limited
  directory) or a 503 with ``Retry-After``: never a 500, never a client timeout;
- the server did shed (some 503): the load was beyond capacity (whether the limited directory
  reaches its 25 requests/s depends on the machine, so its 429s are allowed, not required;
  tests/overload/test_rate_limit.py proves the limit itself);
- ``/healthz`` answered 200 every time, each within 5 seconds;
- once the load stops, ordinary requests succeed again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimdir.composition import build_services
from scimdir.settings import Settings
from tests.real_servers import running_servers

pytestmark = pytest.mark.slow

CLIENTS = 32
LOAD_SECONDS = 4.0
PROBE_BOUND_S = 5.0
CAPACITY = {"SCIMDIR_THREADS": "2", "SCIMDIR_MAX_IN_FLIGHT": "4"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite file, or the PostgreSQL test database (fresh directories)."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'overload.db'}"


def user(name: str) -> dict[str, Any]:
    """A user the Entra preset accepts."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "displayName": name.split("@", maxsplit=1)[0],
        "emails": [{"value": name, "type": "work", "primary": True}],
    }


class Load:
    """Clients hammering the server until ``stop``; every outcome counted."""

    def __init__(self, server_url: str, tenants: dict[str, tuple[str, str]]) -> None:
        self.server_url = server_url
        self.tenants = tenants  # "open"/"limited" -> (id, secret)
        self.stop = threading.Event()
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.lock = threading.Lock()

    def _request(
        self, client: httpx.Client, tenant: str, method: str, path: str, body: Any
    ) -> None:
        tenant_id, secret = self.tenants[tenant]
        try:
            response = client.request(
                method,
                f"{self.server_url}/scim/{tenant_id}/v2{path}",
                json=body,
                headers={"Authorization": f"Bearer {secret}"},
            )
        except httpx.HTTPError as exc:  # a timeout or a dropped connection
            with self.lock:
                self.failures.append(f"{method} {path}: {exc!r}")
            return
        status = response.status_code
        with self.lock:
            self.statuses[status] += 1
            if status in (429, 503) and "retry-after" not in response.headers:
                self.failures.append(f"{status} without Retry-After")
            if status >= 400 and response.json().get("status") != str(status):
                self.failures.append(f"{status} without a SCIM error body: {response.text[:200]}")

    def client(self, n: int, client: httpx.Client) -> None:
        """One client: alternate writes and lookups, on both directories."""
        with client:
            i = 0
            while not self.stop.is_set():
                if n % 4 == 0:
                    self._request(client, "limited", "GET", "/Users?count=1", None)
                elif i % 2:
                    self._request(client, "open", "POST", "/Users", user(f"c{n}-{i}@load.test"))
                else:
                    self._request(
                        client, "open", "GET", f'/Users?filter=userName eq "c{n}-0@x"', None
                    )
                i += 1


PROBE = """
import json, sys, time, urllib.request
url, until = sys.argv[1], time.monotonic() + float(sys.argv[2])
seconds = []
while time.monotonic() < until:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            ok = response.status == 200
    except OSError:
        ok = False
    seconds.append(time.monotonic() - started if ok else None)
    time.sleep(0.2)
print(json.dumps(seconds))
"""


def start_probe(url: str, seconds: float) -> subprocess.Popen[str]:
    """The load balancer's health check every 200 ms, from its own process (so that the load's
    client threads cannot delay it); prints the answer times, null for a failed probe."""
    return subprocess.Popen(
        [sys.executable, "-c", PROBE, f"{url}/healthz", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_beyond_capacity_sheds_stays_responsive_and_recovers(
    database_url: str, tmp_path: Path
) -> None:
    """Under 8x its in-flight capacity the server answers 2xx/409/429/503 only, /healthz within
    5 s throughout, and normal requests succeed once the load stops."""
    services = build_services(Settings(database_url=database_url, db_pool_size=2))
    services.storage.migrate()
    tenants = {}
    for name in ("open", "limited"):
        created = services.directories.create(f"overload {name}", "entra")
        tenants[name] = (created.directory.id, created.secret)
    services.directories.set_setting(tenants["limited"][0], "rate_limit", "25")
    services.storage.dispose()

    with running_servers(database_url, 1, tmp_path, env=CAPACITY) as (server,):
        load = Load(server.url, tenants)
        threads = [
            threading.Thread(target=load.client, args=(n, httpx.Client(timeout=30)))
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        probe = start_probe(server.url, LOAD_SECONDS)
        out, _ = probe.communicate(timeout=LOAD_SECONDS + 60)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        probes = json.loads(out)

        assert not load.failures, load.failures[:10]
        assert set(load.statuses) <= {200, 201, 409, 429, 503}, load.statuses
        assert load.statuses[503] > 0, f"the load never exceeded capacity: {load.statuses}"
        assert probes and None not in probes and max(probes) < PROBE_BOUND_S, probes

        with httpx.Client(timeout=PROBE_BOUND_S) as client:
            tenant_id, secret = tenants["open"]
            base = f"{server.url}/scim/{tenant_id}/v2"
            auth = {"Authorization": f"Bearer {secret}"}
            for i in range(10):
                created = client.post(
                    f"{base}/Users", json=user(f"after{i}@load.test"), headers=auth
                )
                assert created.status_code == 201, created.text
                got = client.get(f"{base}/Users/{created.json()['id']}", headers=auth)
                assert got.status_code == 200, got.text
