"""An application that keeps its own ``users`` and ``memberships`` tables in sync with a scimdir
directory by reading its change feed (docs/events.md, "For Python applications").

Run it against a server:

    python examples/sync_app.py https://scim.example.com API_KEY DIRECTORY_ID

It applies each event once, in feed order, and stores the cursor in the same transaction as the
rows, so a crash never skips nor doubles an event.
"""

from __future__ import annotations

import sqlite3
import sys

from scimdir.client import Event, FeedClient

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, user_name TEXT NOT NULL, display_name TEXT, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS memberships (
    group_id TEXT NOT NULL, member_id TEXT NOT NULL, PRIMARY KEY (group_id, member_id));
CREATE TABLE IF NOT EXISTS sync_state (id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT);
"""

USER_UPSERTS = {
    "user.created",
    "user.updated",
    "user.deactivated",
    "user.reactivated",
    "user.linked",
    "user.unlinked",
}


def apply_event(db: sqlite3.Connection, event: Event) -> None:
    """Apply one event to the ``users`` and ``memberships`` tables (no commit: the caller owns
    the transaction). Shared by the feed consumer and ``examples/webhook_app.py``."""
    data = event.data
    if event.type in USER_UPSERTS:
        db.execute(
            "INSERT INTO users (id, user_name, display_name, active) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET user_name = excluded.user_name,"
            " display_name = excluded.display_name, active = excluded.active",
            (data["id"], data["userName"], data.get("displayName"), bool(data.get("active"))),
        )
    elif event.type == "user.deleted":
        db.execute("DELETE FROM users WHERE id = ?", (data["id"],))
        db.execute("DELETE FROM memberships WHERE member_id = ?", (data["id"],))
    elif event.type == "group.member_added":
        db.execute(
            "INSERT OR IGNORE INTO memberships (group_id, member_id) VALUES (?, ?)",
            (data["group"]["id"], data["member"]["value"]),
        )
    elif event.type == "group.member_removed":
        db.execute(
            "DELETE FROM memberships WHERE group_id = ? AND member_id = ?",
            (data["group"]["id"], data["member"]["value"]),
        )
    elif event.type == "group.deleted":
        db.execute(
            "DELETE FROM memberships WHERE group_id = ? OR member_id = ?",
            (data["id"], data["id"]),
        )
    elif event.type == "directory.reset":
        db.execute("DELETE FROM memberships")
        db.execute("DELETE FROM users")


class SyncApp:
    """The application's own tables, fed by a :class:`FeedClient`."""

    def __init__(self, feed: FeedClient, db: sqlite3.Connection | None = None) -> None:
        self.feed = feed
        self.db = db if db is not None else sqlite3.connect(":memory:")
        self.db.executescript(SCHEMA)

    @property
    def cursor(self) -> str | None:
        """The cursor after the last applied event (None: nothing applied yet)."""
        row = self.db.execute("SELECT cursor FROM sync_state WHERE id = 1").fetchone()
        return None if row is None else str(row[0])

    def sync_once(self) -> int:
        """Apply every event after the stored cursor, page by page; returns how many."""
        applied = 0
        while True:
            events, next_cursor = self.feed.read(after=self.cursor, limit=100)
            with self.db:  # one transaction: the rows and the cursor move together
                for event in events:
                    self.apply(event)
                self.db.execute(
                    "INSERT INTO sync_state (id, cursor) VALUES (1, ?)"
                    " ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor",
                    (next_cursor,),
                )
            applied += len(events)
            if not events:
                return applied

    def apply(self, event: Event) -> None:
        """Apply one event to the tables."""
        apply_event(self.db, event)

    def users(self) -> dict[str, bool]:
        """``{user id: active}``."""
        return {
            uid: bool(active) for uid, active in self.db.execute("SELECT id, active FROM users")
        }

    def memberships(self) -> set[tuple[str, str]]:
        """``{(group id, member id)}``."""
        return {(g, m) for g, m in self.db.execute("SELECT group_id, member_id FROM memberships")}


def main(argv: list[str]) -> None:
    """Follow a directory for ever, printing each applied event."""
    base_url, api_key, directory_id = argv
    app = SyncApp(FeedClient(base_url, api_key, directory_id), sqlite3.connect("sync_app.db"))
    app.sync_once()
    for event in app.feed.follow(after=app.cursor):
        with app.db:
            app.apply(event)
            app.db.execute(
                "INSERT INTO sync_state (id, cursor) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor",
                (event.cursor,),
            )
        print(event.type, event.cursor, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
