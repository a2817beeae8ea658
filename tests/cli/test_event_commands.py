"""``scimdir events ID``: the change feed for people, a line or a JSON object per event."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from scimdir.cli.main import CliState, cli
from scimdir.settings import Settings
from scimdir.web.app import create_app


@dataclass
class Scim:
    """A directory on a SQLite file, written through the real SCIM app."""

    url: str
    directory_id: str
    client: TestClient
    secret: str

    def create_user(self, name: str) -> str:
        response = self.client.post(
            f"/scim/{self.directory_id}/v2/Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": name,
                "displayName": name.split("@", maxsplit=1)[0],
                "emails": [{"value": name, "type": "work", "primary": True}],
            },
            headers={"Authorization": f"Bearer {self.secret}"},
        )
        assert response.status_code == 201, response.text
        user_id: str = response.json()["id"]
        return user_id

    def delete_user(self, user_id: str) -> None:
        response = self.client.delete(
            f"/scim/{self.directory_id}/v2/Users/{user_id}",
            headers={"Authorization": f"Bearer {self.secret}"},
        )
        assert response.status_code == 204


@pytest.fixture
def scim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scim]:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", url)
    monkeypatch.setenv("SCIMDIR_PUBLIC_URL", "https://scim.example.test")
    app = create_app(Settings(database_url=url, public_url="https://scim.example.test"))
    with TestClient(app) as client:
        created = app.state.services.directories.create("Feed", "entra")
        yield Scim(url, created.directory.id, client, created.secret)
    app.state.services.storage.dispose()


def _run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args), obj=CliState())
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_one_line_per_event_with_type_and_resource(scim: Scim) -> None:
    """Without --json each event is one line naming its cursor, type and resource."""
    uid = scim.create_user("ann@contoso.com")
    scim.delete_user(uid)
    lines = _run("events", scim.directory_id).splitlines()
    assert len(lines) == 2
    assert "user.created" in lines[0] and "ann@contoso.com" in lines[0] and uid in lines[0]
    assert "user.deleted" in lines[1] and uid in lines[1]


def test_json_lines_and_after_resume_from_the_last_cursor(scim: Scim) -> None:
    """--json prints one event object per line; --after the last cursor prints only newer ones."""
    scim.create_user("a@contoso.com")
    scim.create_user("b@contoso.com")
    first = _json_lines(_run("events", scim.directory_id, "--json"))
    assert [e["data"]["userName"] for e in first] == ["a@contoso.com", "b@contoso.com"]
    assert {"id", "cursor", "type", "occurred_at", "data"} <= set(first[0])
    scim.create_user("c@contoso.com")
    newer = _json_lines(_run("events", scim.directory_id, "--json", "--after", first[-1]["cursor"]))
    assert [e["data"]["userName"] for e in newer] == ["c@contoso.com"]


def test_small_limit_still_prints_everything(scim: Scim) -> None:
    """With --limit 1 the command reads page after page until the feed is exhausted."""
    for n in range(3):
        scim.create_user(f"p{n}@contoso.com")
    out = _json_lines(_run("events", scim.directory_id, "--json", "--limit", "1"))
    assert [e["data"]["userName"] for e in out] == [f"p{n}@contoso.com" for n in range(3)]


def test_types_filter(scim: Scim) -> None:
    """--types keeps only the listed event types."""
    uid = scim.create_user("t@contoso.com")
    scim.delete_user(uid)
    out = _json_lines(_run("events", scim.directory_id, "--json", "--types", "user.deleted"))
    assert [(e["type"], e["data"]) for e in out] == [("user.deleted", {"id": uid})]


def test_unknown_directory_fails(scim: Scim) -> None:
    """An unknown directory id exits non-zero with an error."""
    assert "No directory" in _run("events", "no-such-directory", ok=False)


def test_bad_type_and_cursor_fail(scim: Scim) -> None:
    """An unknown event type or a malformed cursor exits non-zero naming the problem."""
    assert "Unknown event type" in _run("events", scim.directory_id, "--types", "x.y", ok=False)
    assert "cursor" in _run("events", scim.directory_id, "--after", "nope", ok=False)


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's stdout lines, read by a thread (a pipe read must never block the test)."""
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    return lines


def test_follow_prints_new_events_until_interrupted(scim: Scim) -> None:
    """--follow (a real process) prints existing events, then new ones as they commit, and
    exits cleanly on Ctrl-C (SIGINT)."""
    scim.create_user("before@contoso.com")
    command = [
        sys.executable,
        "-m",
        "scimdir.cli",
        "events",
        scim.directory_id,
        "--follow",
        "--json",
    ]
    env = {**os.environ, "SCIMDIR_DATABASE_URL": scim.url}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        try:
            lines = _lines(process)
            first = json.loads(lines.get(timeout=30))
            assert first["data"]["userName"] == "before@contoso.com"
            scim.create_user("after@contoso.com")
            assert json.loads(lines.get(timeout=30))["data"]["userName"] == "after@contoso.com"
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
