"""The webhook-driven example application (examples/webhook_app.py) on a real local HTTP port,
fed by the delivery worker after an Entra-style provisioning run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from examples.webhook_app import WebhookApp, make_server

from scimdir.worker.delivery import DeliveryWorker
from tests.api.conftest import Directory
from tests.client.test_sync_example import directory_state, patch


@contextmanager
def serving(app: WebhookApp) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields its URL."""
    server = make_server(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/scim-events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def subscribe(directory: Directory, url: str) -> dict[str, Any]:
    """Create a webhook subscription through the management API; returns the answer."""
    response = directory.api.post(directory.url("/webhooks"), {"url": url})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def deliver(directory: Directory) -> int:
    """Run the delivery worker over real HTTP until nothing is due; returns the attempts."""
    with httpx.Client() as client:
        worker = DeliveryWorker(directory.api.services.storage, client, directory_id=directory.id)
        return worker.run_once()


def test_webhook_app_mirrors_the_directory_after_entra_provisioning(directory: Directory) -> None:
    """Users, a group, a 50-member PATCH, a deactivation and removals, delivered over HTTP, give
    the example exactly the directory's users, active flags and memberships."""
    app = WebhookApp("placeholder")
    with serving(app) as url:
        app.secret = subscribe(directory, url)["secret"]
        users = [directory.add_user(f"u{n:02}@contoso.com") for n in range(52)]
        group = directory.add_group("Engineering")
        patch(
            directory,
            f"/Groups/{group}",
            {"op": "Add", "path": "members", "value": [{"value": u} for u in users[:50]]},
        )
        patch(
            directory, f"/Users/{users[1]}", {"op": "Replace", "path": "active", "value": "False"}
        )
        patch(
            directory,
            f"/Groups/{group}",
            {"op": "Remove", "path": f'members[value eq "{users[2]}"]'},
        )
        assert directory.scim("DELETE", f"/Users/{users[3]}").status_code == 204
        # 52 user.created + group.created + 50 member_added + deactivated + removed + deleted
        assert deliver(directory) == 106
        assert app.processed() == 106
        assert (app.users(), app.memberships()) == directory_state(directory, [group])
        assert app.users()[users[1]] is False and users[3] not in app.users()
        assert len(app.memberships()) == 48  # 50 added, one removed, one deleted


def test_webhook_app_applies_a_redelivered_event_once(directory: Directory) -> None:
    """A manual redelivery resends events with their webhook-ids; the example acknowledges them
    as duplicates and its tables do not change."""
    app = WebhookApp("placeholder")
    with serving(app) as url:
        created = subscribe(directory, url)
        app.secret = created["secret"]
        alice = directory.add_user("alice@contoso.com")
        group = directory.add_group("Ops", [alice])
        assert deliver(directory) == 3  # user.created, group.created, member_added
        before = (app.users(), app.memberships())
        directory.api.services.webhooks.redeliver(directory.id, created["id"], "0")
        assert deliver(directory) == 3
        assert (app.duplicates, app.processed()) == (3, 3)
        assert (app.users(), app.memberships()) == before == directory_state(directory, [group])


def test_webhook_app_refuses_a_forged_request(directory: Directory) -> None:
    """A request signed with another secret gets 401 and changes nothing; the worker logs the
    refusal and retries the event later."""
    app = WebhookApp("whsec_" + "QUJD" * 11)  # not the subscription's secret
    with serving(app) as url:
        created = subscribe(directory, url)
        directory.add_user("mallory@contoso.com")
        assert deliver(directory) == 1
        assert (app.users(), app.processed()) == ({}, 0)
        (attempt,) = directory.api.services.webhooks.deliveries(created["id"])
        assert (attempt.status, attempt.attempt) == (401, 1)
