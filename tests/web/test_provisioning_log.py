"""The provisioning log through the SCIM API: what each request records, and the request id."""

from __future__ import annotations

from typing import Any

from scimdir.devtools.entra_bodies import entra_user
from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA
from scimdir.service.ports import LogRecord
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_group, create_user, patch_body


def entries(t: Tenant) -> list[LogRecord]:
    """The tenant's log entries, newest first, after flushing the sink."""
    t.services.log_sink.flush()
    return t.services.log.query(t.id, limit=100).entries


def test_every_scim_response_carries_a_request_id_that_the_log_records(entra: Tenant) -> None:
    """X-Request-Id is on every SCIM response (401 and 404 too) and keys the log entry."""
    ok = entra.get("/Users")
    missing = entra.get("/Users/nope")
    refused = entra.client.get(entra.url("/Users"), headers={"Authorization": "Bearer wrong"})
    ids = [r.headers["x-request-id"] for r in (ok, missing, refused)]
    assert all(len(i) == 32 for i in ids) and len(set(ids)) == 3
    assert {e.request_id for e in entries(entra)} == set(ids)


def test_a_sane_incoming_request_id_is_kept_and_an_insane_one_replaced(entra: Tenant) -> None:
    """A proxy's X-Request-Id is reused; one with spaces or control characters is not echoed."""
    kept = entra.get("/Users", headers={"X-Request-Id": "lb-7f3a.42"})
    replaced = entra.get("/Users", headers={"X-Request-Id": "evil\x1b[2J value"})
    assert kept.headers["x-request-id"] == "lb-7f3a.42"
    assert "evil" not in replaced.headers["x-request-id"]


def test_a_create_records_subject_effect_client_and_agent(entra: Tenant) -> None:
    """POST /Users records the userName, "created", the client address and the user agent."""
    user = create_user(entra, "ann@contoso.com")
    entra.get(f"/Users/{user['id']}")
    read, created = entries(entra)
    assert (created.method, created.status, created.effect) == ("POST", 201, "created")
    assert (created.subject, created.resource_id) == ("ann@contoso.com", user["id"])
    assert (created.resource_type, created.category) == ("User", "request")
    assert created.client == "testclient" and created.user_agent == "testclient"
    assert created.request_body is None and created.response_body is None
    assert (read.subject, read.effect) == ("ann@contoso.com", None)


def test_an_update_names_the_changed_attributes(entra: Tenant) -> None:
    """An Entra PATCH records "updated displayName and department" and the quirks that fired."""
    user = create_user(entra, "upd@contoso.com")
    entra.patch(
        f"/Users/{user['id']}",
        patch_body(
            {"op": "Replace", "path": "displayName", "value": "New"},
            {"op": "Replace", "path": f"{ENTERPRISE_USER_SCHEMA}:department", "value": "R&D"},
        ),
    )
    entra.patch(
        f"/Users/{user['id']}", patch_body({"op": "Replace", "path": "active", "value": "False"})
    )
    deactivated, updated = entries(entra)[:2]
    assert updated.effect == "updated displayName and department"
    assert "entra.capitalised-op" in updated.quirks
    assert deactivated.effect == "deactivated"


def test_member_changes_are_counted(entra: Tenant) -> None:
    """A group PATCH records "added 3 members, removed 1"."""
    ids = [create_user(entra, f"m{i}@contoso.com")["id"] for i in range(4)]
    group = create_group(entra, "Counted")
    entra.patch(
        f"/Groups/{group}",
        patch_body({"op": "Add", "path": "members", "value": [{"value": i} for i in ids[:1]]}),
    )
    entra.patch(
        f"/Groups/{group}",
        patch_body(
            {"op": "Add", "path": "members", "value": [{"value": i} for i in ids[1:]]},
            {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]},
        ),
    )
    assert entries(entra)[0].effect == "added 3 members, removed 1"


def test_linking_is_recorded_as_such(entra: Tenant) -> None:
    """A create that adopts a local account records "linked to an existing account"."""
    entra.set("user_linking", True)
    entra.services.directories.create_local_user(entra.id, "lnk@contoso.com", None, None)
    assert entra.post("/Users", entra_user("lnk@contoso.com")).status_code == 201
    assert entries(entra)[0].effect == "linked to an existing account"


def test_failure_bodies_are_kept_redacted(entra: Tenant) -> None:
    """A failed request keeps its request and response bodies, with the password redacted."""
    body = entra_user("pw@contoso.com", password="hunter2-Secret")
    del body["emails"]
    entra.post("/Users", body)
    (entry,) = entries(entra)
    assert entry.request_body is not None and entry.response_body is not None
    assert "hunter2" not in entry.request_body and '"password":"[redacted]"' in entry.request_body
    assert '"scimType":"invalidValue"' in entry.response_body


def test_admin_actions_are_recorded(entra: Tenant) -> None:
    """Settings changes, rotations and resets appear in the log, never with the secret."""
    entra.set("user_linking", "true")
    secret = entra.services.directories.rotate_secret(entra.id)
    entra.services.directories.reset(entra.id)
    admin = [e for e in entries(entra) if e.category == "admin"]
    assert [e.effect for e in admin] == [
        "reset: 0 users removed, 0 groups removed",
        "issued a new secret; the old ones are revoked now",
        "changed user_linking false -> true",
    ]
    assert all(secret not in repr(e) for e in admin)


def test_a_failing_log_never_breaks_a_provisioning_write(entra: Tenant, monkeypatch: Any) -> None:
    """When the log cannot be written, the create still succeeds and the user exists."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("log storage down")

    monkeypatch.setattr(entra.services.log_sink, "_write", broken)
    response = entra.post("/Users", entra_user("safe@contoso.com"))
    assert response.status_code == 201
    assert entra.services.log_sink.flush() == 0
    assert entra.get(f"/Users/{response.json()['id']}").status_code == 200


def test_a_long_resource_id_costs_no_other_tenant_its_log_rows(entra: Tenant, okta: Tenant) -> None:
    """A 65+ character id in one tenant's request is stored bounded; the batch it shares with
    another tenant's request is written whole (on PostgreSQL it used to fail entirely)."""
    assert entra.get("/Users/" + "x" * 300).status_code == 404
    assert okta.get("/Users").status_code == 200
    entra.services.log_sink.flush()
    (long_entry,) = entra.services.log.query(entra.id).entries
    (other,) = okta.services.log.query(okta.id).entries
    assert long_entry.resource_id == "x" * 63 + "…"
    assert other.status == 200


def test_a_served_request_queues_facts_and_the_writer_redacts_them(
    entra: Tenant, monkeypatch: Any
) -> None:
    """A served request queues plain facts, not a built record nor its bodies (the request path
    does no redaction); the writer builds the row with the secret redacted from path and agent."""
    queued: list[tuple[Any, ...]] = []
    sink = entra.services.log_sink
    defer_row = sink.defer_row

    def spy(build: Any, *facts: Any) -> None:
        queued.append(facts)
        defer_row(build, *facts)

    monkeypatch.setattr(sink, "defer_row", spy)
    secret = entra.secret
    response = entra.get(
        f"/Users?filter=userName%20eq%20%22{secret}%22",
        headers={"User-Agent": f"agent {secret}"},
    )
    assert response.status_code == 200
    (facts,) = queued
    assert not any(isinstance(fact, dict | list | LogRecord) for fact in facts)
    (entry,) = [e for e in entries(entra) if e.request_id == response.headers["x-request-id"]]
    assert secret not in (entry.path or "") and secret not in (entry.user_agent or "")
    assert "[redacted]" in (entry.path or "") and "[redacted]" in (entry.user_agent or "")
