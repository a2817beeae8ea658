"""Scale benchmark: costs at 1,000,000 users vs 1,000, on SQLite and PostgreSQL.

``python -m bench.scale [--db sqlite|postgres|both] [--users 1000000] [--quick]`` seeds two
directories (``--users`` users with groups of ``users/2`` and 10 members; 1,000 users with a
10-member group) with :mod:`scimdir.devtools.seed`, starts one real ``scimdir serve`` on the
database and measures over HTTP; it prints each figure and the ratio big/small next to its target
(1.5x). Member PATCHes alternate big and small group after a warm-up (same cache warmth for
both); "next page" is Okta's import pattern (each page continues the previous one), "cold" a
``startIndex`` no earlier page led to (an offset scan, printed without a target). PostgreSQL
comes from ``--postgres-url`` or ``SCIMDIR_BENCH_POSTGRES_URL`` (a database you can fill;
seeding adds millions of rows). ``--reuse`` keeps and reuses seeded directories (found by
name) so repeated runs skip seeding; ``--sqlite-path`` names the SQLite file to keep.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx

from bench.procs import Server, free_port, start
from bench.scale_measure import Client, Tenant, add_remove, median_ms, sequential_pages
from scimdir.composition import Services, build_services
from scimdir.devtools.seed import group_id, seed_directory, user_id
from scimdir.settings import Settings

TARGET = 1.5
SMALL = 1000


@dataclass(frozen=True)
class Row:
    """One printed comparison."""

    name: str
    big_ms: float
    small_ms: float
    target: float | None = TARGET

    @property
    def ratio(self) -> float:
        return self.big_ms / self.small_ms if self.small_ms else float("inf")

    def line(self) -> str:
        verdict = "" if self.target is None else ("ok" if self.ratio <= self.target else "OVER")
        return (
            f"  {self.name:<52} {self.big_ms:9.2f} ms {self.small_ms:9.2f} ms "
            f"{self.ratio:7.2f}x {verdict}"
        )


def _tenant(services: Services, name: str, users: int, sizes: list[int], reuse: bool) -> Tenant:
    found = [d for d in services.directories.list_all() if d.name == name] if reuse else []
    if found:
        directory_id = found[0].id
        secret = services.directories.rotate_secret(directory_id)
    else:
        created = services.directories.create(name, "entra")
        directory_id, secret = created.directory.id, created.secret
        started = time.perf_counter()
        seed_directory(services.storage, directory_id, users=users, group_sizes=sizes)
        print(
            f"  seeded {name}: {users} users, groups {sizes} "
            f"in {time.perf_counter() - started:.0f} s"
        )
    big = group_id(directory_id, 0) if len(sizes) > 1 else None
    small = group_id(directory_id, len(sizes) - 1)
    return Tenant(directory_id, secret, users, big, small, partial(user_id, directory_id))


def run(database_url: str, users: int, repeat: int, reuse: bool, workdir: Path) -> list[Row]:
    """Seed (or reuse), serve, measure; returns the rows printed."""
    services = build_services(Settings(database_url=database_url))
    services.storage.migrate()
    big = _tenant(services, f"scale-big-{users}", users, [users // 2, 10], reuse)
    small = _tenant(services, f"scale-small-{SMALL}", SMALL, [10], reuse)
    services.storage.dispose()
    port = free_port()
    server = start(
        "scimdir",
        [sys.executable, "-m", "scimdir.cli", "serve", "--port", str(port)],
        port=port,
        env={
            "SCIMDIR_DATABASE_URL": database_url,
            "SCIMDIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        },
        log=workdir / "server.log",
        ready_path="/healthz",
        timeout=60,
    )
    try:
        with httpx.Client(timeout=120) as http:
            return _measure(
                server, Client(http, server.url, big), Client(http, server.url, small), repeat
            )
    finally:
        server.stop()
        print(f"  server peak RSS: {server.peak_kib // 1024} MiB")


def _measure(server: Server, big: Client, small: Client, repeat: int) -> list[Row]:
    rows: list[Row] = []

    def emit(row: Row) -> None:
        rows.append(row)
        print(row.line(), flush=True)
        server.sample_rss()

    n = big.tenant.users
    assert big.tenant.big_group is not None
    emit(
        Row(
            "userName eq",
            median_ms(repeat, big.by_user_name),
            median_ms(repeat, small.by_user_name),
        )
    )
    emit(
        Row(
            "externalId eq",
            median_ms(repeat, big.by_external_id),
            median_ms(repeat, small.by_external_id),
        )
    )
    outsiders = (range(n // 2, n), range(10, n))
    b_add, s_add, b_rm, s_rm = add_remove(
        big, (big.tenant.big_group, big.tenant.small_group), outsiders, repeat
    )
    emit(Row(f"PATCH add one member: {n // 2} vs 10 members", b_add, s_add))
    emit(Row(f"PATCH remove one member: {n // 2} vs 10 members", b_rm, s_rm))
    emit(
        Row(
            "membership check (id eq G and members[value eq U])",
            median_ms(repeat, big.membership_check(big.tenant.big_group)),
            median_ms(repeat, big.membership_check(big.tenant.small_group)),
        )
    )

    def get_group(group: str) -> Callable[[int], httpx.Response]:
        return lambda _k: big.get(f"/Groups/{group}", excludedAttributes="members")

    emit(
        Row(
            "GET /Groups/{id}?excludedAttributes=members",
            median_ms(repeat, get_group(big.tenant.big_group)),
            median_ms(repeat, get_group(big.tenant.small_group)),
        )
    )
    whole = big.get(f"/Groups/{big.tenant.big_group}")
    started = time.perf_counter()
    whole = big.get(f"/Groups/{big.tenant.big_group}")
    print(
        f"  GET /Groups/{{big}} with members: {whole.status_code}, {len(whole.content)} bytes, "
        f"{(time.perf_counter() - started) * 1000:.0f} ms, RSS {server.sample_rss()} MiB"
    )
    deep = max(1, n * 9 // 10)
    emit(
        Row(
            f"GET /Users next page after startIndex={deep} vs 1",
            sequential_pages(big, deep, repeat),
            sequential_pages(big, 1, repeat),
        )
    )
    emit(
        Row(
            f"GET /Users?startIndex={deep} cold (offset) vs 1",
            median_ms(
                max(5, repeat // 10), lambda _k: big.get("/Users", startIndex=deep, count=100)
            ),
            median_ms(max(5, repeat // 10), lambda _k: big.get("/Users", startIndex=1, count=100)),
            target=None,
        )
    )
    emit(
        Row(
            f"GET /Users?count=1 (totalResults of {n} vs {SMALL})",
            median_ms(repeat, lambda _k: big.get("/Users", count=1)),
            median_ms(repeat, lambda _k: small.get("/Users", count=1)),
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench.scale``."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 users, fewer repeats.")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="Reuse seeded directories.")
    parser.add_argument("--sqlite-path", type=Path, default=None)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SCIMDIR_BENCH_POSTGRES_URL")
        or os.environ.get("SCIMDIR_TEST_POSTGRES_URL"),
    )
    args = parser.parse_args(argv)
    users, repeat = (20_000, 50) if args.quick else (args.users, args.repeat)
    workdir = Path(tempfile.mkdtemp(prefix="scimdir-scale-"))
    failed = False
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        if db == "postgres" and not args.postgres_url:
            parser.error("PostgreSQL needs --postgres-url or SCIMDIR_BENCH_POSTGRES_URL")
        url = (
            args.postgres_url
            if db == "postgres"
            else f"sqlite:///{args.sqlite_path or workdir / 'scale.db'}"
        )
        print(
            f"{db}: {users} vs {SMALL} users, median of {repeat} requests"
            f"{'':14}big        small     ratio"
        )
        rows = run(url, users, repeat, args.reuse, workdir)
        failed |= any(r.target is not None and r.ratio > r.target for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
