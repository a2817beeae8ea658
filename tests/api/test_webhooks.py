"""``/api/v1/directories/{id}/webhooks``: subscribe (secret once), list, delete, deliveries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from scimdir.worker.delivery import DeliveryWorker

from .conftest import Api, Directory, problem


def _subscribe(api: Api, directory: Directory, **body: Any) -> dict[str, Any]:
    response = api.post(
        directory.url("/webhooks"), {"url": "https://hooks.example.test/in", **body}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_shows_the_secret_once_and_list_never(api: Api, directory: Directory) -> None:
    """The creation answer holds the signing secret; the list shows the subscription without."""
    created = _subscribe(api, directory, types=["user.created"])
    assert created["secret"].startswith("whsec_")
    assert (created["event_types"], created["enabled"]) == (["user.created"], True)
    [listed] = api.get(directory.url("/webhooks")).json()["data"]
    assert listed["id"] == created["id"] and "secret" not in listed


def test_delete_removes_the_subscription(api: Api, directory: Directory) -> None:
    """DELETE: 204, then the list is empty and a second DELETE is 404."""
    sid = _subscribe(api, directory)["id"]
    assert api.delete(directory.url(f"/webhooks/{sid}")).status_code == 204
    assert api.get(directory.url("/webhooks")).json()["data"] == []
    problem(api.delete(directory.url(f"/webhooks/{sid}")), 404)


def test_deliveries_of_a_new_subscription_are_empty(api: Api, directory: Directory) -> None:
    """A subscription nothing was delivered to yet has an empty delivery log."""
    sid = _subscribe(api, directory)["id"]
    assert api.get(directory.url(f"/webhooks/{sid}/deliveries")).json() == {"data": []}


def test_deliveries_show_each_attempt_newest_first(api: Api, directory: Directory) -> None:
    """A receiver that fails once then accepts: two attempts, the 200 first, the 503 second."""
    sid = _subscribe(api, directory)["id"]
    directory.add_user("ann@contoso.com")
    statuses = [503]

    def receive(request: httpx.Request) -> httpx.Response:
        return httpx.Response(statuses.pop(0) if statuses else 200, text="ok")

    client = httpx.Client(transport=httpx.MockTransport(receive))
    clock = [api.services.runtime.clock()]
    worker = DeliveryWorker(
        api.services.storage, client, clock=lambda: clock[0], directory_id=directory.id
    )
    worker.run_once()
    clock[0] += timedelta(hours=1)
    worker.run_once()
    body = api.get(directory.url(f"/webhooks/{sid}/deliveries")).json()
    assert [(d["event_type"], d["attempt"], d["status"]) for d in body["data"]] == [
        ("user.created", 2, 200),
        ("user.created", 1, 503),
    ]


def test_another_directory_s_subscription_is_404(api: Api, directory: Directory) -> None:
    """A subscription id of another directory is not found under this one."""
    sid = _subscribe(api, api.directory("Other"))["id"]
    problem(api.get(directory.url(f"/webhooks/{sid}/deliveries")), 404)
    problem(api.delete(directory.url(f"/webhooks/{sid}")), 404)


@pytest.mark.parametrize("path", ["/webhooks", "/webhooks/nosuch/deliveries"])
def test_unknown_directory_is_404(api: Api, path: str) -> None:
    """A directory that does not exist: 404."""
    problem(api.get(f"/api/v1/directories/nosuch{path}"), 404)


@pytest.mark.parametrize(
    "body", [{"url": "ftp://example.test/x"}, {"url": "https://h.test/x", "types": ["nope"]}]
)
def test_a_bad_url_or_type_is_400(api: Api, directory: Directory, body: dict[str, Any]) -> None:
    """A URL that is not http(s) or an unknown event type: 400, nothing subscribed."""
    problem(api.post(directory.url("/webhooks"), body), 400)
    assert api.get(directory.url("/webhooks")).json()["data"] == []


def test_auth(api: Api, directory: Directory) -> None:
    """No key: 401; a reader key, even of this directory: 403."""
    problem(api.client.get(directory.url("/webhooks")), 401)
    reader = api.services.api_keys.create("app", "reader", directory.id).key
    headers = {"Authorization": f"Bearer {reader}"}
    problem(api.client.get(directory.url("/webhooks"), headers=headers), 403)
