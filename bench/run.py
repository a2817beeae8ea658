"""Benchmark runner: ``python -m bench.run [--quick] [--db sqlite|postgres|both] [--users-1m]``.

Starts scimdir (SQLite and/or PostgreSQL), the floor (``bench/floor.py``) and the peer
(scim2-server, ``bench/targets.py``) on loopback ports, seeds the same users into each, then
drives them with Entra-shaped workloads (``docs/idp/entra.md`` §4, §5):

1. initial sync: per user a ``userName eq`` lookup, then a POST (concurrent connections);
2. lookups by userName and by externalId at each directory size;
3. group membership: PATCH batches of 50 up to the largest group, and at each checkpoint the
   cost of adding one member, removing it (value-array form) and the membership check;
4. incremental cycle: PATCH Replace displayName, and Replace active "False", on random users;
5. list paging: ``count=100`` pages at the start and deep in the directory.

Throughput workloads run with wrk for several rounds; in each round every target runs in turn
(the order rotates), and the table shows medians over rounds, so machine noise hits all sides
alike. Everything is bounded in time, targets only 127.0.0.1, and the servers are stopped in a
``finally``. Exit status 1 when a workload fails (a non-2xx answer or a transport error).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import membership, targets
from bench.plan import Plan, build_checks, plan_for
from bench.report import Row, render, render_checks
from bench.targets import Target, Tenant
from bench.wrkrun import run_wrk, wrk_path

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class WrkRow:
    """A throughput row: which tenant, which Lua mode and argument, and how to count."""

    key: str
    label: str
    unit: str
    tenant: str
    mode: str
    arg: str
    per_item: int = 1  # requests per counted item (initial sync: lookup + POST = 2)


def wrk_rows(plan: Plan) -> list[WrkRow]:
    """The throughput rows of the plan, in the order they run."""
    rows = [WrkRow("sync", "1. initial sync (lookup + POST)", "users/s", "sync", "sync", "", 2)]
    for n in plan.sizes:
        rows.append(
            WrkRow(
                f"username-{n}", f"2. lookup userName @ {n:,}", "req/s", f"u{n}", "username", str(n)
            )
        )
        rows.append(
            WrkRow(
                f"external-{n}",
                f"2. lookup externalId @ {n:,}",
                "req/s",
                f"u{n}",
                "external",
                str(n),
            )
        )
    n = plan.common_size
    rows.append(WrkRow("rename", f"4. PATCH displayName @ {n:,}", "req/s", f"u{n}", "rename", ""))
    rows.append(
        WrkRow("disable", f'4. PATCH active "False" @ {n:,}', "req/s", f"u{n}", "disable", "")
    )
    rows.append(
        WrkRow("page-start", f"5. page count=100 start @ {n:,}", "req/s", f"u{n}", "page", "1")
    )
    rows.append(
        WrkRow(
            "page-deep",
            f"5. page count=100 deep @ {n:,}",
            "req/s",
            f"u{n}",
            "page",
            str(max(1, n - 99)),
        )
    )
    return rows


def run_throughput(plan: Plan, live: list[Target], rows: dict[str, Row], cpu: list[float]) -> int:
    """Run every wrk row for ``plan.rounds`` alternating rounds; return the number of failures."""
    failures = 0
    for spec in wrk_rows(plan):
        row = rows.setdefault(spec.key, Row(spec.key, spec.label, spec.unit))
        for r in range(plan.rounds):
            order = live[r % len(live) :] + live[: r % len(live)]
            for target in order:
                tenant = target.tenants.get(spec.tenant)
                if tenant is None:
                    continue
                arg = spec.arg or (
                    tenant.ids_file.as_posix()
                    if spec.mode in ("rename", "disable")
                    else f"b{uuid.uuid4().hex[:8]}"
                )
                try:
                    result = run_wrk(
                        target.server.url,
                        tenant.token,
                        spec.mode,
                        tenant.base,
                        arg,
                        seconds=plan.seconds,
                        connections=plan.connections,
                    )
                except RuntimeError as exc:
                    print(f"FAILED {spec.label} on {target.name}: {exc}", file=sys.stderr)
                    failures += 1
                    continue
                target.server.sample_rss()
                cpu.append(result.client_cores)
                if result.errors:
                    print(
                        f"FAILED {spec.label} on {target.name}: {result.errors} errors "
                        f"(non-2xx or transport) in {result.requests} requests",
                        file=sys.stderr,
                    )
                    failures += 1
                cell = row.cell(target.name)
                cell.rates.append(result.rate / spec.per_item)
                cell.p50s.append(result.p50_ms)
                cell.p99s.append(result.p99_ms)
                print(
                    f"  {spec.label:<40} {target.name:<16} {result.rate / spec.per_item:>10,.0f}"
                    f" {spec.unit:<8} p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:8.2f} ms"
                    f"  client {result.client_cores:.2f} cores",
                    flush=True,
                )
    return failures


def run_membership(plan: Plan, live: list[Target], rows: dict[str, Row]) -> int:
    """Grow one group per target and record the single-member costs; return failures."""
    failures = 0
    for target in live:
        pool_tenant = (
            target.tenants[f"u{plan.sizes[-1]}"]
            if target.kind == "ours"
            else (target.tenants.get(f"u{plan.common_size}") if target.kind == "peer" else None)
        )
        pool = (
            pool_tenant.ids
            if pool_tenant
            else [uuid.uuid4().hex for _ in range(max(plan.checkpoints) + plan.spare)]
        )
        tenant: Tenant = pool_tenant or next(iter(target.tenants.values()))
        checkpoints = [c for c in plan.checkpoints if c < len(pool)]
        budget = plan.peer_fill_budget if target.kind == "peer" else plan.fill_budget
        client = membership.ScimClient(target.server.port, tenant.base, tenant.token)
        try:
            points = membership.grow_and_measure(
                client,
                pool,
                checkpoints,
                reps=plan.reps,
                op_budget_s=plan.op_budget,
                fill_budget_s=budget,
                name=target.name,
                filtered_remove=target.kind == "peer",
            )
        except (RuntimeError, OSError) as exc:
            print(f"FAILED membership on {target.name}: {exc}", file=sys.stderr)
            failures += 1
            continue
        finally:
            client.close()
        target.server.sample_rss()
        for point in points:
            for key, label, values in (
                ("add", "3. add one member", point.add_ms),
                ("remove", "3. remove one member", point.remove_ms),
                ("check", "3. membership check", point.check_ms),
            ):
                row = rows.setdefault(
                    f"{key}-{point.size}",
                    Row(f"{key}-{point.size}", f"{label} @ {point.size:,} members", "req/s"),
                )
                cell = row.cell(target.name)
                cell.rates.append(1000 / membership.p50(values))
                cell.p50s.append(membership.p50(values))
                cell.p99s.append(membership.p99(values))
            fill = rows.setdefault(
                f"fill-{point.size}",
                Row(
                    f"fill-{point.size}",
                    f"3. fill by PATCH of 50, up to {point.size:,}",
                    "members/s",
                ),
            )
            fill.cell(target.name).rates.append(point.fill_members_per_s)
            print(
                f"  membership @ {point.size:>7,} {target.name:<16} add "
                f"{membership.p50(point.add_ms):8.2f} ms  remove "
                f"{membership.p50(point.remove_ms):8.2f} ms  check "
                f"{membership.p50(point.check_ms):8.2f} ms  fill "
                f"{point.fill_members_per_s:,.0f} members/s",
                flush=True,
            )
    return failures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables; the exit status says whether all workloads ran."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (CI smoke)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=None)
    parser.add_argument("--users-1m", action="store_true", help="also 1,000,000 users")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of scimdir and the floor (default 2; 1 checks the one-worker "
        "hot-path targets)",
    )
    args = parser.parse_args(argv)
    plan = plan_for(args.quick, args.users_1m, args.rounds, args.seconds, args.workers)
    db = args.db or (
        "both" if not args.quick or os.environ.get("SCIMDIR_TEST_POSTGRES_URL") else "sqlite"
    )
    wrk_path()
    work = Path(tempfile.mkdtemp(prefix="scimdir-bench-"))
    tenant_sizes = {"sync": 0, **{f"u{n}": n + plan.spare for n in plan.sizes}}
    peer_sizes = {"sync": 0, **{f"u{n}": n + plan.spare for n in plan.peer_sizes}}
    live: list[Target] = []
    pg_url: str | None = None
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            peer = (
                None
                if args.no_peer
                else pool.submit(targets.start_peer, peer_sizes, work, plan.peer_start_timeout)
            )
            if db in ("sqlite", "both"):
                live.append(
                    targets.start_ours(
                        "ours-sqlite",
                        f"sqlite:///{work}/bench.db",
                        tenant_sizes,
                        plan.workers,
                        work,
                    )
                )
            if db in ("postgres", "both"):
                pg_url = targets.postgres_database(f"scimdir_bench_{os.getpid()}")
                live.append(
                    targets.start_ours("ours-postgres", pg_url, tenant_sizes, plan.workers, work)
                )
            live.append(targets.start_floor(tenant_sizes, plan.workers, work))
            if peer is not None:
                live.append(peer.result())
        print(
            f"servers up after {time.monotonic() - started:.0f} s "
            f"({', '.join(t.name for t in live)}); workers={plan.workers}",
            flush=True,
        )
        rows: dict[str, Row] = {}
        cpu: list[float] = []
        failures = run_throughput(plan, live, rows, cpu)
        failures += run_membership(plan, live, rows)
        for target in live:
            target.server.sample_rss()
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        for target in live:
            target.server.stop()
        if pg_url is not None:
            targets.drop_postgres_database(pg_url)
        shutil.rmtree(work, ignore_errors=True)
    ours = [t.name for t in live if t.kind == "ours"]
    others = [t.name for t in live if t.kind != "ours"]
    ordered = sorted(rows.values(), key=lambda r: r.label.split(" ")[0])
    table = render(ordered, ours, others)
    checks = render_checks(build_checks(plan, rows, ours))
    rss = ", ".join(f"{t.name} {t.server.peak_kib // 1024} MiB" for t in live)
    summary = (
        f"## Results ({'quick' if args.quick else 'full'}, {plan.rounds} round(s) of "
        f"{plan.seconds:g} s, {plan.connections} connections, {plan.workers} workers, "
        f"{os.cpu_count()} cores, {datetime.datetime.now():%Y-%m-%d %H:%M})\n\n{table}\n\n"
        f"Peak server RSS: {rss}\n\nLoad generator (wrk, 1 thread) CPU: max "
        f"{max(cpu, default=0):.2f} cores, median "
        f"{sorted(cpu)[len(cpu) // 2] if cpu else 0:.2f}\n\n## Targets\n\n{checks}\n"
    )
    print("\n" + summary)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"run-{stamp}.md").write_text(summary)
    (RESULTS / f"run-{stamp}.json").write_text(
        json.dumps({"plan": asdict(plan), "rows": [asdict(r) for r in ordered]}, indent=1)
    )
    print(f"took {time.monotonic() - started:.0f} s; failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
