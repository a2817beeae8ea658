"""``/livez`` says the process is up; ``/healthz`` says whether the database answers."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app


def test_healthz_and_livez_answer_200_with_a_database(tmp_path: Path) -> None:
    """With a working database both probes answer 200."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}"))
    with TestClient(app) as client:
        assert client.get("/livez").json() == {"status": "ok"}
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    app.state.services.storage.dispose()


def test_healthz_is_503_when_the_database_is_unreachable() -> None:
    """A server whose database refuses connections is unready (503) but alive (200)."""
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    app = create_app(settings, migrate=False)
    with TestClient(app) as client:
        unready = client.get("/healthz")
        alive = client.get("/livez")
    assert (unready.status_code, unready.json()["database"]) == (503, "unreachable")
    assert alive.status_code == 200
