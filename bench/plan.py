"""What a run measures (sizes, durations, rounds) and which issue-5 targets it checks.

The full plan measures lookups at 1,000, 50,000 and 100,000 users (1,000,000 with
``--users-1m``), grows a group to 100,000 members and runs three rounds of three seconds per
workload and target. The peer holds at most 50,000 users (it seeds at about 600 users/s
in-process) and grows its group within a time budget: its member PATCH cost grows with the
group. The quick plan (CI smoke) uses small sizes and one short round.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.report import Check, Row, at_least, at_most, ratio


@dataclass(frozen=True)
class Plan:
    """Sizes, durations and budgets of one run."""

    sizes: list[int]
    peer_sizes: list[int]
    checkpoints: list[int]
    seconds: float
    rounds: int
    connections: int = 8
    workers: int = 2
    spare: int = 64
    reps: int = 100
    op_budget: float = 10.0
    fill_budget: float = 400.0
    peer_fill_budget: float = 90.0
    peer_start_timeout: float = 600.0

    @property
    def common_size(self) -> int:
        """The largest size every target holds (incremental and paging workloads run there)."""
        return max(self.peer_sizes)


def plan_for(quick: bool, users_1m: bool, rounds: int | None, seconds: float | None) -> Plan:
    """The quick or the full plan, with the command line's overrides."""
    if quick:
        plan = Plan(
            sizes=[200, 1000],
            peer_sizes=[200, 1000],
            checkpoints=[10, 500],
            seconds=1,
            rounds=1,
            reps=20,
            op_budget=3,
            fill_budget=30,
            peer_fill_budget=20,
            peer_start_timeout=120,
        )
    else:
        sizes = [1000, 50_000, 100_000] + ([1_000_000] if users_1m else [])
        plan = Plan(
            sizes=sizes,
            peer_sizes=[1000, 50_000],
            checkpoints=[10, 1000, 10_000, 100_000],
            seconds=3,
            rounds=3,
        )
    return Plan(
        **{**plan.__dict__, "rounds": rounds or plan.rounds, "seconds": seconds or plan.seconds}
    )


def _rate(rows: dict[str, Row], key: str, target: str) -> float:
    row = rows.get(key)
    cell = row.cells.get(target) if row else None
    return cell.rate if cell and cell.rates else 0.0


def _p50(rows: dict[str, Row], key: str, target: str) -> float:
    row = rows.get(key)
    cell = row.cells.get(target) if row else None
    return cell.p50 if cell and cell.p50s else 0.0


def build_checks(plan: Plan, rows: dict[str, Row], ours: list[str]) -> list[Check]:
    """Evaluate the issue-5 targets for each scimdir target."""
    checks: list[Check] = []
    mid = 50_000 if 50_000 in plan.peer_sizes else plan.common_size
    small, large = plan.sizes[0], max(plan.sizes)
    small_cp, large_cp = min(plan.checkpoints), max(plan.checkpoints)
    for name in ours:
        sync = _rate(rows, "sync", name)
        checks.append(
            at_least(
                "initial sync users/s vs peer", name, ratio(sync, _rate(rows, "sync", "peer")), 10
            )
        )
        checks.append(
            at_least(
                "initial sync users/s vs floor",
                name,
                ratio(sync, _rate(rows, "sync", "floor")),
                0.25,
            )
        )
        for kind in ("username", "external"):
            key = f"{kind}-{mid}"
            ours_rate = _rate(rows, key, name)
            checks.append(
                at_least(
                    f"lookup {kind} @ {mid:,} vs peer",
                    name,
                    ratio(ours_rate, _rate(rows, key, "peer")),
                    25,
                )
            )
            checks.append(
                at_least(
                    f"lookup {kind} @ {mid:,} vs floor",
                    name,
                    ratio(ours_rate, _rate(rows, key, "floor")),
                    0.4,
                )
            )
            checks.append(
                at_most(
                    f"lookup {kind} cost @ {large:,} / @ {small:,}",
                    name,
                    ratio(
                        _rate(rows, f"{kind}-{small}", name), _rate(rows, f"{kind}-{large}", name)
                    ),
                    1.5,
                )
            )
        for key in ("rename", "disable"):
            checks.append(
                at_least(
                    f"user PATCH {key} vs peer",
                    name,
                    ratio(_rate(rows, key, name), _rate(rows, key, "peer")),
                    10,
                )
            )
        checks.append(
            at_most(
                f"add one member @ {large_cp:,} / @ {small_cp:,}",
                name,
                ratio(_p50(rows, f"add-{large_cp}", name), _p50(rows, f"add-{small_cp}", name)),
                1.5,
            )
        )
    return checks
