"""Failures through the SCIM API: kind, explanation and fix in the log; secrets kept out."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.devtools.entra_bodies import entra_user
from scimdir.service.explanations import DISPLAY_NAME_FALLBACK
from scimdir.service.ports import LogRecord
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_user, patch_body


def last(t: Tenant) -> LogRecord:
    """The tenant's newest log entry."""
    t.services.log_sink.flush()
    return t.services.log.query(t.id, limit=1).entries[0]


def test_service_account_without_names_gets_the_upn_fallback(entra: Tenant) -> None:
    """No displayName, givenName or surname: the fix is the userPrincipalName fallback."""
    body = entra_user("svc-backup@contoso.com")
    del body["displayName"], body["name"]
    assert entra.post("/Users", body).status_code == 400
    entry = last(entra)
    assert (entry.problem, entry.subject) == (
        "missing_required_attribute",
        "svc-backup@contoso.com",
    )
    assert entry.explanation is not None and "service account" in entry.explanation
    assert entry.fix is not None and DISPLAY_NAME_FALLBACK in entry.fix
    assert f"scimdir directory set {entra.id} required_attributes" in entry.fix


def test_user_with_names_but_no_display_name_gets_the_recommended_mapping(entra: Tenant) -> None:
    """A person without displayName gets the recommended Join(givenName, surname) mapping."""
    body = entra_user("person@contoso.com")
    del body["displayName"]
    entra.post("/Users", body)
    entry = last(entra)
    assert entry.fix is not None and 'Join(" ", [givenName], [surname])' in entry.fix
    assert DISPLAY_NAME_FALLBACK not in entry.fix


def test_conflict_with_a_provisioned_user_names_it(entra: Tenant) -> None:
    """A second create of a provisioned user: which account, and linking would not help."""
    first = create_user(entra, "twice@contoso.com")
    assert entra.post("/Users", entra_user("twice@contoso.com")).status_code == 409
    entry = last(entra)
    assert entry.problem == "duplicate_user"
    assert entry.explanation is not None and f"id {first['id']}" in entry.explanation
    assert "User linking would not help" in entry.explanation


def test_conflict_with_a_local_account_says_linking_resolves_it(entra: Tenant) -> None:
    """A create colliding with an unlinked account names it and gives the linking command."""
    local = entra.services.directories.create_local_user(entra.id, "loc@contoso.com", None, None)
    assert entra.post("/Users", entra_user("loc@contoso.com")).status_code == 409
    entry = last(entra)
    assert entry.problem == "unlinked_account"
    assert entry.explanation is not None and f"id {local.id}" in entry.explanation
    assert entry.fix == (
        "Turn on user linking so the next create adopts it: "
        f"scimdir directory set {entra.id} user_linking true."
    )


def test_entra_replace_on_an_okta_directory_is_a_dialect_mismatch(okta: Tenant) -> None:
    """Entra's "Replace" sent to a directory set to Okta says so and how to change the IdP."""
    user = okta.post(
        "/Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "dm@contoso.com",
            "displayName": "Dm",
            "emails": [{"value": "dm@contoso.com", "type": "work"}],
        },
    ).json()
    response = okta.patch(
        f"/Users/{user['id']}", patch_body({"op": "Replace", "path": "displayName", "value": "X"})
    )
    assert response.status_code == 400
    entry = last(okta)
    assert entry.problem == "dialect_mismatch"
    assert entry.explanation is not None and "okta" in entry.explanation
    assert entry.fix is not None and f"PATCH /api/v1/directories/{okta.id}" in entry.fix


