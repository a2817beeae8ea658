"""``scimdir webhook ...`` and ``scimdir worker``: subscriptions from the shell, and a real worker
process delivering signed events to a local receiver."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from tests.cli import test_event_commands as event_cli
from tests.cli.test_event_commands import Scim, _run

scim = event_cli.scim  # the fixture: a directory on a SQLite file, written over SCIM


def test_create_prints_the_secret_once_and_list_never(scim: Scim) -> None:
    """create --json shows the whsec_ secret; list shows the subscription without it."""
    out = json.loads(
        _run(
            "webhook",
            "create",
            "--directory",
            scim.directory_id,
            "--url",
            "https://a.test/h",
            "--json",
        )
    )
    assert out["secret"].startswith("whsec_")
    assert out["url"] == "https://a.test/h" and out["enabled"] is True
    listed = _run("webhook", "list", "--directory", scim.directory_id, "--json")
    assert out["secret"] not in listed
    assert [s["id"] for s in json.loads(listed)] == [out["id"]]
    _run("webhook", "delete", "--directory", scim.directory_id, out["id"])
    assert json.loads(_run("webhook", "list", "--directory", scim.directory_id, "--json")) == []


def test_create_refuses_unknown_directory_and_bad_url(scim: Scim) -> None:
    """An unknown directory or a non-http URL exits non-zero."""
    _run("webhook", "create", "--directory", "nope", "--url", "https://a.test/h", ok=False)
    _run("webhook", "create", "--directory", scim.directory_id, "--url", "file:///x", ok=False)


@pytest.fixture
def receiver() -> Iterator[tuple[str, queue.Queue[tuple[bytes, dict[str, str]]]]]:
    """A local HTTP receiver on a free port that answers 204 and queues what it got."""
    got: queue.Queue[tuple[bytes, dict[str, str]]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            got.put((body, {k.lower(): v for k, v in self.headers.items()}))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    finally:
        server.shutdown()
        server.server_close()


def test_worker_process_delivers_signed_events(
    scim: Scim,
    receiver: tuple[str, queue.Queue[tuple[bytes, dict[str, str]]]],
) -> None:
    """A `scimdir worker` process posts each new event to the receiver, signed so that the
    standardwebhooks library verifies it, and stops on SIGTERM."""
    url, got = receiver
    created = json.loads(
        _run("webhook", "create", "--directory", scim.directory_id, "--url", url, "--json")
    )
    uid = scim.create_user("hooked@contoso.com")
    env = {**os.environ, "SCIMDIR_DATABASE_URL": scim.url}
    with subprocess.Popen([sys.executable, "-m", "scimdir.cli", "worker"], env=env) as process:
        try:
            body, headers = got.get(timeout=60)
            payload = Webhook(created["secret"]).verify(body, headers)
            assert (payload["type"], payload["data"]["id"]) == ("user.created", uid)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_test_command_posts_a_signed_test_event(
    scim: Scim, receiver: tuple[str, queue.Queue[tuple[bytes, dict[str, str]]]]
) -> None:
    """`webhook test` POSTs a webhook.test event the receiver can verify, and prints the status."""
    url, got = receiver
    created = json.loads(
        _run("webhook", "create", "--directory", scim.directory_id, "--url", url, "--json")
    )
    out = _run("webhook", "test", "--directory", scim.directory_id, created["id"])
    assert "HTTP 204" in out
    body, headers = got.get(timeout=10)
    assert Webhook(created["secret"]).verify(body, headers)["type"] == "webhook.test"


def test_redeliver_command_refuses_unknown_subscription(scim: Scim) -> None:
    """`webhook redeliver` of an unknown subscription exits non-zero."""
    _run("webhook", "redeliver", "--directory", scim.directory_id, "nope", "--after", "0", ok=False)
