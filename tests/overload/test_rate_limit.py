"""Per-directory rate limits: off by default, 429 + Retry-After past the bucket, never for Entra's
normal rate (at least 25 requests/s,
https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).

The bucket's clock is injected, so nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from scimdir.cli.main import CliState, cli
from scimdir.service.directory_settings import DirectorySettings, SettingError
from scimdir.settings import Settings
from scimdir.web.app import create_app
from scimdir.web.rate_limit import RateLimited, RateLimiter
from tests.web.conftest import Tenant, make_tenant


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """The limiter's clock."""
    return FakeClock()


@pytest.fixture
def client(tmp_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    """The app on a fresh SQLite file, its rate limiter on the fake clock."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'rl.db'}", db_pool_size=2)
    app = create_app(settings, rate_limiter=RateLimiter(clock))
    with TestClient(app) as test_client:
        yield test_client
    app.state.services.storage.dispose()


def tenant_of(client: TestClient) -> Tenant:
    """A fresh Entra directory served by ``client``'s app."""
    services = client.app.state.services  # type: ignore[attr-defined]
    return make_tenant(client, services)


def statuses(tenant: Tenant, n: int) -> list[int]:
    """The statuses of ``n`` consecutive lookups, as Entra sends them."""
    return [tenant.get('/Users?filter=userName eq "x@c.io"').status_code for _ in range(n)]


def test_off_by_default(client: TestClient) -> None:
    """Without a rate_limit setting, no number of requests in one instant is refused."""
    tenant = tenant_of(client)
    assert DirectorySettings().rate_limit == 0
    assert set(statuses(tenant, 120)) == {200}


def test_past_the_burst_429_with_retry_after(client: TestClient, clock: FakeClock) -> None:
    """Past the bucket: 429 with Retry-After and a SCIM error naming the setting; refills."""
    tenant = tenant_of(client)
    tenant.set("rate_limit", "25")
    tenant.set("rate_limit_burst", "30")
    assert set(statuses(tenant, 30)) == {200}
    refused = tenant.get("/Users")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    body = refused.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "429"
    assert "rate_limit" in body["detail"]
    clock.now += 1.0  # 25 tokens back
    assert set(statuses(tenant, 25)) == {200}
    assert tenant.get("/Users").status_code == 429


def test_refused_writes_change_nothing(client: TestClient) -> None:
    """A rate-limited POST is refused before the use case runs: no user is created."""
    tenant = tenant_of(client)
    tenant.set("rate_limit", "25")
    tenant.set("rate_limit_burst", "25")
    statuses(tenant, 25)
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "late@c.io",
        "displayName": "late",
        "emails": [{"value": "late@c.io", "type": "work", "primary": True}],
    }
    assert tenant.post("/Users", body).status_code == 429
    listed = tenant.get('/Users?filter=userName eq "late@c.io"')
    assert listed.status_code == 429  # the bucket is still empty: no token came back
    services = tenant.services
    services.log_sink.flush()
    rows = services.directories.log(tenant.id, failures_only=True)
    assert {row.status for row in rows} == {429}
    with services.storage.transaction(readonly=True) as tx:
        assert tx.find_user_by_user_name(tenant.id, "late@c.io") is None


def test_per_directory_and_after_authentication(client: TestClient) -> None:
    """One directory's bucket never refuses another's requests, and wrong secrets spend none."""
    limited, other = tenant_of(client), tenant_of(client)
    limited.set("rate_limit", "25")
    limited.set("rate_limit_burst", "25")
    # An attacker who knows the tenant URL but not the secret: 15 failures (under the failed-
    # authentication throttle's burst of 20) plus 25 good requests exceed the burst of 25, so a
    # wrong secret that spent a token would make the good ones 429.
    for _ in range(15):
        wrong = client.get(limited.url("/Users"), headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
    assert set(statuses(limited, 25)) == {200}
    assert limited.get("/Users").status_code == 429
    assert set(statuses(other, 60)) == {200}


def test_entra_rate_never_limited_at_the_minimum() -> None:
    """Entra's 25 requests/s, even sent 25 at once each second for a minute, pass the smallest
    accepted limit (25/s, default burst) without a single 429."""
    clock = FakeClock()
    limiter = RateLimiter(clock)
    settings = DirectorySettings().with_value("rate_limit", "25")
    for _ in range(60):
        for _ in range(25):
            limiter.admit("d", settings.rate_limit, settings.burst())
        clock.now += 1.0
    with pytest.raises(RateLimited):  # and the limit is real: 26 in one second of a full minute
        for _ in range(2 * 25 + 1):
            limiter.admit("d", settings.rate_limit, settings.burst())


@pytest.mark.parametrize("value", ["10", "-1", "nan", "inf", "fast", "24.9"])
def test_setting_refuses_values_that_are_not_sensible(value: str) -> None:
    """rate_limit is 0/off or a finite number of at least 25 requests/s; the rest is refused."""
    with pytest.raises(SettingError, match="rate_limit"):
        DirectorySettings().with_value("rate_limit", value)


def test_setting_values_and_default_burst() -> None:
    """`off` turns the limit off; the burst defaults to two seconds' worth, never below one."""
    settings = DirectorySettings().with_value("rate_limit", "100")
    assert (settings.rate_limit, settings.burst()) == (100, 200)
    assert settings.with_value("rate_limit_burst", "50").burst() == 100
    assert settings.with_value("rate_limit_burst", "500").burst() == 500
    assert settings.with_value("rate_limit", "off").rate_limit == 0
    stored = DirectorySettings.from_json(settings.to_json())
    assert stored.rate_limit == 100


def test_cli_sets_and_refuses_the_rate_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scimdir directory set ID rate_limit N` stores the limit; a value below 25 is refused."""
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), obj=CliState())

    did = json.loads(run("directory", "create", "--name", "R", "--json").stdout)["id"]
    stored = run("directory", "set", did, "rate_limit", "100")
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.output)["rate_limit"] == 100
    refused = run("directory", "set", did, "rate_limit", "5")
    assert refused.exit_code != 0
    assert "at least 25" in refused.output
