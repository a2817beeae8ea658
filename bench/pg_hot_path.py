"""Round trips and CPU per request of scimdir's hot path on PostgreSQL, in process.

``python -m bench.pg_hot_path [--requests N] [--show]`` with ``SCIMDIR_TEST_POSTGRES_URL`` set:
builds the app on that database (migrating it), creates an Entra directory, and drives each
request kind through ``httpx.ASGITransport`` (no sockets, no lifespan: the log writer and the
other background threads stay off). For each kind it prints the round trips of one request
(libpq's trace, ``scimdir.devtools.round_trips``) and the CPU time of this process per request
(``time.process_time`` over N requests, client and server together; PostgreSQL's own CPU is not
included). CPU time does not depend on how busy the machine is the way wall-clock time does; the
round trips are exact. ``--show`` lists the statements of each round trip.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from scimdir.devtools.asgi_client import InProcessClient
from scimdir.devtools.entra_bodies import entra_user
from scimdir.devtools.round_trips import RoundTrips
from scimdir.settings import Settings
from scimdir.web.app import create_app

ENV = "SCIMDIR_TEST_POSTGRES_URL"


def rename(value: str) -> dict[str, Any]:
    """Entra's incremental-cycle PATCH of displayName."""
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": value}],
    }


class Bench:
    """One app, one directory and its client."""

    def __init__(self, url: str) -> None:
        settings = Settings(database_url=url, public_url="https://scim.example.test")
        self.app = create_app(settings, migrate=True)
        services = self.app.state.services
        created = services.directories.create("pg hot path", "entra")
        self.base = f"/scim/{created.directory.id}/v2"
        self.client = InProcessClient(self.app, secret=created.secret)
        self.counter = RoundTrips.install(*services.storage.engines)
        self.user_id = self.ok("POST", "/Users", json=entra_user("seed@example.test"))["id"]

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response: httpx.Response = self.client.request(method, self.base + path, **kwargs)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def kinds(self) -> dict[str, Callable[[int], Any]]:
        lookup = 'userName eq "seed@example.test"'
        return {
            "lookup userName eq": lambda i: self.ok("GET", "/Users", params={"filter": lookup}),
            "GET /Users/{id}": lambda i: self.ok("GET", f"/Users/{self.user_id}"),
            "POST /Users": lambda i: self.ok(
                "POST", "/Users", json=entra_user(f"u{uuid.uuid4().hex}@example.test")
            ),
            "PATCH /Users/{id}": lambda i: self.ok(
                "PATCH", f"/Users/{self.user_id}", json=rename(f"name {i}")
            ),
        }

    def close(self) -> None:
        self.counter.close()
        self.client.close()
        self.app.state.services.storage.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    url = os.environ.get(ENV)
    if not url:
        raise SystemExit(f"set {ENV} to a PostgreSQL database (postgresql+psycopg://...)")
    bench = Bench(url)
    try:
        print(f"| request | round trips | CPU µs/request (N={args.requests}) |")
        print("|---|---|---|")
        for name, run in bench.kinds().items():
            for i in range(20):  # warm: pooled connection, prepared statements, caches
                run(-i)
            with bench.counter.window() as trips:
                run(0)
            started = time.process_time()
            for i in range(args.requests):
                run(i + 1)
            cpu = (time.process_time() - started) / args.requests * 1e6
            print(f"| {name} | {trips.count} | {cpu:,.0f} |")
            if args.show:
                for message in trips.messages:
                    print(f"|   | {message[:110]} | |")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
