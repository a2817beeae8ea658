"""The SCIM request pipeline's authentication: before the body, off the write lock, throttled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from scimdir.devtools.entra_bodies import entra_user
from scimdir.scim.errors import SCIMException
from scimdir.settings import Settings
from scimdir.storage.sql import SqlStorage
from scimdir.web.app import create_app
from scimdir.web.auth_throttle import BURST
from scimdir.web.http import read_json
from tests.web.conftest import Tenant

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class _Body:
    """A chunked request body that counts how many chunks the server pulled."""

    def __init__(self, chunks: int, size: int = 64 * 1024) -> None:
        self.chunks, self.size, self.pulled = chunks, size, 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b" " * self.size


def test_an_unauthenticated_body_is_never_read(entra: Tenant) -> None:
    """A POST with a wrong secret gets 401 without the server reading any of its body."""
    body = _Body(chunks=640)  # 40 MiB if read
    response = entra.client.post(
        entra.url("/Users"),
        content=iter(body),
        headers={"Authorization": "Bearer wrong", "Content-Type": "application/scim+json"},
    )
    assert response.status_code == 401
    assert body.pulled == 0


def test_an_authenticated_chunked_body_over_the_cap_gets_413(entra: Tenant) -> None:
    """A chunked body without Content-Length larger than max_body_bytes gets a SCIM 413."""
    body = _Body(chunks=48)  # 3 MiB, the cap is 2 MiB
    response = entra.client.post(
        entra.url("/Users"),
        content=iter(body),
        headers={
            "Authorization": f"Bearer {entra.secret}",
            "Content-Type": "application/scim+json",
        },
    )
    assert response.status_code == 413
    assert response.json()["schemas"] == [ERROR]
    assert "content-length" not in {k.lower() for k in response.request.headers}


def test_read_json_stops_at_the_cap_without_buffering_the_rest() -> None:
    """read_json refuses a chunked body as soon as it passes the cap and pulls no further."""
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b" " * 1024, "more_body": pulled < 10_000}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", b"application/scim+json")],
    }
    with pytest.raises(SCIMException) as caught:
        anyio.run(read_json, Request(scope, receive), 4096)
    assert caught.value.status == 413
    assert pulled == 5


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[tuple[TestClient, Any, SqlStorage]]:
    """The app on a SQLite file whose writers wait at most 0.2 s for the writer lock."""
    url = f"sqlite:///{tmp_path / 'scimdir.db'}"
    storage = SqlStorage(url, writer_timeout=0.2)
    app = create_app(Settings(database_url=url), storage=storage)
    with TestClient(app) as client:
        yield client, app.state.services, storage
    storage.dispose()


def _hold_writer_lock(storage: SqlStorage) -> tuple[threading.Event, threading.Event, Any]:
    """Hold a write transaction in another thread until released (or 10 s passed)."""
    inside, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with storage.transaction():
            inside.set()
            release.wait(10)
        done.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert inside.wait(5)
    return release, done, thread


def test_a_read_completes_while_a_writer_holds_the_lock(
    sqlite_app: tuple[TestClient, Any, SqlStorage],
) -> None:
    """A GET with a never-used secret is served while another thread holds the writer lock;
    the secret's last use is recorded once the lock is free."""
    client, services, storage = sqlite_app
    created = services.directories.create("reads", "entra")
    release, done, thread = _hold_writer_lock(storage)
    try:
        response = client.get(
            f"/scim/{created.directory.id}/v2/Users",
            headers={"Authorization": f"Bearer {created.secret}"},
        )
        served_while_held = not done.is_set()
    finally:
        release.set()
        thread.join()
    assert response.status_code == 200
    assert served_while_held
    services.directories.flush_last_use()
    (secret,) = services.directories.live_secrets(created.directory.id)
    assert secret.last_used is not None


def test_a_write_that_cannot_get_the_lock_gets_503_with_retry_after(
    sqlite_app: tuple[TestClient, Any, SqlStorage],
) -> None:
    """A POST that waits longer than the writer timeout gets a SCIM 503 with Retry-After and
    changes nothing; the same POST succeeds once the lock is free."""
    client, services, storage = sqlite_app
    created = services.directories.create("writes", "entra")
    url = f"/scim/{created.directory.id}/v2/Users"
    auth = {"Authorization": f"Bearer {created.secret}"}
    release, _, thread = _hold_writer_lock(storage)
    try:
        busy = client.post(url, json=entra_user("busy@contoso.com"), headers=auth)
    finally:
        release.set()
        thread.join()
    assert busy.status_code == 503
    assert busy.json()["schemas"] == [ERROR]
    assert int(busy.headers["retry-after"]) > 0
    assert client.post(url, json=entra_user("busy@contoso.com"), headers=auth).status_code == 201


def _wrong(entra: Tenant, secret: str = "wrong-secret") -> Any:
    return entra.client.get(entra.url("/Users"), headers={"Authorization": f"Bearer {secret}"})


def test_repeated_failures_get_429_but_the_right_secret_is_served(entra: Tenant) -> None:
    """After BURST failures from one address a failing request gets 429 with Retry-After,
    while a request with the directory's secret from that address is still served."""
    assert [_wrong(entra).status_code for _ in range(BURST)] == [401] * BURST
    throttled = _wrong(entra)
    assert throttled.status_code == 429
    assert throttled.json()["schemas"] == [ERROR]
    assert int(throttled.headers["retry-after"]) >= 1
    assert entra.get("/Users").status_code == 200
    assert entra.post("/Users", entra_user()).status_code == 201
    assert _wrong(entra).status_code == 429


def test_a_throttled_repeated_secret_is_refused_before_any_database_work(
    entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once throttled, a secret that already failed is refused without authenticating; a
    secret never tried is still checked (so a just-rotated secret can never be locked out)."""
    for _ in range(BURST + 1):
        _wrong(entra)
    checks: list[str] = []
    authenticate = entra.services.directories.authenticate

    def counting(tenant: str, secret: str, **kwargs: Any) -> Any:
        checks.append(secret)
        return authenticate(tenant, secret, **kwargs)

    monkeypatch.setattr(entra.services.directories, "authenticate", counting)
    assert _wrong(entra).status_code == 429
    assert checks == []
    assert _wrong(entra, "another-guess").status_code == 429
    new = entra.services.directories.rotate_secret(entra.id)
    assert _wrong(entra, new).status_code == 200
    assert checks == ["another-guess", new]
