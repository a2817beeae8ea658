"""The app moves its start-up heap out of the garbage collector's reach while it serves.

Under load, full collections that walked every object of the process (modules, the app,
SQLAlchemy's compiled statements and caches) stalled the event loop for ~100 ms every few
seconds: lookups' p99 (docs/performance.md, "One worker, after the hot-path rework").
"""

from __future__ import annotations

import gc
from pathlib import Path

from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app


def test_the_startup_heap_is_frozen_while_serving_and_released_after(tmp_path: Path) -> None:
    gc.unfreeze()
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'gc.db'}", public_url="https://x.test")
    )
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the modules, the app and its services at least
    assert gc.get_freeze_count() == 0
