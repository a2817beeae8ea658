"""Tables and target checks of a run: medians over rounds, p99, ratios ours/floor and ours/peer.

Every ratio is a throughput ratio (for the per-request latency rows of the membership workload,
the inverse of the median latencies), so above 1 means scimdir is faster.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Cell:
    """One target's measurements of one row over the rounds (rate: per second; times: ms)."""

    rates: list[float] = field(default_factory=list)
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Median rate over the rounds."""
        return statistics.median(self.rates) if self.rates else 0.0

    @property
    def p50(self) -> float:
        """Median of the rounds' medians (ms)."""
        return statistics.median(self.p50s) if self.p50s else 0.0

    @property
    def p99(self) -> float:
        """Median of the rounds' p99s (ms)."""
        return statistics.median(self.p99s) if self.p99s else 0.0


@dataclass
class Row:
    """A workload at one size: a cell per target name."""

    key: str
    label: str
    unit: str
    cells: dict[str, Cell] = field(default_factory=dict)

    def cell(self, target: str) -> Cell:
        """The target's cell, created on first use."""
        return self.cells.setdefault(target, Cell())


def ratio(ours: float, other: float) -> float | None:
    """``ours / other`` or None when either side is missing."""
    return ours / other if ours and other else None


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else (f"{value:.2f}x" if value < 10 else f"{value:.0f}x")


def render(rows: list[Row], ours: list[str], others: list[str]) -> str:
    """The results table, one line per row and scimdir target, as Markdown."""
    header = ["workload", "unit", "server", "median", "p50 ms", "p99 ms"]
    header += [f"{name} median" for name in others] + [f"/{name}" for name in others]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        for name in ours:
            cell = row.cells.get(name)
            if cell is None or not cell.rates:
                continue
            values = [
                row.label,
                row.unit,
                name,
                f"{cell.rate:,.0f}",
                f"{cell.p50:.2f}",
                f"{cell.p99:.2f}",
            ]
            for other in others:
                oc = row.cells.get(other)
                values.append("—" if oc is None or not oc.rates else f"{oc.rate:,.1f}")
            for other in others:
                oc = row.cells.get(other)
                values.append(_fmt_ratio(ratio(cell.rate, oc.rate if oc else 0.0)))
            lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Check:
    """One issue-5 target, evaluated for one scimdir target."""

    name: str
    server: str
    value: float | None
    goal: str
    met: bool | None


def at_least(name: str, server: str, value: float | None, goal: float) -> Check:
    """A ratio that must be at least ``goal``."""
    met = None if value is None else value >= goal
    return Check(name, server, value, f">= {goal}", met)


def at_most(name: str, server: str, value: float | None, goal: float) -> Check:
    """A cost ratio that must be at most ``goal``."""
    met = None if value is None else value <= goal
    return Check(name, server, value, f"<= {goal}", met)


def render_checks(checks: list[Check]) -> str:
    """The target checks as Markdown."""
    lines = ["| target | server | measured | goal | met |", "|---|---|---|---|---|"]
    for c in checks:
        shown = "—" if c.value is None else f"{c.value:.2f}"
        met = "n/a" if c.met is None else ("yes" if c.met else "**no**")
        lines.append(f"| {c.name} | {c.server} | {shown} | {c.goal} | {met} |")
    return "\n".join(lines)
