"""An application that keeps its own ``users`` and ``memberships`` tables in sync with a scimdir
directory from **webhooks** (docs/events.md, "Webhooks"), the push twin of ``sync_app.py``.

Create a subscription, then run the receiver with the secret it showed once:

    scimdir webhook create --directory DIRECTORY_ID --url http://127.0.0.1:8765/scim-events
    python examples/webhook_app.py whsec_... 8765

Each request is checked with :func:`scimdir.client.verify_webhook` (Standard Webhooks signature
and timestamp) before anything is read from it; a forged or stale one gets a 401 and changes
nothing. An event is applied at most once: its ``id`` (the ``webhook-id``, the same on every
retry and redelivery) is stored in the same transaction as the rows it changed, so a retry after
a lost response, or a manual redelivery, is acknowledged without being applied again. Order needs
no work here: the server sends one event at a time per subscription and moves on only after a
2xx (docs/events.md, "Order per subscription").

Standard library only (``http.server``, ``sqlite3``); the rows are the same as ``sync_app.py``'s,
written by the same :func:`apply_event`.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scimdir.client import WebhookVerificationError, verify_webhook

try:
    from examples.sync_app import SCHEMA, apply_event
except ImportError:  # run as a script: python examples/webhook_app.py
    from sync_app import SCHEMA, apply_event  # type: ignore[no-redef,import-not-found]

PROCESSED = "CREATE TABLE IF NOT EXISTS processed_events (id TEXT PRIMARY KEY, cursor TEXT);"
MAX_BODY = 1_000_000  # a group's SCIM document is the largest event; refuse anything absurd


class WebhookApp:
    """The application's tables and the logic of one webhook request, without HTTP."""

    def __init__(self, secret: str, db: sqlite3.Connection | None = None) -> None:
        self.secret = secret
        self.db = db if db is not None else sqlite3.connect(":memory:", check_same_thread=False)
        self.db.executescript(SCHEMA + PROCESSED)
        self.lock = threading.Lock()  # one sqlite connection, several server threads
        self.duplicates = 0

    def receive(self, headers: Mapping[str, str], body: bytes) -> int:
        """Verify and apply one delivery; returns the HTTP status to answer.

        204: applied, or already applied earlier (a retry); 401: the signature or timestamp is
        not valid for the secret, nothing was read from the body.
        """
        try:
            event = verify_webhook(self.secret, headers, body)
        except WebhookVerificationError:
            return 401
        with self.lock, self.db:  # one transaction: the rows and the event id move together
            seen = self.db.execute(
                "SELECT 1 FROM processed_events WHERE id = ?", (event.id,)
            ).fetchone()
            if seen is not None:
                self.duplicates += 1
                return 204
            if event.type != "webhook.test":
                apply_event(self.db, event)
            self.db.execute(
                "INSERT INTO processed_events (id, cursor) VALUES (?, ?)", (event.id, event.cursor)
            )
        return 204

    def users(self) -> dict[str, bool]:
        """``{user id: active}``."""
        with self.lock:
            rows = self.db.execute("SELECT id, active FROM users").fetchall()
        return {uid: bool(active) for uid, active in rows}

    def memberships(self) -> set[tuple[str, str]]:
        """``{(group id, member id)}``."""
        with self.lock:
            rows = self.db.execute("SELECT group_id, member_id FROM memberships").fetchall()
        return {(g, m) for g, m in rows}

    def processed(self) -> int:
        """How many distinct events were applied."""
        with self.lock:
            (count,) = self.db.execute("SELECT count(*) FROM processed_events").fetchone()
        return int(count)


def make_server(app: WebhookApp, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server (not started) that hands every POST to ``app.receive``; port 0 picks a
    free one (``server.server_address``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self.send_response(413)
            else:
                body = self.rfile.read(length)
                self.send_response(app.receive(dict(self.headers.items()), body))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the delivery log on the scimdir side records every attempt."""

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str]) -> None:
    """Receive webhooks for ever on 127.0.0.1:PORT into ``webhook_app.db``."""
    secret, port = argv[0], int(argv[1]) if len(argv) > 1 else 8765
    app = WebhookApp(secret, sqlite3.connect("webhook_app.db", check_same_thread=False))
    make_server(app, port=port).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
