"""Ratios and target checks of a benchmark run (bench/report.py, bench/plan.py)."""

from __future__ import annotations

from bench.plan import build_checks, plan_for
from bench.report import Row, at_least, at_most, ratio, render


def test_ratio_is_none_when_a_side_is_missing() -> None:
    """A ratio with a missing side is None, never 0 or infinity."""
    assert (ratio(10.0, 0.0), ratio(0.0, 5.0), ratio(10.0, 4.0)) == (None, None, 2.5)


def test_at_least_and_at_most_compare_to_the_goal() -> None:
    """At-least goals are met from the goal up, at-most goals up to the goal."""
    assert at_least("x", "s", 10.0, 10).met is True
    assert at_most("x", "s", 1.6, 1.5).met is False
    assert at_least("x", "s", None, 10).met is None


def test_render_shows_medians_and_ratios() -> None:
    """The table shows the median rate over rounds and the ours/other ratio."""
    row = Row("sync", "1. initial sync", "users/s")
    row.cell("ours").rates.extend([100.0, 300.0, 200.0])
    row.cell("peer").rates.append(20.0)
    table = render([row], ["ours"], ["peer"])
    assert (
        table.splitlines()[-1]
        == "| 1. initial sync | users/s | ours | 200 | 0.00 | 0.00 | 20.0 | 10x |"
    )


def test_checks_compare_sync_with_peer_and_floor() -> None:
    """The initial-sync targets are 10x the peer and 0.25x the floor."""
    plan = plan_for(quick=True, users_1m=False, rounds=None, seconds=None)
    row = Row("sync", "1. initial sync", "users/s")
    row.cell("ours").rates.append(1000.0)
    row.cell("peer").rates.append(200.0)
    row.cell("floor").rates.append(2000.0)
    checks = {c.name: c for c in build_checks(plan, {"sync": row}, ["ours"])}
    assert checks["initial sync users/s vs peer"].met is False
    assert checks["initial sync users/s vs floor"].met is True


def test_one_worker_runs_check_the_hot_path_targets() -> None:
    """With --workers 1 the lookup target is 0.2x the floor on SQLite; two workers skip it."""
    one = plan_for(quick=True, users_1m=False, rounds=None, seconds=None, workers=1)
    key = f"username-{one.common_size}"
    row = Row(key, "2. lookup", "req/s")
    row.cell("ours-sqlite").rates.append(300.0)
    row.cell("floor").rates.append(1000.0)
    checks = {c.name: c for c in build_checks(one, {key: row}, ["ours-sqlite"])}
    assert checks["one worker: lookup vs floor"].met is True
    assert checks["one worker: lookup vs floor"].goal == ">= 0.2"
    two = plan_for(quick=True, users_1m=False, rounds=None, seconds=None)
    names = {c.name for c in build_checks(two, {key: row}, ["ours-sqlite"])}
    assert "one worker: lookup vs floor" not in names
