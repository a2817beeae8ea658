"""``/metrics`` answers a scrape with the token, or from loopback without one; nobody else."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app
from scimdir.web.metrics import MULTIPROC_ENV, mark_worker_dead, multiprocess_metrics

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def app_for(tmp_path: Path) -> Iterator[Callable[[str | None], FastAPI]]:
    """A factory of (app, token) pairs on a fresh SQLite file."""
    apps: list[FastAPI] = []

    def build(token: str | None) -> FastAPI:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'metrics.db'}",
            metrics_token=SecretStr(token) if token else None,
        )
        app = create_app(settings)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.state.services.storage.dispose()


def _get(app: FastAPI, client: tuple[str, int], **headers: str) -> tuple[int, str]:
    with TestClient(app, client=client) as http:
        response = http.get("/metrics", headers=headers)
    return response.status_code, response.text


def test_with_a_token_the_scrape_must_send_it(app_for: Callable[[str | None], FastAPI]) -> None:
    """With SCIMDIR_METRICS_TOKEN set, no or a wrong token is 401, the right one 200."""
    app = app_for(TOKEN)
    assert _get(app, ("203.0.113.7", 4000))[0] == 401
    assert _get(app, ("127.0.0.1", 4000), Authorization="Bearer wrong")[0] == 401
    status, text = _get(app, ("203.0.113.7", 4000), Authorization=f"Bearer {TOKEN}")
    assert status == 200
    assert "scimdir_scim_requests_total" in text


def test_without_a_token_only_unforwarded_loopback_clients_may_scrape(
    app_for: Callable[[str | None], FastAPI],
) -> None:
    """Without a token, loopback scrapes get 200; remote or proxy-forwarded ones get 403."""
    app = app_for(None)
    assert _get(app, ("127.0.0.1", 4000))[0] == 200
    assert _get(app, ("::1", 4000))[0] == 200
    assert _get(app, ("203.0.113.7", 4000))[0] == 403
    assert _get(app, ("127.0.0.1", 4000), **{"X-Forwarded-For": "203.0.113.7"})[0] == 403
    status, text = _get(app, ("10.0.0.8", 4000))
    assert (status, "SCIMDIR_METRICS_TOKEN" in text) == (403, True)


def test_several_workers_get_a_fresh_private_directory_removed_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`serve --workers N` points the workers at a new 0700 directory and removes it at the end."""
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with multiprocess_metrics(1) as none:
        assert (none, os.environ.get(MULTIPROC_ENV)) == (None, None)
    with multiprocess_metrics(2) as directory:
        assert directory is not None
        assert os.environ[MULTIPROC_ENV] == directory
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        mark_worker_dead()  # a worker's shutdown in this mode does not fail
    assert not Path(directory).exists()
    assert MULTIPROC_ENV not in os.environ
