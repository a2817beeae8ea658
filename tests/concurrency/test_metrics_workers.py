"""``serve --workers 2`` exposes one set of counters: a scrape sums every worker's requests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.real_servers import SCIMDIR, free_port, run_cli, server_env

pytestmark = pytest.mark.slow


def _requests_counted(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "scimdir_scim_requests"
        for sample in family.samples
        if sample.name == "scimdir_scim_requests_total"
    )


def _worker_pids_with_values(tmp_path: Path) -> set[str]:
    return {p.stem.rsplit("_", 1)[-1] for p in tmp_path.glob("scimdir-metrics-*/counter_*.db")}


def test_counters_sum_across_workers(tmp_path: Path) -> None:
    """Requests served by two workers all appear in every scrape, and the directory is removed."""
    database = f"sqlite:///{tmp_path / 'metrics.db'}"
    created = json.loads(run_cli(database, "directory", "create", "--name", "m", "--json").stdout)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = server_env(database, SCIMDIR_PUBLIC_URL=base, TMPDIR=str(tmp_path))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("SCIMDIR_METRICS_TOKEN", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*SCIMDIR, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 40
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        url = f"{base}/scim/{created['id']}/v2/Users"
        headers = {"Authorization": f"Bearer {created['secret']}"}
        sent = 0
        # New connections until both workers have served (the kernel picks the accepting one).
        while sent < 40 or (len(_worker_pids_with_values(tmp_path)) < 2 and sent < 1000):
            assert httpx.get(url, headers=headers, timeout=10).status_code == 200
            sent += 1
        assert len(_worker_pids_with_values(tmp_path)) == 2
        scrapes = [httpx.get(f"{base}/metrics", timeout=10) for _ in range(6)]
        assert [s.status_code for s in scrapes] == [200] * 6
        assert [_requests_counted(s.text) for s in scrapes] == [float(sent)] * 6
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    assert list(tmp_path.glob("scimdir-metrics-*")) == []
