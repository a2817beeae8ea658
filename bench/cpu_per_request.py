"""CPU per request, in process: ``python -m bench.cpu_per_request``.

The app (with its lifespan: log sink, last-use recorder, thread pools) is called straight through
ASGI, one request at a time, so no socket, HTTP parser or client shares the measurement, and the
figure is CPU time (:func:`time.process_time`, every thread of the process), which a busy shared
machine disturbs far less than wall-clock time. After each workload the log sink is flushed
inside the measured span, so the provisioning log's cost is counted too.

Workloads (SQLite by default; ``--db postgres`` uses ``SCIMDIR_TEST_POSTGRES_URL``, and then the
CPU spent inside PostgreSQL is not counted): the floor (``bench/floor.py`` in the same process),
Entra's ``userName eq`` lookup, ``POST /Users``, ``PATCH`` of ``displayName``. Prints
microseconds of CPU per request, the median (``--stat min``: the minimum, steadier on a loaded
machine) over ``--rounds``; ``--no-log`` turns the provisioning log off to show its share.

``--profile WORKLOAD`` prints the top of a cProfile of that workload instead (``--cpu-clock``:
timed by the process's CPU clock, so waits on PostgreSQL do not count; every thread's CPU is
charged to what the main thread was running; ``--dump FILE`` also writes the profile's pstats
file, for ``pstats.Stats(FILE).print_callers(...)``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from bench import floor
from scimdir.settings import Settings
from scimdir.web.app import create_app

Call = Callable[[int], Awaitable[int]]


async def request(
    app: Any, method: str, path: str, secret: str, body: bytes = b"", query: str = ""
) -> int:
    """One ASGI request; returns the status."""
    headers = [
        (b"host", b"bench"),
        (b"authorization", f"Bearer {secret}".encode()),
        (b"user-agent", b"Azure Active Directory SCIM Client"),
    ]
    if body:
        headers += [
            (b"content-type", b"application/scim+json"),
            (b"content-length", str(len(body)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
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

    async def send(message: Any) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


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


def _rename(n: int) -> bytes:
    return orjson.dumps(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "displayName", "value": f"Name {n}"}],
        }
    )


async def _workloads(
    app: Any, base: str, secret: str, seeded: list[tuple[str, str]]
) -> dict[str, Call]:
    async def floor_get(i: int) -> int:
        return await request(floor.app, "GET", f"{base}/Users", secret, query="filter=x")

    # Quoted before the measurement: the client's work, not the server's.
    lookups = ["filter=" + quote(f'userName eq "{name}"') for _, name in seeded]

    async def lookup(i: int) -> int:
        return await request(app, "GET", f"{base}/Users", secret, query=lookups[i % len(lookups)])

    async def create(i: int) -> int:
        body = _user(f"{uuid.uuid4().hex}@bench.test")
        return await request(app, "POST", f"{base}/Users", secret, body)

    async def patch(i: int) -> int:
        user_id = seeded[i % len(seeded)][0]
        return await request(app, "PATCH", f"{base}/Users/{user_id}", secret, _rename(i))

    async def sync(i: int) -> int:
        """Entra's initial sync of one user: the matching query (no match), then the create;
        CPU per request, as for the others (two requests per call)."""
        name = f"{uuid.uuid4().hex}@bench.test"
        query = "filter=" + quote(f'userName eq "{name}"')
        status = await request(app, "GET", f"{base}/Users", secret, query=query)
        return max(status, await request(app, "POST", f"{base}/Users", secret, _user(name)))

    return {
        "floor": floor_get,
        "lookup": lookup,
        "create": create,
        "patch": patch,
        "sync": sync,
    }


async def _measure(app: Any, call: Call, n: int, requests: int = 1) -> float:
    """CPU µs per request over ``n`` calls of ``requests`` requests each, the log flushed
    inside the span."""
    started = time.process_time()
    for i in range(n):
        status = await call(i)
        if status >= 400:
            raise RuntimeError(f"request answered {status}")
    app.state.services.log_sink.flush()
    return (time.process_time() - started) / (n * requests) * 1e6


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="scimdir-cpu-bench-"))
    url = (
        os.environ["SCIMDIR_TEST_POSTGRES_URL"]
        if args.db == "postgres"
        else f"sqlite:///{work / 'cpu.db'}"
    )
    async with AsyncExitStack() as stack:
        app = create_app(Settings(database_url=url, log_enabled=not args.no_log))
        await stack.enter_async_context(app.router.lifespan_context(app))
        made = app.state.services.directories.create("bench", "entra")
        base, secret = f"/scim/{made.directory.id}/v2", made.secret
        seeded: list[tuple[str, str]] = []
        for i in range(args.users):
            name = f"user{i:07d}-{uuid.uuid4().hex[:6]}@example.test"
            await request(app, "POST", f"{base}/Users", secret, _user(name))
        # The seeded users' ids and names, read back in one statement.
        storage = app.state.services.storage
        with storage.transaction(readonly=True) as tx:
            rows = tx.conn.exec_driver_sql(  # type: ignore[attr-defined]
                "SELECT id, user_name FROM users WHERE directory_id = ?"
                if args.db == "sqlite"
                else "SELECT id, user_name FROM users WHERE directory_id = %s",
                (made.directory.id,),
            ).fetchall()
        seeded = [(str(r[0]), str(r[1])) for r in rows]
        calls = await _workloads(app, base, secret, seeded)
        chosen = args.only or list(calls)
        if args.profile:
            call = calls[args.profile]
            await _measure(app, call, 50)
            profiler = cProfile.Profile(time.process_time) if args.cpu_clock else cProfile.Profile()
            profiler.enable()
            await _measure(app, call, args.n)
            profiler.disable()
            if args.dump:
                profiler.dump_stats(args.dump)
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
            return
        for name in chosen:
            await _measure(app, calls[name], 50)  # warm up
        results: dict[str, list[float]] = {name: [] for name in chosen}
        for r in range(args.rounds):
            order = chosen if r % 2 == 0 else list(reversed(chosen))
            for name in order:
                each = 2 if name == "sync" else 1
                results[name].append(await _measure(app, calls[name], args.n, each))
        stat = statistics.median if args.stat == "median" else min
        print(
            f"database: {args.db}; {args.rounds} rounds of {args.n} requests; "
            f"CPU µs/request ({args.stat} over rounds)"
        )
        for name in chosen:
            print(f"{name:8s} {stat(results[name]):8.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--no-log", action="store_true", help="provisioning log off")
    parser.add_argument("--stat", choices=("median", "min"), default="median")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument(
        "--cpu-clock",
        action="store_true",
        help="profile with the process's CPU clock, not wall time (database waits not counted)",
    )
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--dump", help="with --profile: also write the pstats file here")
    asyncio.run(main(parser.parse_args()))
