"""Run one ``wrk`` measurement with ``lua/scim.lua`` and return its numbers.

wrk (C, event loop) is the load generator because a Python client would saturate a core before a
fast server does. Its CPU time is read from the child's rusage (``os.wait4``), so every result
carries the client's CPU load: the report shows it to prove the client was not the bottleneck.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).parent / "lua" / "scim.lua"


@dataclass(frozen=True)
class WrkResult:
    """Throughput, latency and errors of one wrk run, plus the client's CPU use (cores)."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    client_cores: float

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str:
    """The wrk binary; a clear error when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    return found


def run_wrk(
    url: str,
    token: str,
    mode: str,
    base: str,
    arg: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
) -> WrkResult:
    """Drive ``url`` for ``seconds`` with ``connections`` connections in ``mode`` (see the Lua)."""
    argv = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-H",
        f"Authorization: Bearer {token}",
        "-s",
        str(SCRIPT),
        url,
        "--",
        mode,
        base,
        arg,
    ]
    started = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk {mode} failed ({process.returncode}): {err.strip() or out}")
    data = json.loads(line.removeprefix("WRKJSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        client_cores=(usage.ru_utime + usage.ru_stime) / wall if wall else 0.0,
    )
