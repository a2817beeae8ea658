"""What the provisioning log costs on the create path: ``python -m bench.log_overhead``.

Two apps in one process, identical but for ``log_enabled``, each on its own database, serve
``POST /Users`` creates (Entra's shape, recommended mappings) called straight through ASGI, so
no HTTP client or socket time dilutes the difference. Each app runs its lifespan, so the log
sink's writer thread is live and its batched writes compete for the database as in production.
Rounds alternate the order of the two apps (machine noise hits both alike); the result is the
median time per create of each and their ratio.

Options: ``--users N`` creates per app per round (default 300), ``--rounds R`` (default 5),
``--db sqlite|postgres`` (PostgreSQL: the database of ``SCIMDIR_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import orjson

from scimdir.settings import Settings
from scimdir.web.app import create_app


def _user(name: str) -> bytes:
    return orjson.dumps(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": f"ext-{name}",
            "userName": name,
            "active": True,
            "displayName": name.split("@", maxsplit=1)[0],
            "emails": [{"primary": True, "type": "work", "value": name}],
            "name": {"givenName": "Given", "familyName": "Family"},
        }
    )


async def _post(app: Any, path: str, secret: str, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"authorization", f"Bearer {secret}".encode()),
            (b"content-type", b"application/scim+json"),
            (b"content-length", str(len(body)).encode()),
            (b"user-agent", b"Azure Active Directory SCIM Client"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _round(app: Any, base: str, secret: str, users: int) -> float:
    started = time.perf_counter()
    for _ in range(users):
        status = await _post(app, f"{base}/Users", secret, _user(f"{uuid.uuid4().hex}@bench.test"))
        if status != 201:
            raise RuntimeError(f"create answered {status}")
    return (time.perf_counter() - started) / users


async def main(users: int, rounds: int, db: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="scimdir-log-bench-"))
    async with AsyncExitStack() as stack:
        apps: dict[bool, tuple[Any, str, str]] = {}
        for enabled in (True, False):
            if db == "postgres":
                url = os.environ["SCIMDIR_TEST_POSTGRES_URL"]
            else:
                url = f"sqlite:///{work / f'log-{enabled}.db'}"
            app = create_app(Settings(database_url=url, log_enabled=enabled))
            await stack.enter_async_context(app.router.lifespan_context(app))
            created = app.state.services.directories.create("bench", "entra")
            apps[enabled] = (app, f"/scim/{created.directory.id}/v2", created.secret)
        await _round(*apps[True], 50)  # warm up both
        await _round(*apps[False], 50)
        times: dict[bool, list[float]] = {True: [], False: []}
        for r in range(rounds):
            for enabled in (True, False) if r % 2 == 0 else (False, True):
                times[enabled].append(await _round(*apps[enabled], users))
        on, off = statistics.median(times[True]), statistics.median(times[False])
        print(f"database: {db}; {rounds} rounds of {users} creates per app (median per create)")
        print(f"log on:  {on * 1e6:8.0f} µs per create")
        print(f"log off: {off * 1e6:8.0f} µs per create")
        print(f"ratio on/off: {on / off:.3f}")
        for app, _, _ in apps.values():
            app.state.services.log_sink.flush()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.users, args.rounds, args.db))
    sys.exit(0)
