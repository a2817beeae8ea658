"""Real ``scimdir serve`` processes, for the tests that need one over HTTP (the quick start,
the console in a browser) or several sharing one database (the cross-process tests).

Each server runs in its own process group on a free loopback port, and all of them are started
before any is awaited, so their start-up migrations race each other too (the advisory lock of
``SqlStorage.migrate`` must make that safe).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SCIMDIR = [sys.executable, "-m", "scimdir.cli"]
_START_TIMEOUT_S = 40.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """One running ``scimdir serve`` process."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]  # the process's environment, for CLI commands against the same setup


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a scimdir process on ``database_url``."""
    return {
        **os.environ,
        "SCIMDIR_DATABASE_URL": database_url,
        "SCIMDIR_DB_POOL_SIZE": "4",
        **extra,
    }


def _stop(server: Server) -> None:
    if server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


def _wait_ready(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited at start:\n{server.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"server not ready in time:\n{server.log.read_text()[-3000:]}")


@contextmanager
def running_servers(
    database_url: str,
    count: int,
    workdir: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    start_timeout: float = _START_TIMEOUT_S,
) -> Iterator[list[Server]]:
    """Start ``count`` servers on ``database_url`` (``env``: extra settings); stop them all when
    the block ends. ``start_timeout``: seconds for all of them to answer ``/healthz``."""
    servers: list[Server] = []
    try:
        for n in range(count):
            port = free_port()
            log = workdir / f"server-{n}.log"
            process_env = server_env(
                database_url, SCIMDIR_PUBLIC_URL=f"http://127.0.0.1:{port}", **(env or {})
            )
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [*SCIMDIR, "serve", "--port", str(port), "--workers", str(workers)],
                    env=process_env,
                    cwd=workdir,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            servers.append(Server(f"http://127.0.0.1:{port}", process, log, process_env))
        deadline = time.monotonic() + start_timeout
        for server in servers:
            _wait_ready(server, deadline)
        yield servers
    finally:
        for server in servers:
            _stop(server)


@contextmanager
def running_server(
    database_url: str, workdir: Path, *, start_timeout: float = _START_TIMEOUT_S
) -> Iterator[Server]:
    """One server on ``database_url`` for the block (see :func:`running_servers`)."""
    with running_servers(database_url, 1, workdir, start_timeout=start_timeout) as (server,):
        yield server


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``scimdir`` CLI command against ``database_url``; raises if it fails."""
    return subprocess.run(
        [*SCIMDIR, *args],
        env=server_env(database_url),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
