"""``scimdir directory log`` and ``scimdir health``: filters, JSON, errors, escaped output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from scimdir.cli.main import CliState, cli
from scimdir.composition import Services, build_services
from scimdir.service.ports import LogRecord
from scimdir.service.runtime import utc_now
from scimdir.settings import Settings


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", url)
    built = build_services(Settings(database_url=url))
    built.storage.migrate()
    yield built
    built.storage.dispose()


def run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args), obj=CliState())
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def _seed(services: Services) -> str:
    did = services.directories.create("Logged", "entra").directory.id
    now = utc_now()
    sink = services.log_sink
    sink.record(
        LogRecord(
            did,
            "POST",
            "/Users",
            201,
            now - timedelta(hours=3),
            3.0,
            subject="old@x",
            effect="created",
            resource_type="User",
            resource_id="u-old",
        )
    )
    sink.record(
        LogRecord(
            did,
            "POST",
            "/Users",
            400,
            now,
            2.0,
            subject="evil\x1b]0;owned\x07\u202e@x",
            resource_type="User",
            problem="invalid_value",
            detail="bad\x1b[31m",
            explanation="why",
            fix="fix it",
        )
    )
    sink.record(LogRecord(did, "GET", "/Users", 200, now, 1.0))
    sink.flush()
    return did


def test_unknown_directory_exits_non_zero(services: Services) -> None:
    """`directory log` and `health` of an unknown id are errors."""
    assert "no directory nope" in run("directory", "log", "nope", ok=False)
    assert "no directory nope" in run("health", "nope", ok=False)


def test_control_characters_are_escaped_when_printing(services: Services) -> None:
    """ESC, BEL and a bidi override from a request are printed escaped, never raw."""
    did = _seed(services)
    out = run("directory", "log", did)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "evil\\x1b]0;owned\\x07\\u202e@x" in out
    assert "detail: bad\\x1b[31m" in out
    assert "fix: fix it" in out


def test_filters_and_json(services: Services) -> None:
    """--failures, --user, --since and --limit select entries; --json prints one list."""
    did = _seed(services)
    every = json.loads(run("directory", "log", did, "--json"))
    failures = json.loads(run("directory", "log", did, "--json", "--failures"))
    old = json.loads(run("directory", "log", did, "--json", "--user", "OLD@x"))
    recent = json.loads(run("directory", "log", did, "--json", "--since", "2h"))
    one = json.loads(run("directory", "log", did, "--json", "--limit", "1"))
    assert [e["status"] for e in every] == [200, 400, 201]
    assert [e["problem"] for e in failures] == ["invalid_value"]
    assert [e["effect"] for e in old] == ["created"]
    assert [e["status"] for e in recent] == [200, 400]
    assert len(one) == 1 and one[0]["fix"] is None


def test_problems_are_listed(services: Services) -> None:
    """--problems shows the open problems with their count and fix."""
    did = _seed(services)
    (problem,) = json.loads(run("directory", "log", did, "--problems", "--json"))
    assert (problem["kind"], problem["count"], problem["fix"]) == ("invalid_value", 1, "fix it")


def test_health_lists_directories_and_details_one(services: Services) -> None:
    """`health` has a line per directory; `health ID --json` has the documented keys."""
    did = _seed(services)
    never = services.directories.create("Never", "okta").directory.id
    listing = run("health")
    assert did in listing and never in listing and "never_connected" in listing
    detail = json.loads(run("health", did, "--json"))
    assert sorted(detail) == [
        "id",
        "idp",
        "last_contact",
        "last_day",
        "last_hour",
        "name",
        "open_problems",
        "quirks_last_day",
        "reason",
        "silent_after_minutes",
        "state",
    ]
    assert detail["state"] == "failing" and detail["silent_after_minutes"] == 80
    assert "evil\\x1b" in run("health", did)


def test_health_shows_requests_to_unknown_tenants(services: Services) -> None:
    """The summary lists recent requests that named a tenant that does not exist."""
    services.log_sink.record(
        LogRecord(
            None,
            "GET",
            "/scim/typo\x1b/v2/Users",
            401,
            utc_now(),
            1.0,
            category="auth",
            client="203.0.113.7",
        )
    )
    services.log_sink.flush()
    out = run("health")
    assert "/scim/typo\\x1b/v2/Users from 203.0.113.7" in out
