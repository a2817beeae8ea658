"""Cost of adding or removing one member of a large group on PostgreSQL, in process, per round trip.

``python -m bench.member_cost [--sizes 10,10000,100000] [--reps 60] [--grow seed|patch]`` with
``SCIMDIR_TEST_POSTGRES_URL`` set. For each size it creates an Entra directory, gives it one
group of that many members and a few spare users, then sends, one at a time, Entra's
``PATCH /Groups/{id}`` adding one spare user (``{"op":"Add","path":"members","value":[{"value":
id}]}``, docs/idp/entra.md §5.5) and the value-array remove of it again (§5.6), through
``httpx.ASGITransport`` (no sockets, no lifespan, so no background thread touches the database).

``--grow seed`` writes the group with :mod:`scimdir.devtools.seed` (COPY, then ``VACUUM
ANALYZE``, so the planner knows its size); ``--grow patch`` seeds the users of the largest size,
creates one group and grows it like ``bench/membership.py`` does, by PATCHes of 50 members,
measuring at each size on the way: the tables then hold what a real run leaves (one event per
member, dead tuples, statistics only as fresh as autovacuum keeps them; with autovacuum off
``memberships`` stays analysed empty). Give it a fresh database to reproduce a run's state: the
statistics of an earlier run's rows change the plans.

It prints per request: the median wall time, the CPU time of this process (client and server;
PostgreSQL's own CPU is not included) and, from libpq's timestamped trace of the connection
(``PQtrace``), the median time of each round trip from the client's message to the server's
``ReadyForQuery``: that is the database's share, statement by statement, ``COMMIT`` included.
A round trip whose time grows with the group's size names the statement to look at.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
from psycopg import pq
from sqlalchemy import Engine, event

from scimdir.devtools.asgi_client import InProcessClient
from scimdir.devtools.seed import group_id, seed_directory, user_id
from scimdir.settings import Settings
from scimdir.web.app import create_app

ENV = "SCIMDIR_TEST_POSTGRES_URL"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SPARE = 8


def members_patch(op: str, ids: list[str]) -> dict[str, Any]:
    """Entra's member PATCH: one operation, the ids as a value array."""
    values = [{"value": i} for i in ids]
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": op, "path": "members", "value": values}],
    }


class _Traced:
    """One connection's libpq trace: its file, how far it was read, its parser state."""

    def __init__(self, pgconn: Any) -> None:
        self.pgconn = pgconn
        fd, self.path = tempfile.mkstemp(prefix="scimdir-member-cost-")
        os.close(fd)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self.read_to = 0
        self.prepared: dict[str, str] = {}  # statement name -> text, from Parse messages
        self.pending: tuple[str, float, list[tuple[float, str, float]] | None] | None = None
        self.start()

    def start(self) -> None:
        self.pgconn.trace(self.fd)
        self.pgconn.set_trace_flags(pq.Trace.REGRESS_MODE)

    def flush(self) -> None:
        """libpq writes its trace through a buffered stream; stopping the trace flushes it
        (then it starts again on the same file)."""
        if self.pgconn.status == pq.ConnStatus.OK:
            self.pgconn.untrace()
            self.start()

    def read(self, target: list[tuple[float, str, float]] | None) -> None:
        with open(self.path, "rb") as trace:
            trace.seek(self.read_to)
            data = trace.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.read_to += len(complete)
        for line in complete.decode("utf-8", errors="replace").splitlines():
            self._line(line, target)

    def _line(self, line: str, target: list[tuple[float, str, float]] | None) -> None:
        """A frontend message may open a round trip, ``ReadyForQuery`` ends it."""
        parts = line.split("\t")
        if len(parts) < 4:
            return
        when, side, kind = parts[0], parts[1], parts[3]
        detail = parts[4].strip() if len(parts) > 4 else ""
        if side == "F" and kind == "Parse":  # Parse "name" "text" ...
            name, _, text = detail.partition(" ")
            self.prepared[name] = text
        if side == "F" and self.pending is None and kind in ("Query", "Parse", "Bind"):
            if kind == "Bind":  # Bind "portal" "statement" parameters...
                name = detail.split(" ")[1]
                label = "(prepared) " + self.prepared.get(name, name)
            else:
                label = detail
            self.pending = (label, _stamp(when), target)
        elif side == "B" and kind == "ReadyForQuery" and self.pending is not None:
            label, sent, filed = self.pending
            if filed is not None:
                filed.append((sent, label, (_stamp(when) - sent) * 1000))
            self.pending = None

    def close(self) -> None:
        os.close(self.fd)
        os.unlink(self.path)


class TimedTrace:
    """libpq's trace of every connection of ``engines`` (the storage's pool and the event loop's
    own connections, which serve reads and small writes), with timestamps, one file per
    connection. A round trip is filed under the window in which it was sent; the windows read
    every trace at their start and end, after flushing it."""

    def __init__(self, *engines: Engine) -> None:
        for engine in engines:
            engine.dispose()
        self.engines = engines
        self.traced: list[_Traced] = []
        self.target: list[tuple[float, str, float]] | None = None
        for engine in engines:
            event.listen(engine, "connect", self._trace)

    def _trace(self, dbapi_connection: Any, _record: Any) -> None:
        self.traced.append(_Traced(dbapi_connection.pgconn))

    def _read(self) -> None:
        for traced in self.traced:
            traced.flush()
            traced.read(self.target)

    @contextmanager
    def window(self) -> Iterator[list[tuple[str, float]]]:
        """``(statement, ms)`` for each round trip sent while the block runs, in the order they
        were sent."""
        trips: list[tuple[str, float]] = []
        timed: list[tuple[float, str, float]] = []
        self._read()
        self.target = timed
        try:
            yield trips
        finally:
            self._read()
            self.target = None
            trips.extend((label, ms) for _, label, ms in sorted(timed))

    def close(self) -> None:
        for engine in self.engines:
            event.remove(engine, "connect", self._trace)
            engine.dispose()
        for traced in self.traced:
            traced.close()


