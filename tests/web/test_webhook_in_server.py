"""SCIMDIR_WEBHOOK_WORKER=true delivers webhooks from the server process itself (worker/
background.py); off by default."""

from __future__ import annotations

import queue
from pathlib import Path

from standardwebhooks.webhooks import Webhook
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app
from tests.cli import test_webhook_commands as webhook_cli
from tests.web.conftest import make_tenant
from tests.web.test_entra_conformance import create_user

receiver = webhook_cli.receiver  # the fixture: a local HTTP receiver answering 204


def test_server_delivers_when_the_setting_is_on(
    tmp_path: Path, receiver: tuple[str, queue.Queue[tuple[bytes, dict[str, str]]]]
) -> None:
    """With webhook_worker on, a SCIM change reaches the subscribed receiver, signed."""
    url, got = receiver
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", webhook_worker=True)
    app = create_app(settings)
    with TestClient(app) as client:
        tenant = make_tenant(client, app.state.services)
        secret = app.state.services.webhooks.subscribe(tenant.id, url).secret
        uid = create_user(tenant, "served@contoso.com")["id"]
        body, headers = got.get(timeout=60)
    app.state.services.storage.dispose()
    payload = Webhook(secret).verify(body, headers)
    assert (payload["type"], payload["data"]["id"]) == ("user.created", uid)


def test_server_does_not_deliver_by_default(tmp_path: Path) -> None:
    """Without the setting the server runs no delivery thread."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}"))
    with TestClient(app):
        assert app.state.webhook_delivery.running is False
    app.state.services.storage.dispose()
