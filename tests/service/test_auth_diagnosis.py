"""Why a 401 happened, for the log: every reason, found from the stored secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimdir.service.directories import DirectoryService
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(storage: Storage, clock: Clock) -> DirectoryService:
    return DirectoryService(storage, Runtime(clock=clock))


def test_unknown_tenant_and_missing_credentials(service: DirectoryService) -> None:
    """An unknown tenant has no directory; a known one without credentials is named."""
    did = service.create("D", "entra").directory.id
    unknown = service.diagnose_auth_failure("no-such-tenant", "x")
    assert (unknown.reason, unknown.directory_id) == ("unknown_tenant", None)
    assert service.diagnose_auth_failure(did, None).reason == "no_credentials"
    assert service.diagnose_auth_failure(did, "guess").reason == "wrong_secret"


def test_revoked_and_expired_secrets_are_told_apart(
    service: DirectoryService, clock: Clock
) -> None:
    """A secret revoked by a rotation, or expired after its overlap, has its own reason."""
    created = service.create("D", "entra")
    did = created.directory.id
    clock.now = T0 + timedelta(minutes=1)
    second = service.rotate_secret(did, keep_old_for=timedelta(hours=1))
    clock.now = T0 + timedelta(hours=2)
    expired = service.diagnose_auth_failure(did, created.secret)
    assert (expired.reason, expired.rotated_at) == ("expired_secret", T0 + timedelta(minutes=1))
    service.rotate_secret(did)
    assert service.diagnose_auth_failure(did, second).reason == "revoked_secret"