def _stamp(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").timestamp()


def _short(statement: str) -> str:
    text = " ".join(statement.split())
    return text[:100]


class Bench:
    """One app on the database, driven in process."""

    def __init__(self, url: str) -> None:
        settings = Settings(database_url=url, public_url="https://scim.example.test")
        self.app = create_app(settings, migrate=True)
        self.services = self.app.state.services

    def directory(self, users: int, group_sizes: list[int]) -> tuple[InProcessClient, str, str]:
        """A new directory with ``users`` seeded users and groups: its client, SCIM base path
        and id."""
        created = self.services.directories.create(f"member cost {users}", "entra")
        directory_id = created.directory.id
        seed_directory(self.services.storage, directory_id, users=users, group_sizes=group_sizes)
        client = InProcessClient(self.app, secret=created.secret)
        return client, f"/scim/{directory_id}/v2", directory_id


def _ok(client: InProcessClient, method: str, path: str, body: Any = None) -> Any:
    response: httpx.Response = client.request(method, path, json=body)
    if response.status_code >= 300:
        raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
    return response.json() if response.content else None


def measure(
    client: InProcessClient, path: str, spare: list[str], size: int, reps: int, trace: TimedTrace
) -> None:
    """Print the add and remove costs of the group at ``path``, which has ``size`` members."""
    ops = {"add": "Add", "remove": "Remove"}
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    trips: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    windows: list[tuple[str, list[tuple[str, float]]]] = []
    for i in range(20):  # warm: pooled connection, prepared statements (psycopg: 5th run)
        _ok(client, "PATCH", path, members_patch("Add", [spare[i % SPARE]]))
        _ok(client, "PATCH", path, members_patch("Remove", [spare[i % SPARE]]))
    for i in range(reps):
        for name, op in ops.items():
            body = members_patch(op, [spare[i % SPARE]])
            with trace.window() as seen:
                c0, w0 = time.process_time(), time.perf_counter()
                _ok(client, "PATCH", path, body)
                w1, c1 = time.perf_counter(), time.process_time()
            wall[name].append((w1 - w0) * 1000)
            cpu[name].append((c1 - c0) * 1000)
            windows.append((name, seen))
    for name, seen in windows:
        for n, (statement, ms) in enumerate(seen):
            trips[name][f"{n:2d} {_short(statement)}"].append(ms)
    for name in ops:
        db = sum(statistics.median(v) for v in trips[name].values())
        print(
            f"  {name} one @ {size:,}: wall p50 {statistics.median(wall[name]):.2f} ms, "
            f"CPU p50 {statistics.median(cpu[name]):.2f} ms, round trips "
            f"{len(trips[name])} summing {db:.2f} ms (p50 each)"
        )
        for label, values in trips[name].items():
            print(f"      {statistics.median(values):7.3f} ms  {label}")


def seeded(bench: Bench, sizes: list[int], reps: int, trace: TimedTrace) -> None:
    """``--grow seed``: a directory per size, its group written by the seeder."""
    for size in sizes:
        client, base, directory_id = bench.directory(size + SPARE, [size])
        spare = [user_id(directory_id, size + i) for i in range(SPARE)]
        measure(client, f"{base}/Groups/{group_id(directory_id, 0)}", spare, size, reps, trace)
        client.close()


def grown(bench: Bench, sizes: list[int], reps: int, trace: TimedTrace) -> None:
    """``--grow patch``: one directory of ``max(sizes)`` users, one group grown by PATCHes of 50
    to each size in turn, as ``bench/membership.py`` does."""
    client, base, directory_id = bench.directory(max(sizes) + SPARE, [])
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g"}
    path = f"{base}/Groups/{_ok(client, 'POST', base + '/Groups', body)['id']}"
    spare = [user_id(directory_id, max(sizes) + i) for i in range(SPARE)]
    members = 0
    for size in sorted(sizes):
        started = time.perf_counter()
        ids = [user_id(directory_id, i) for i in range(members, size)]
        for k in range(0, len(ids), 50):
            _ok(client, "PATCH", path, members_patch("Add", ids[k : k + 50]))
        spent = time.perf_counter() - started
        print(f"  grown to {size:,} members: {(size - members) / spent:,.0f} members/s", flush=True)
        members = size
        measure(client, path, spare, size, reps, trace)
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,10000,100000")
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--grow", choices=("seed", "patch"), default="seed")
    args = parser.parse_args()
    url = os.environ.get(ENV)
    if not url:
        raise SystemExit(f"set {ENV} to a PostgreSQL database (postgresql+psycopg://...)")
    bench = Bench(url)
    trace = TimedTrace(*bench.services.storage.engines)
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
        (seeded if args.grow == "seed" else grown)(bench, sizes, args.reps, trace)
    finally:
        trace.close()
        bench.services.storage.dispose()


if __name__ == "__main__":
    main()
