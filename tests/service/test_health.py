"""Directory health states with a clock the test controls."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scimdir.service.directories import DirectoryNotFound, DirectoryService
from scimdir.service.health import HealthService
from scimdir.service.log_sink import LogSink
from scimdir.service.ports import LogRecord, Storage
from scimdir.service.runtime import Runtime

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Clock:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directories(storage: Storage, clock: Clock) -> DirectoryService:
    return DirectoryService(storage, Runtime(clock=clock))


def _log(storage: Storage, clock: Clock, *entries: LogRecord) -> None:
    sink = LogSink(storage, clock=clock)
    for entry in entries:
        sink.record(entry)
    sink.flush()


def _request(directory_id: str, at: datetime, status: int = 200, **kw: object) -> LogRecord:
    return LogRecord(directory_id, "GET", "/Users", status, at, 1.0, **kw)  # type: ignore[arg-type]


def test_a_new_directory_was_never_connected(
    storage: Storage, directories: DirectoryService, clock: Clock
) -> None:
    """No request ever: never_connected, even with admin actions in the log."""
    did = directories.create("New", "entra").directory.id
    directories.set_setting(did, "user_linking", "true")
    health = HealthService(storage, clock).directory_health(did)
    assert (health.state, health.last_contact) == ("never_connected", None)


def test_recent_successes_are_healthy_and_counted(
    storage: Storage, directories: DirectoryService, clock: Clock
) -> None:
    """Successful calls in the last hour: healthy, with requests and failures by window."""
    did = directories.create("Ok", "entra").directory.id
    _log(
        storage,
        clock,
        _request(did, T0 - timedelta(hours=3), 400, problem="invalid_value"),
        _request(did, T0 - timedelta(minutes=30), quirks=("entra.string-boolean",)),
        _request(did, T0 - timedelta(minutes=10)),
    )
    health = HealthService(storage, clock).directory_health(did)
    assert health.state == "healthy"
    assert health.last_contact == T0 - timedelta(minutes=10)
    assert (health.last_hour.requests, health.last_hour.failures) == (2, 0)
    assert (health.last_day.requests, health.last_day.failures) == (3, 1)
    assert health.last_day.failures_by_kind == {"invalid_value": 1}
    assert health.quirks == {"entra.string-boolean": 1}


def test_refused_secrets_make_a_directory_failing(
    storage: Storage, directories: DirectoryService, clock: Clock
) -> None:
    """An IdP whose every call in the last hour is refused is failing, with an open problem."""
    did = directories.create("Bad", "entra").directory.id
    refused = replace(
        _request(did, T0 - timedelta(minutes=5), 401), category="auth", problem="wrong_secret"
    )
    _log(storage, clock, refused, replace(refused, created=T0 - timedelta(minutes=4)))
    health = HealthService(storage, clock).directory_health(did)
    assert health.state == "failing"
    assert "wrong_secret" in health.reason
    assert [(p.kind, p.count) for p in health.open_problems] == [("wrong_secret", 2)]


def test_silence_beyond_two_cycles_is_silent_and_the_cycle_is_a_setting(
    storage: Storage, directories: DirectoryService, clock: Clock
) -> None:
    """Entra calls every 40 minutes: 81 quiet minutes is silent; a 60-minute cycle is not."""
    did = directories.create("Quiet", "entra").directory.id
    _log(storage, clock, _request(did, T0))
    service = HealthService(storage, clock)
    clock.now = T0 + timedelta(minutes=80)
    assert service.directory_health(did).state == "healthy"
    clock.now = T0 + timedelta(minutes=81)
    assert service.directory_health(did).state == "silent"
    directories.set_setting(did, "cycle_minutes", "60")
    assert service.directory_health(did).state == "healthy"


def test_secret_use_counts_as_contact_after_the_log_is_pruned(
    storage: Storage, directories: DirectoryService, clock: Clock
) -> None:
    """A directory whose log rows are gone but whose secret was used is silent, not new."""
    did = directories.create("Old", "entra").directory.id
    (secret,) = directories.live_secrets(did)
    with storage.transaction() as tx:
        tx.update_secret(replace(secret, last_used=T0 - timedelta(days=2)))
    health = HealthService(storage, clock).directory_health(did)
    assert (health.state, health.last_contact) == ("silent", T0 - timedelta(days=2))


def test_summary_lists_every_directory_and_unknown_ids_are_refused(
    storage: Storage, directories: DirectoryService, clock: Clock
) -> None:
    """summary() covers each directory; directory_health of an unknown id raises."""
    did = directories.create("Listed", "okta").directory.id
    service = HealthService(storage, clock)
    assert did in {h.directory_id for h in service.summary()}
    with pytest.raises(DirectoryNotFound):
        service.directory_health("no-such-directory")


def test_database_check(storage: Storage, clock: Clock) -> None:
    """database_ok is true while the database answers."""
    assert HealthService(storage, clock).database_ok() is True


def test_a_directory_whose_settings_cannot_be_read_is_failing_with_the_fix(
    sqlite_storage: Storage,
) -> None:
    """Unreadable stored settings make a directory failing, with the command that repairs them;
    the summary of every directory still answers."""
    directory = DirectoryService(sqlite_storage, Runtime()).create("Broken", "entra").directory
    with sqlite_storage.transaction() as tx:
        tx.update_directory(replace(directory, settings={"deletion": "purge"}))
    health = HealthService(sqlite_storage).directory_health(directory.id)
    assert health.state == "failing"
    assert f"scimdir directory set {directory.id} KEY VALUE" in health.reason
    assert directory.id in {h.directory_id for h in HealthService(sqlite_storage).summary()}
