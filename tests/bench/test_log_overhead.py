"""The log-overhead benchmark runs end to end on a tiny load (the figures are in the docs)."""

from __future__ import annotations

import asyncio

import pytest

from bench import log_overhead


def test_log_overhead_reports_both_configurations(capsys: pytest.CaptureFixture[str]) -> None:
    """A tiny run creates users with the log on and off and prints the ratio."""
    asyncio.run(log_overhead.main(users=3, rounds=2, db="sqlite"))
    out = capsys.readouterr().out
    assert "log on:" in out and "log off:" in out and "ratio on/off:" in out
