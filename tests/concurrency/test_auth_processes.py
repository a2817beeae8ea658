"""Authentication against a real server process: reads never wait for the writer lock, a
writer that waits too long gets 503, and an anonymous body is never read."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from scimdir.composition import build_services
from scimdir.settings import Settings
from tests.real_servers import Server, running_servers, server_env

from .conftest import user_body

pytestmark = pytest.mark.slow


def _services(url: str) -> Any:
    services = build_services(Settings(database_url=url))
    services.storage.migrate()
    return services


def test_reads_are_served_while_another_process_holds_the_writer_lock(
    tmp_path: Path, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another process holds the SQLite writer lock, a GET with a never-used secret is
    served, a POST gets 503 with Retry-After after the writer timeout, and the secret's last
    use is written once the lock is free."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    services = _services(url)
    created = services.directories.create("locked", "entra")
    auth = {"Authorization": f"Bearer {created.secret}"}
    monkeypatch.setattr(
        "tests.real_servers.server_env",
        lambda database_url, **extra: server_env(
            database_url, SCIMDIR_WRITER_LOCK_TIMEOUT="1", **extra
        ),
    )
    with running_servers(url, 1, tmp_path) as (server,):
        base = f"{server.url}/scim/{created.directory.id}/v2"
        with services.storage.transaction():
            read = http.get(f"{base}/Users", headers=auth, timeout=10)
            write = http.post(f"{base}/Users", json=user_body("w@c.io"), headers=auth, timeout=10)
        assert read.status_code == 200
        assert write.status_code == 503
        assert write.json()["status"] == "503"
        assert int(write.headers["retry-after"]) > 0
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            (secret,) = services.directories.live_secrets(created.directory.id)
            if secret.last_used is not None:
                break
            time.sleep(0.2)
        assert secret.last_used is not None
    services.storage.dispose()


def _raw_post(server: Server, path: str, headers: dict[str, str], chunks: int) -> bytes:
    """POST a chunked body over a raw socket, sending at most ``chunks`` 64 KiB chunks (stopping
    when the server stops reading), and return the status line of the answer."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall((head + "Transfer-Encoding: chunked\r\n\r\n").encode())
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        sock.settimeout(0.5)
        try:
            for _ in range(chunks):
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and stopped reading
        sock.settimeout(10)
        return sock.recv(64).split(b"\r\n")[0]


def test_an_anonymous_chunked_body_gets_401_after_one_chunk(tmp_path: Path) -> None:
    """A real server answers 401 to a wrong secret after one chunk of a body that never ends,
    and 413 to the right secret once the body passes the cap, without a Content-Length."""
    url = f"sqlite:///{tmp_path / 'body.db'}"
    services = _services(url)
    created = services.directories.create("bodies", "entra")
    path = f"/scim/{created.directory.id}/v2/Users"
    scim = {"Content-Type": "application/scim+json"}
    with running_servers(url, 1, tmp_path) as (server,):
        anonymous = _raw_post(server, path, {"Authorization": "Bearer wrong", **scim}, chunks=1)
        too_large = _raw_post(
            server, path, {"Authorization": f"Bearer {created.secret}", **scim}, chunks=48
        )
    services.storage.dispose()
    assert anonymous == b"HTTP/1.1 401 Unauthorized"
    assert too_large == b"HTTP/1.1 413 Request Entity Too Large"