def _refused(t: Tenant, authorization: str | None, tenant: str | None = None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    url = f"/scim/{tenant or t.id}/v2/Users"
    assert t.client.get(url, headers=headers).status_code == 401


def test_auth_failures_are_recorded_per_directory_with_their_reason(entra: Tenant) -> None:
    """Wrong secret and missing credentials are rows of the directory, with the reason."""
    _refused(entra, "Bearer not-the-secret")
    _refused(entra, None)
    entra.services.log_sink.flush()
    rows = entra.services.log.query(entra.id).entries
    assert [(r.category, r.status, r.problem) for r in rows] == [
        ("auth", 401, "no_credentials"),
        ("auth", 401, "wrong_secret"),
    ]
    assert rows[1].detail == "authentication refused: wrong secret"


def test_unknown_tenant_is_recorded_globally(entra: Tenant) -> None:
    """A tenant id that names no directory is recorded without a directory."""
    _refused(entra, "Bearer whatever-value", tenant="no-such-tenant")
    entra.services.log_sink.flush()
    rows = entra.services.log.query(None, limit=1000).entries
    mine = [r for r in rows if "/scim/no-such-tenant/" in r.path]
    assert mine and mine[0].problem == "unknown_tenant" and mine[0].directory_id is None


def test_a_401_right_after_a_rotation_says_the_old_secret_is_in_use(entra: Tenant) -> None:
    """After a rotation without overlap, the old secret's 401 says to paste the new one."""
    old = entra.secret
    entra.services.directories.rotate_secret(entra.id)
    _refused(entra, f"Bearer {old}")
    entry = last(entra)
    assert entry.problem == "old_secret_after_rotation"
    assert entry.detail == "authentication refused: revoked secret"
    assert entry.fix is not None and "Paste the new secret" in entry.fix


def test_a_secret_never_reaches_the_log_metrics_or_output(
    app_services: tuple[TestClient, Services],
    entra: Tenant,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A secret in a header, a body field or a Basic credential is in no log row, metric
    or output."""
    client, services = app_services
    secret = entra.secret
    body: dict[str, Any] = entra_user("leak@contoso.com", displayName=f"pasted {secret}")
    del body["emails"]
    body["token"] = secret
    entra.post("/Users", body, headers={"User-Agent": f"agent {secret}"})
    entra.get(f'/Users?filter=userName eq "{secret}"')
    basic = base64.b64encode(f"{entra.id}:{secret}x".encode()).decode()
    _refused(entra, f"Basic {basic}")
    _refused(entra, f"Bearer {secret}", tenant="elsewhere")
    services.log_sink.flush()
    rows = services.log.query(entra.id, limit=100).entries + services.log.query(None).entries
    assert rows and all(secret not in repr(r) for r in rows)
    assert secret not in client.get("/metrics").text
    captured = capfd.readouterr()
    assert secret not in captured.out + captured.err


def test_a_failing_log_entry_never_changes_the_answer(
    entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When diagnosing a 401 (in the log writer) or explaining a failure (on the request
    path) raises, the client still gets its 401 and 400, and the lost entries are counted."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("diagnosis failed")

    monkeypatch.setattr(entra.services.directories, "diagnose_auth_failure", broken)
    monkeypatch.setattr("scimdir.web.request_log.explain", broken)
    before = REGISTRY.get_sample_value("scimdir_log_rows_dropped_total", {"reason": "error"})
    _refused(entra, "Bearer wrong-secret-value")
    body = entra_user("noexplain@contoso.com")
    del body["emails"]
    assert entra.post("/Users", body).status_code == 400
    entra.services.log_sink.flush()
    after = REGISTRY.get_sample_value("scimdir_log_rows_dropped_total", {"reason": "error"})
    assert (after or 0) - (before or 0) == 2


def test_the_reason_of_a_401_is_diagnosed_off_the_request_path(
    entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 401 is answered before its reason is looked up (by the log writer), so the answer
    costs the same whether the tenant exists or not."""
    calls: list[str] = []
    real = entra.services.directories.diagnose_auth_failure

    def spy(tenant: str, presented: str | None) -> Any:
        calls.append(tenant)
        return real(tenant, presented)

    monkeypatch.setattr(entra.services.directories, "diagnose_auth_failure", spy)
    entra.services.log_sink.close()  # no background flush between the requests and the check
    _refused(entra, "Bearer wrong-secret-value")
    _refused(entra, "Bearer wrong-secret-value", tenant="no-such-tenant-at-all")
    assert calls == []
    entra.services.log_sink.flush()
    assert calls == [entra.id, "no-such-tenant-at-all"]
