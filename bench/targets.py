"""The servers a run compares: scimdir (SQLite, PostgreSQL), the floor and the peer.

Each target is started on its own free loopback port with the same worker count where the design
allows it. The peer, python-scim's ``scim2-server`` (pinned below), lives in its own venv under
``bench/.peer-venv`` (built on first use, rebuilt when the pins change) and is served by gunicorn
with threads; its in-memory storage exists in one process, so it gets one gunicorn worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench import procs
from bench.seeding import Directory, prepare

ROOT = Path(__file__).resolve().parent.parent
PEER_PINS = ["scim2-server==0.8.3", "gunicorn==27.0.1"]
PEER_VENV = ROOT / "bench" / ".peer-venv"
PEER_THREADS = 8
DEFAULT_PG = "postgresql+psycopg://scimdir:scimdir@127.0.0.1:5432/postgres"


@dataclass
class Tenant:
    """One directory of a target: SCIM base path, bearer token, seeded user ids (in order)."""

    base: str
    token: str
    ids: list[str]
    ids_file: Path


@dataclass
class Target:
    """A running server and its tenants, keyed by the run's tenant names."""

    name: str
    kind: str  # "ours", "floor" or "peer"
    server: procs.Server
    tenants: dict[str, Tenant] = field(default_factory=dict)


def _write_ids(path: Path, ids: list[str]) -> Path:
    path.write_text("\n".join(ids) + "\n")
    return path


def _ours_tenants(directories: dict[str, Directory], work: Path, prefix: str) -> dict[str, Tenant]:
    return {
        name: Tenant(
            d.base_path, d.secret, d.user_ids, _write_ids(work / f"{prefix}-{name}.ids", d.user_ids)
        )
        for name, d in directories.items()
    }


def postgres_database(name: str) -> str:
    """Create database ``name`` next to ``SCIMDIR_TEST_POSTGRES_URL`` (or the local default)."""
    admin_url = os.environ.get("SCIMDIR_TEST_POSTGRES_URL", DEFAULT_PG)
    parts = urlsplit(admin_url)
    plain = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    """Drop the database a run created (best effort: the run's result does not depend on it)."""
    admin_url = os.environ.get("SCIMDIR_TEST_POSTGRES_URL", DEFAULT_PG)
    plain = urlunsplit(urlsplit(admin_url)._replace(scheme="postgresql"))
    name = urlsplit(url).path.lstrip("/")
    try:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        print(f"note: could not drop {name}: {exc}", file=sys.stderr)


def start_ours(
    name: str, database_url: str, sizes: dict[str, int], workers: int, work: Path
) -> Target:
    """Seed a database and serve it with ``scimdir serve --workers N``."""
    directories = prepare(database_url, sizes)
    port = procs.free_port()
    server = procs.start(
        name,
        [
            str(Path(sys.executable).parent / "scimdir"),
            "serve",
            "--host",
            procs.HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        port=port,
        env={
            "SCIMDIR_DATABASE_URL": database_url,
            "SCIMDIR_PUBLIC_URL": f"http://{procs.HOST}:{port}",
        },
        log=work / f"{name}.log",
        ready_path="/healthz",
        timeout=60,
    )
    return Target(name, "ours", server, _ours_tenants(directories, work, name))


def start_floor(sizes: dict[str, int], workers: int, work: Path) -> Target:
    """Serve ``bench.floor:app`` with uvicorn and ``workers`` workers."""
    port = procs.free_port()
    server = procs.start(
        "floor",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.floor:app",
            "--host",
            procs.HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        port=port,
        env={},
        log=work / "floor.log",
        ready_path="/",
        timeout=60,
        cwd=ROOT,
    )
    tenants = {}
    for tenant, users in sizes.items():
        ids = [uuid.uuid4().hex for _ in range(min(users, 1000) or 1)]
        tenants[tenant] = Tenant(
            f"/scim/{tenant}/v2", "floor", ids, _write_ids(work / f"floor-{tenant}.ids", ids)
        )
    return Target("floor", "floor", server, tenants)


def ensure_peer_venv() -> Path:
    """Build ``bench/.peer-venv`` with the pinned peer unless it is already there."""
    stamp = PEER_VENV / "bench-pins.txt"
    wanted = "\n".join(PEER_PINS)
    if stamp.exists() and stamp.read_text() == wanted:
        return PEER_VENV
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER_VENV)], check=True)
    pip = [
        str(PEER_VENV / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, *PEER_PINS], check=True)
    stamp.write_text(wanted)
    return PEER_VENV


def start_peer(sizes: dict[str, int], work: Path, timeout: float) -> Target:
    """Serve scim2-server under gunicorn (one worker, threads), its tenants seeded in-process."""
    venv = ensure_peer_venv()
    token = uuid.uuid4().hex
    port = procs.free_port()
    ids_dir = work / "peer-ids"
    ids_dir.mkdir(exist_ok=True)
    server = procs.start(
        "peer",
        [
            str(venv / "bin" / "gunicorn"),
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            str(PEER_THREADS),
            "--bind",
            f"{procs.HOST}:{port}",
            "--preload",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "bench.peer_app:create()",
        ],
        port=port,
        env={
            "BENCH_PEER_TOKEN": token,
            "BENCH_PEER_TENANTS": ",".join(f"{t}:{n}" for t, n in sizes.items()),
            "BENCH_PEER_IDS_DIR": str(ids_dir),
            "PYTHONPATH": str(ROOT),
        },
        log=work / "peer.log",
        ready_path="/healthcheck",
        timeout=timeout,
        cwd=ROOT,
    )
    tenants = {}
    for tenant in sizes:
        ids_file = ids_dir / f"{tenant}.ids"
        ids = [x for x in ids_file.read_text().splitlines() if x]
        tenants[tenant] = Tenant(f"/{tenant}/v2", token, ids, ids_file)
    return Target("peer", "peer", server, tenants)
