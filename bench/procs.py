"""Server processes of a benchmark run: start on a free loopback port, wait, measure, stop.

Every server is started in its own process group on 127.0.0.1 with a deadline for readiness,
and stopped (SIGTERM, then SIGKILL after a grace period) by the runner in a ``finally``, so a
failed run leaves nothing behind. Peak RSS is read from ``/proc/<pid>/status`` (``VmHWM``) and
summed over the server's process tree (uvicorn and gunicorn fork workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """All descendants of ``pid`` (via /proc/<pid>/task/*/children)."""
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            stack.extend(kids)
    return found


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


@dataclass
class Server:
    """A running server: its name, base URL (scheme://host:port) and process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    peak_kib: int = 0
    pids: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    def sample_rss(self) -> int:
        """Update and return the peak RSS in MiB (sum of the tree's per-process peaks)."""
        pids = [self.process.pid, *_children(self.process.pid)]
        self.pids.update(pids)
        self.peak_kib = max(self.peak_kib, sum(_hwm_kib(p) for p in pids))
        return self.peak_kib // 1024

    def stop(self) -> None:
        """Stop the whole process group; SIGKILL whatever outlives a 10 s grace period."""
        if self.process.poll() is not None:
            return
        self.sample_rss()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start(
    name: str,
    argv: list[str],
    *,
    port: int,
    env: dict[str, str],
    log: Path,
    ready_path: str,
    timeout: float,
    cwd: Path | None = None,
) -> Server:
    """Start ``argv`` in its own process group and wait until ``GET ready_path`` answers."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
        )
    server = Server(name, port, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.url + ready_path, timeout=2) as response:
                if response.status < 500:
                    return server
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} was not ready within {timeout:.0f} s; see {log}")
